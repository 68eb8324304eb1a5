"""Score posts in a Spark DataFrame where they live: ``score_dataframe(df, text_col="text")``.

Needs the ``spark`` extra (``pip install 'yaiba[spark]'``: pyspark and pyarrow) on the driver
and on every executor, with yaiba itself (fugashi and unidic-lite come with it).

How it runs: the model's safe bytes (:meth:`yaiba.Model.to_bytes`) are broadcast once; an
iterator pandas UDF sees only the text column, loads the model once per Python worker (cached
by the bytes' SHA-256, so reused across tasks and calls) and scores each Arrow batch with
:meth:`yaiba.Model.predict_batches` (one featurisation for probabilities, labels and kinds).
The UDF is a projection: no shuffle, every input row and column is kept, in order, in its
partition.

Added columns, after the input's (``prefix`` is prepended to each name):

========================  ======  ===================================================
``label``                 string  predicted class (the model's thresholds applied)
``p_<positive>``          double  P(positive class), e.g. ``p_attack``
``p_<class>``             double  one per other class, in ``Model.classes_`` order
``kind``                  string  attack kind for rows labelled positive; else null
``error``                 string  why the row has no score (null text); else null
========================  ======  ===================================================

Probabilities are the model's float32 values widened exactly to double. A row whose text is
null keeps its place with null scores and ``error`` set.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from yaiba.model import DEFAULT_BATCH, Model, load

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

_MODELS: dict[str, Model] = {}  # per Python worker: model by SHA-256 of its bytes
_MAX_CACHED = 4


def _require_pyspark() -> None:
    try:
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"yaiba.spark needs pyspark and pyarrow ({exc.name} is missing): pip install 'yaiba[spark]'"
        ) from None


def output_columns(model: Model, prefix: str = "") -> list[tuple[str, str]]:
    """The added columns as (name, Spark SQL type) pairs, in output order."""
    return (
        [(f"{prefix}label", "string")]
        + [(f"{prefix}p_{c}", "double") for c in model.proba_columns]
        + [(f"{prefix}kind", "string"), (f"{prefix}error", "string")]
    )


def _result_schema(model: Model, prefix: str) -> StructType:
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    types = {"string": StringType(), "double": DoubleType()}
    return StructType([StructField(name, types[t], True) for name, t in output_columns(model, prefix)])


def _as_model(model: Model | str | os.PathLike[str] | None) -> Model:
    if model is None or isinstance(model, (str, os.PathLike)):
        return load(model)
    if isinstance(model, Model):
        return model
    raise TypeError(f"model must be a yaiba.Model, a model file path or None, got {type(model).__name__}")


def _check_input(df: DataFrame, text_col: str, added: list[str]) -> None:
    from pyspark.sql.types import StringType

    fields = {f.name: f for f in df.schema.fields}
    if text_col not in fields:
        raise ValueError(f"DataFrame has no column {text_col!r} (columns: {', '.join(df.columns)})")
    if not isinstance(fields[text_col].dataType, StringType):
        raise TypeError(
            f"column {text_col!r} is {fields[text_col].dataType.simpleString()}, not string; "
            f"cast it first: df.withColumn({text_col!r}, df[{text_col!r}].cast('string'))"
        )
    lower = {c.lower() for c in df.columns}  # Spark column names are case-insensitive by default
    clash = [c for c in added if c.lower() in lower]
    if clash:
        raise ValueError(
            f"DataFrame already has column(s) {', '.join(clash)}; pass prefix='yaiba_' to name the added ones"
        )


def worker_model(key: str, blob: Any) -> Model:
    """The model with SHA-256 ``key``, loaded from ``blob.value`` once per Python process."""
    model = _MODELS.get(key)
    if model is None:
        model = load(blob.value)
        if len(_MODELS) >= _MAX_CACHED:
            _MODELS.pop(next(iter(_MODELS)))
        _MODELS[key] = model
    return model


def score_batches(
    batches: Iterator[pd.Series], key: str, blob: Any, columns: list[str], text_col: str, batch_size: int
) -> Iterator[pd.DataFrame]:
    """Score pandas Series of texts (null -> error row): the body of the pandas UDF."""
    model: Model | None = None
    order: list[int] = []
    for texts in batches:
        n = len(texts)
        label = np.full(n, None, dtype=object)
        kind = np.full(n, None, dtype=object)
        error = np.full(n, None, dtype=object)
        proba = np.full((n, len(columns) - 3), np.nan)
        missing = texts.isna().to_numpy()
        error[missing] = f"missing text in column {text_col!r} (null)"
        rows = np.flatnonzero(~missing)
        if len(rows):
            if model is None:
                model = worker_model(key, blob)
                order = [model.classes_.index(c) for c in model.proba_columns]
            start = 0
            for p, labs, kinds in model.predict_batches(texts.iloc[rows].tolist(), batch_size=batch_size):
                idx = rows[start : start + len(labs)]
                proba[idx] = p[:, order]
                label[idx] = labs
                kind[idx] = kinds
                start += len(labs)
        out = {columns[0]: label}
        for j, name in enumerate(columns[1:-2]):
            out[name] = proba[:, j]
        out[columns[-2]] = kind
        out[columns[-1]] = error
        yield pd.DataFrame(out)


def score_dataframe(
    df: DataFrame,
    text_col: str = "text",
    model: Model | str | os.PathLike[str] | None = None,
    *,
    prefix: str = "",
    batch_size: int = DEFAULT_BATCH,
) -> DataFrame:
    """Add yaiba's scores to every row of a Spark DataFrame.

    Parameters
    ----------
    df : pyspark.sql.DataFrame
        Posts, with a string column ``text_col``; other columns are kept as they are.
    text_col : str
        The column holding the post. Nulls get no score and an ``error``; '' is a valid post.
    model : Model, path or None
        A loaded model, a model file (read on the driver) or None for the shipped model.
    prefix : str
        Prepended to the added column names (when the input already has e.g. ``label``).
    batch_size : int
        Posts featurised at once inside a worker (Spark's Arrow batches are split to this).

    Returns
    -------
    pyspark.sql.DataFrame
        ``df``'s columns, then the columns listed by :func:`output_columns`; same rows, same
        partitions, same order. Lazy, like any DataFrame transformation. Each row is scored
        once even when you filter on the scores; filter out rows you do not need *before*
        calling this (Spark does not push filters below the scorer).
    """
    _require_pyspark()
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.functions import pandas_udf  # F.pandas_udf, in a module mypy can follow

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    clf = _as_model(model)
    columns = [name for name, _ in output_columns(clf, prefix)]
    _check_input(df, text_col, columns)
    blob = clf.to_bytes()
    key = hashlib.sha256(blob).hexdigest()
    try:
        shared = df.sparkSession.sparkContext.broadcast(blob)
    except Exception as exc:  # Spark Connect sessions have no SparkContext
        raise RuntimeError(f"yaiba.spark needs a classic SparkSession with a SparkContext ({exc})") from None

    def udf_body(batches: Iterator[pd.Series]) -> Iterator[pd.DataFrame]:
        return score_batches(batches, key, shared, columns, text_col, batch_size)

    # non-deterministic: otherwise a filter on a score (where p_attack >= 0.5) is planned as a
    # second evaluation of the UDF below the projection, doubling the work
    scorer = pandas_udf(udf_body, _result_schema(clf, prefix)).asNondeterministic()  # type: ignore[call-overload]
    struct = f"__yaiba_{key[:12]}"
    scored = df.select(F.col("*"), scorer(F.col(_quote(text_col))).alias(struct))
    return scored.select(F.col("*"), F.col(f"{struct}.*")).drop(struct)


def _quote(name: str) -> str:
    """A column name as a Spark identifier (dots and backticks taken literally)."""
    return "`" + name.replace("`", "``") + "`"


__all__ = ["output_columns", "score_dataframe"]
