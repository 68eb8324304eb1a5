"""Score the posts of a pandas DataFrame: ``yaiba.score_frame(df, text_col="text")``.

The in-memory counterpart of ``yaiba score`` (files) and :func:`yaiba.spark.score_dataframe`
(Spark): every row of the input is kept, with its index, in order, and gets the model's
label, probabilities and attack kind in added columns.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from yaiba.core.parallel import resolve_n_jobs
from yaiba.errors import DataError
from yaiba.model import DEFAULT_BATCH, Model, load

SHOWN = 5
"""Offending rows (or columns) an error message names before it says how many more there are."""

_PANDAS_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3


@cache
def _shipped_model() -> Model:
    """The shipped model, loaded on first use and reused by every later call."""
    return load()


def output_columns(model: Model, prefix: str = "", *, reasons: bool = False) -> list[str]:
    """The names of the columns :func:`score_frame` adds, in order.

    ``label``, ``p_<class>`` for each of ``model.proba_columns`` (the positive class first),
    ``kind``, ``flagged``, and ``reason`` when ``reasons`` is true; each with ``prefix``.
    """
    names = ["label", *(f"p_{c}" for c in model.proba_columns), "kind", "flagged"]
    if reasons:
        names.append("reason")
    return [prefix + n for n in names]


def score_frame(
    df: pd.DataFrame,
    text_col: Hashable = "text",
    *,
    model: Model | None = None,
    prefix: str = "",
    reasons: bool = False,
    batch_size: int = DEFAULT_BATCH,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """A copy of ``df`` with yaiba's label, probabilities and attack kind for every row.

    Parameters
    ----------
    df : pandas.DataFrame
        Posts, one per row, in the column ``text_col``; other columns and the index (any
        index: strings, duplicates, a MultiIndex, unsorted) are kept as they are. ``df``
        itself is not modified.
    text_col : hashable
        The column holding the posts. Every cell must be a ``str`` ('' is a valid post); a
        missing value (None, NaN, ``pd.NA``) or any other type is an error, never skipped.
        With MultiIndex columns, the full tuple.
    model : Model or None
        The model to score with; None for the shipped model (:func:`yaiba.load`), loaded on
        the first call and reused by later ones.
    prefix : str
        Prepended to every added column name, for a frame that already has e.g. ``label``.
    reasons : bool
        Also add ``reason``: the moderator's one-line Japanese message of
        :meth:`Model.reasons` for flagged rows, None for the others. This is the slow path
        (phrase attribution per flagged post, in this process); without it the column is
        absent. Needs a model with a positive label.
    batch_size : int
        Posts featurised at once (memory grows with it; the scores do not depend on it).
    n_jobs : int or None
        None or 1: this process; -1: every core; k: k worker processes. Same scores, same order.

    Returns
    -------
    pandas.DataFrame
        ``df``'s columns, then these (each name with ``prefix``), with ``df``'s index:

        =============  =======  =========================================================
        ``label``      object   the predicted class (str), by the decision rule below
        ``p_<class>``  float32  one per class of ``model.proba_columns``: the positive
                                class first (``p_attack``), then the others in
                                ``model.classes_`` order; the model's values, unrounded
        ``kind``       object   the attack kind (str) of rows labelled with the positive
                                class; None elsewhere, and everywhere for a model without
                                a kind head
        ``flagged``    bool     ``label == model.positive_class``
        ``reason``     object   only with ``reasons=True``: str for flagged rows, else None
        =============  =======  =========================================================

        An empty ``df`` gives an empty frame with these columns and dtypes.

    Raises
    ------
    DataError
        ``text_col`` is not a column of ``df`` (the message lists the columns it has) or
        names several; a cell of it is not a ``str`` (the message gives the number of such
        rows and the index label and value type of the first few); an added column name is
        already a column of ``df`` (pass ``prefix="yaiba_"``).
    TypeError
        ``df`` is not a DataFrame, ``model`` not a :class:`Model`, or ``prefix`` not a str.
    ValueError
        ``batch_size`` < 1, a bad ``n_jobs``, or ``reasons=True`` with a model that has no
        positive label.

    Notes
    -----
    **Decision rule.** ``label`` (hence ``flagged``) comes from the model's thresholds,
    ``model.thresholds``, not from a plain argmax of the probabilities
    (:meth:`Model.labels_from_proba`): the classes that have a threshold are checked in the
    thresholds' order and the first whose probability reaches its threshold wins; when none
    does, the label is the most probable of the classes without a threshold (of all classes
    if every class has one). A model without thresholds takes the argmax. The shipped model
    uses ``{"attack": 0.5}``: a post is ``attack`` exactly when ``p_attack >= 0.5``, and
    otherwise the likelier of ``criticism`` and ``neutral``, even if ``p_attack`` is the
    largest of the three. Change the rule with :meth:`Model.with_thresholds`
    (``model=yaiba.load().with_thresholds({"attack": 0.7})``); to rank instead, sort on
    ``p_attack``.

    Each post is featurised once for the label, probabilities and kind
    (:meth:`Model.predict_batches`); the rows equal ``model.predict_batch`` of the same
    texts.

    Examples
    --------
    >>> import pandas as pd
    >>> import yaiba
    >>> df = pd.DataFrame({"text": ["この采配は最悪。説明してほしい", "お前なんか消えろ"]}, index=["a", "b"])
    >>> out = yaiba.score_frame(df)
    >>> list(out.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['text', 'label', 'p_attack', 'p_criticism', 'p_neutral', 'kind', 'flagged']
    >>> list(out.index), out["flagged"].dtype.name, out["p_attack"].dtype.name
    (['a', 'b'], 'bool', 'float32')
    >>> out[out.flagged].index.tolist()  # doctest: +SKIP
    ['b']
    """
    if not isinstance(df, pd.DataFrame):
        hint = f"; use series.to_frame({text_col!r})" if isinstance(df, pd.Series) else ""
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}{hint}")
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a str, got {type(prefix).__name__}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
    resolve_n_jobs(n_jobs)  # a bad n_jobs fails here, even for an empty frame
    if model is None:
        model = _shipped_model()
    elif not isinstance(model, Model):
        raise TypeError(
            f"model must be a yaiba.Model or None (the shipped model), got {type(model).__name__}; "
            "load a file with yaiba.load(path)"
        )
    if reasons and model.positive_label is None:
        raise ValueError(f"reasons=True needs a model with a positive label (classes {model.classes_})")

    texts = _texts(df, text_col)
    names = output_columns(model, prefix, reasons=reasons)
    clash = [n for n in names if n in df.columns]  # with MultiIndex columns: in the first level
    if clash:
        raise DataError(
            f"the DataFrame already has column(s) {', '.join(map(repr, clash))}; "
            "pass prefix='yaiba_' (or another prefix) to name the added ones"
        )

    n = len(texts)
    order = [model.classes_.index(c) for c in model.proba_columns]
    proba = np.zeros((n, len(order)), dtype=np.float32)
    labels = np.empty(n, dtype=object)
    kinds = np.full(n, None, dtype=object)
    if n:
        start = 0
        for pred in model.predict_batches(texts, batch_size=batch_size, n_jobs=n_jobs):
            stop = start + len(pred.labels)
            proba[start:stop] = pred.proba[:, order]
            labels[start:stop] = pred.labels
            kinds[start:stop] = pred.kinds
            start = stop
    flagged = np.asarray(labels == model.positive_class, dtype=bool)

    columns: list[np.ndarray] = [labels, *(proba[:, j] for j in range(len(order))), kinds, flagged]
    if reasons:
        hits = np.flatnonzero(flagged)
        messages = np.full(n, None, dtype=object)
        found = model.reasons([texts[i] for i in hits])  # empty list: still checks the model
        messages[hits] = [r.message if r is not None else None for r in found]
        columns.append(messages)

    out = df.copy(deep=not _PANDAS_COPY_ON_WRITE)  # copy-on-write (pandas >= 3): df stays as it is
    for name, values in zip(names, columns):
        # a Series on df's own index: no realignment (duplicates are fine), and the dtype is
        # kept (an object array set directly becomes pandas 3's "str", with None as NaN)
        out[_column_key(out, name)] = pd.Series(values, index=out.index, dtype=values.dtype, copy=False)
    return out


def _texts(df: pd.DataFrame, text_col: Hashable) -> list[str]:
    """The posts of ``text_col``, or DataError naming the column or the rows that are not str."""
    where = [i for i, c in enumerate(df.columns) if _same_label(c, text_col)]
    if not where:
        raise DataError(
            f"the DataFrame has no column {text_col!r}; its columns are {_listed(list(df.columns))} "
            "(pass text_col= to name the column of posts)"
        )
    if len(where) > 1:
        raise DataError(f"the DataFrame has {len(where)} columns named {text_col!r}; rename all but one")
    values = df.iloc[:, where[0]].to_numpy(dtype=object)
    bad = np.flatnonzero(np.fromiter((not isinstance(v, str) for v in values), dtype=bool, count=len(values)))
    if len(bad):
        labels = df.index[bad[:SHOWN]].tolist()  # Python scalars: 20, not np.int64(20)
        shown = "; ".join(f"index {label!r}: {_describe(values[i])}" for label, i in zip(labels, bad))
        more = f"; and {len(bad) - SHOWN} more" if len(bad) > SHOWN else ""
        raise DataError(
            f"column {text_col!r} has {len(bad)} cell(s) that are not str ({shown}{more}); every post "
            f"must be a str (use '' for an empty post, or drop those rows: df.dropna(subset=[{text_col!r}]))"
        )
    return values.tolist()


def _same_label(column: Any, name: Hashable) -> bool:
    try:
        return bool(column == name)
    except (TypeError, ValueError):  # labels that do not compare to a bool
        return False


def _column_key(df: pd.DataFrame, name: str) -> Hashable:
    """The key of an added column: ``name``, or a full-length tuple for MultiIndex columns."""
    if isinstance(df.columns, pd.MultiIndex):
        return (name, *([""] * (df.columns.nlevels - 1)))
    return name


def _listed(labels: Sequence[Hashable]) -> str:
    if not labels:
        return "none"
    shown = ", ".join(repr(c) for c in labels[: 4 * SHOWN])
    return shown + (f", ... ({len(labels)} in all)" if len(labels) > 4 * SHOWN else "")


def _describe(value: object) -> str:
    if value is None:
        return "None"
    if value is pd.NA:
        return "pd.NA (a missing value)"
    if isinstance(value, float) and value != value:
        return "NaN (a missing value)"
    return f"{type(value).__name__} {value!r:.40}"


__all__ = ["output_columns", "score_frame"]
