"""The ``yaiba spark-score`` job: read Parquet or CSV with Spark, score, write Parquet or CSV.

Used by :mod:`yaiba.cli`; importing this module needs pyspark.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from yaiba.errors import YaibaError
from yaiba.model import Model
from yaiba.spark.dataframe import score_dataframe

SPARK_FORMATS = ("parquet", "csv")
CORRUPT = "_corrupt_record"
_EXTENSIONS = {".parquet": "parquet", ".parq": "parquet", ".csv": "csv"}


@dataclass
class Result:
    rows: int
    errors: int


def is_local(path: str) -> bool:
    """True for a plain filesystem path (not hdfs://, s3a://, ...)."""
    return "://" not in path or path.startswith("file://")


def detect_input_format(path: str, explicit: str | None = None) -> str:
    """parquet or csv: ``explicit``, else from the file's extension or the files in the folder."""
    if explicit:
        return explicit
    local = Path(path.removeprefix("file://"))
    if is_local(path) and local.is_dir():
        exts = {
            p.suffix.lower()
            for p in local.rglob("*")
            if p.is_file() and not p.name.startswith(("_", ".")) and not p.name.endswith(".crc")
        }
        kinds = {_EXTENSIONS.get(e) for e in exts}
        if len(kinds) == 1 and None not in kinds:
            return kinds.pop()  # type: ignore[return-value]
        raise ValueError(
            f"{path}: cannot tell the format from the files in the folder "
            f"({', '.join(sorted(exts)) or 'none'}); pass --in-format parquet or csv"
        )
    fmt = _EXTENSIONS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: cannot tell the format from the name; pass --in-format parquet or csv")
    return fmt


def session(master: str | None, conf: dict[str, str]) -> tuple[SparkSession, bool]:
    """The active SparkSession, or a new one (second value: whether we created it)."""
    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    local = master is None or master.startswith("local")
    if local and "PYSPARK_PYTHON" not in os.environ and "PYSPARK_GATEWAY_PORT" not in os.environ:
        os.environ["PYSPARK_PYTHON"] = sys.executable  # local workers run this Python (with yaiba)
    builder = SparkSession.builder.appName("yaiba spark-score")
    if master:
        builder = builder.master(master)
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark, True


def read_posts(spark: SparkSession, path: str, fmt: str, text_col: str, encoding: str) -> DataFrame:
    """The input as a DataFrame. CSV: header row, RFC 4180 quoting, multi-line posts, every
    column a string; a malformed record keeps its row with a null text and the raw record in
    ``_corrupt_record``."""
    if fmt == "parquet":
        return spark.read.parquet(path)
    reader = (
        spark.read.option("header", True).option("multiLine", True).option("escape", '"').option("encoding", encoding)
    )
    header = reader.csv(path).columns
    if text_col not in header:
        raise ValueError(f"{path}: no column {text_col!r} (columns: {', '.join(header)}); choose one with --text-col")
    schema = StructType([StructField(c, StringType(), True) for c in header] + [StructField(CORRUPT, StringType())])
    return reader.schema(schema).option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT).csv(path)


def in_order_partitions(df: DataFrame, n: int) -> DataFrame:
    """Spread rows over ``n`` partitions by range of their position, keeping the row order."""
    pos = "__yaiba_pos"
    return (
        df.withColumn(pos, F.monotonically_increasing_id())
        .repartitionByRange(n, pos)
        .sortWithinPartitions(pos)
        .drop(pos)
    )


def score(df: DataFrame, text_col: str, model: Model, prefix: str) -> DataFrame:
    """score_dataframe, with malformed CSV records (if any) flagged in the error column."""
    if CORRUPT not in df.columns:
        return score_dataframe(df, text_col, model, prefix=prefix)
    bad = F.col(CORRUPT).isNotNull()
    masked = df.withColumn(text_col, F.when(~bad, F.col(text_col)))
    scored = score_dataframe(masked, text_col, model, prefix=prefix)
    err = f"{prefix}error"
    message = F.concat(F.lit("malformed CSV record: "), F.substring(F.col(CORRUPT), 1, 200))
    return scored.withColumn(err, F.when(bad, message).otherwise(F.col(err))).drop(CORRUPT)


def write(df: DataFrame, path: str, fmt: str, overwrite: bool) -> None:
    mode = "overwrite" if overwrite else "errorifexists"
    if fmt == "parquet":
        df.write.mode(mode).parquet(path)
    else:
        df.write.mode(mode).option("header", True).option("escape", '"').csv(path)


def run(
    input_path: str,
    output_path: str,
    *,
    text_col: str,
    model: Model,
    in_format: str,
    out_format: str,
    master: str | None = None,
    conf: dict[str, str] | None = None,
    prefix: str = "",
    partitions: int | None = None,
    overwrite: bool = False,
    encoding: str = "utf-8",
) -> Result:
    """Score ``input_path`` into ``output_path`` (a folder of part files); count what was written."""
    from pyspark.errors import PySparkException

    spark, created = session(master, conf or {})
    try:
        df = read_posts(spark, input_path, in_format, text_col, encoding)
        if partitions:
            df = in_order_partitions(df, partitions)
        try:
            scored = score(df, text_col, model, prefix)
        except (TypeError, ValueError) as exc:  # the text column is missing or not strings
            raise ValueError(f"{input_path}: {exc}") from None
        write(scored, output_path, out_format, overwrite)
        out = (
            spark.read.parquet(output_path)
            if out_format == "parquet"
            else (spark.read.option("header", True).option("multiLine", True).option("escape", '"').csv(output_path))
        )
        errors = out.where(F.col(f"`{prefix}error`").isNotNull()).count()
        return Result(rows=out.count(), errors=errors)
    except PySparkException as exc:
        raise YaibaError(f"Spark failed: {_summary(exc)}") from None
    finally:
        if created:
            spark.stop()


def _summary(exc: Exception) -> str:
    """First line of a Spark error, plus the Python exception line of a worker traceback."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    cause = [line for line in lines[1:] if re.match(r"^[\w.]+(Error|Exception|Interrupt)\b", line)]
    return lines[0] + (f" {cause[-1]}" if cause else "")
