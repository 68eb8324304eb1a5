"""The ``yaiba spark-score`` job: read Parquet or CSV with Spark, score, write Parquet or CSV.

CSV is read with the row discipline of ``yaiba score`` (:mod:`yaiba.io.posts`), not with
Spark's CSV reader: each file is parsed whole by one task under strict RFC 4180 rules
(quoted fields may hold commas, quotes and newlines). A malformed record (an unterminated
quote, text after a closing quote, a NUL byte, the wrong number of fields) becomes ONE row
with a null text and an ``error``; the lines an unterminated quote swallowed are read again
as records of their own, so one stray quote costs one row, never the rows after it. Every
input record is accounted for: the job counts the records read and the rows written, and
fails (:class:`yaiba.errors.YaibaError`) if they differ. Parquet is read by Spark as is.

Used by :mod:`yaiba.cli`; importing this module needs pyspark.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from yaiba.errors import DataError, YaibaError
from yaiba.io.posts import open_text
from yaiba.model import Model
from yaiba.spark.dataframe import score_dataframe

SPARK_FORMATS = ("parquet", "csv")
CORRUPT = "__yaiba_malformed"  # internal column: why a CSV record is malformed (else null)
_EXTENSIONS = {".parquet": "parquet", ".parq": "parquet", ".csv": "csv"}


@dataclass
class Result:
    rows: int  # rows written (== records read)
    errors: int  # rows written with an error (malformed records included)
    malformed: int = 0  # CSV records that could not be parsed


_Record = tuple[int, list[str] | None, str, str | None]  # first line, fields, raw text, error


class _StrictCsv(csv.excel):
    strict = True  # as in yaiba.io.posts: an unterminated quote or text after a closing quote is an error


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
    """The input as a DataFrame. CSV: one row per record of each file (header row first in
    every file, the same header in all), every column a string, an empty cell null; a
    malformed record keeps its row, with a null text and its error in the internal column
    ``CORRUPT`` (see the module docstring)."""
    if fmt == "parquet":
        return spark.read.parquet(path)
    files = csv_files(spark, path)
    headers = files.map(lambda f: csv_header(f[0], f[1], encoding)).filter(lambda h: h is not None).take(1)
    if not headers:
        raise DataError(f"{path}: no CSV header (empty input)")
    header: list[str] = headers[0]
    if text_col not in header:
        raise ValueError(f"{path}: no column {text_col!r} (columns: {', '.join(header)}); choose one with --text-col")
    schema = StructType([StructField(c, StringType(), True) for c in header] + [StructField(CORRUPT, StringType())])
    rows = files.flatMap(lambda f: csv_rows(f[0], f[1], encoding, header, text_col))
    return spark.createDataFrame(rows, schema)


def csv_files(spark: SparkSession, path: str) -> Any:
    """An RDD of (name, source) per CSV file, one partition each: source is a local path
    (streamed by the task) in local mode, else the file's bytes (Spark's binaryFiles)."""
    sc = spark.sparkContext
    local = Path(path.removeprefix("file://"))
    if is_local(path) and str(sc.master).startswith("local") and local.exists():
        if local.is_dir():
            found = sorted(
                f
                for f in local.rglob("*")
                if f.is_file()
                and not any(part.startswith(("_", ".")) for part in f.relative_to(local).parts)
                and not f.name.endswith(".crc")
            )
        else:
            found = [local]
        if not found:
            raise DataError(f"{path}: no CSV files")
        return sc.parallelize([(str(f), str(f)) for f in found], len(found))
    return sc.binaryFiles(path)


def _open(name: str, source: str | bytes, encoding: str) -> IO[str]:
    if isinstance(source, str):
        return open_text(source, encoding)
    try:
        utf8 = codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r} (e.g. utf-8, cp932)") from None
    return io.TextIOWrapper(io.BytesIO(source), encoding="utf-8-sig" if utf8 else encoding, newline="")


def _records(fh: IO[str]) -> Iterator[_Record]:
    """(first line, fields or None, raw text, error or None) of each record of a CSV stream,
    the header included, under the rules of :class:`yaiba.io.posts.Reader`: a malformed
    record is reported for its first line and the lines it swallowed are read again."""
    pending: deque[tuple[int, str]] = deque()
    record: list[tuple[int, str]] = []
    read = consumed = 0

    def lines() -> Iterator[str]:
        nonlocal read
        while True:
            if pending:
                item = pending.popleft()
            else:
                raw = fh.readline()
                if not raw:
                    return
                read += 1
                item = (read, raw)
            record.append(item)
            yield item[1]

    reader = csv.reader(lines(), dialect=_StrictCsv)
    while True:
        record.clear()
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            (line, raw), *rest = record
            consumed += 1
            yield line, None, raw, "unterminated quote" if "unexpected end of data" in str(exc) else str(exc)
            pending.extendleft(reversed(rest))
            reader = csv.reader(lines(), dialect=_StrictCsv)
            continue
        consumed += len(record)
        raw = "".join(r for _, r in record)
        yield record[0][0], rec, raw, ("NUL byte in the record" if "\x00" in raw else None)
    if consumed != read:  # every physical line belongs to exactly one record
        raise RuntimeError(f"CSV line accounting failed: read {read} lines, {consumed} in records")


def csv_header(name: str, source: str | bytes, encoding: str) -> list[str] | None:
    """The header row of one CSV file (None for an empty file)."""
    with _open(name, source, encoding) as fh:
        for _, fields, _, error in _decode_guard(name, encoding, _records(fh)):
            if error is not None or fields is None:
                raise DataError(f"{name}: malformed CSV header: {error}")
            if fields and fields[0].startswith("\ufeff"):
                fields[0] = fields[0][1:]
            return fields
    return None


def csv_rows(
    name: str, source: str | bytes, encoding: str, header: list[str], text_col: str
) -> Iterator[tuple[str | None, ...]]:
    """One tuple per record of one CSV file: its cells (empty -> None) and the error column."""
    n, t = len(header), header.index(text_col)
    short = name.rstrip("/").rsplit("/", 1)[-1]
    with _open(name, source, encoding) as fh:
        records = _decode_guard(name, encoding, _records(fh))
        first = next(records, None)
        if first is None:
            return
        own = first[1]
        if own and own[0].startswith("\ufeff"):
            own[0] = own[0][1:]
        if first[3] is not None or own != header:
            raise DataError(f"{name}: its header {own} differs from the first file's {header}")
        for line, fields, raw, error in records:
            if error is None and fields is not None and len(fields) != n:
                error = f"expected {n} fields, got {len(fields)}"
            if error is None and fields is not None:
                yield (*(c if c != "" else None for c in fields), None)
                continue
            loose = fields if fields is not None else _loose(raw)
            cells: list[str | None] = [c if c != "" else None for c in (loose + [""] * n)[:n]]
            cells[t] = None
            snippet = raw.rstrip("\r\n")[:200]
            yield (*cells, f"malformed CSV record: {snippet} ({short} line {line}: {error})")


def _loose(raw: str) -> list[str]:
    """Best-effort cells of one malformed line, so its other columns (an id) survive."""
    try:
        return next(csv.reader([raw.rstrip("\r\n")]), [])
    except csv.Error:
        return [raw.rstrip("\r\n")]


def _decode_guard(name: str, encoding: str, gen: Iterator[_Record]) -> Iterator[_Record]:
    try:
        yield from gen
    except UnicodeDecodeError:
        raise DataError(f"{name}: cannot decode the file as {encoding} (try --encoding cp932)") from None


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
    return scored.withColumn(err, F.when(bad, F.col(CORRUPT)).otherwise(F.col(err))).drop(CORRUPT)


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
    """Score ``input_path`` into ``output_path`` (a folder of part files); count what was written.

    The records read (a first pass over the input) must all be written, one row each;
    otherwise YaibaError is raised naming both counts.
    """
    from pyspark.errors import PySparkException

    spark, created = session(master, conf or {})
    try:
        df = read_posts(spark, input_path, in_format, text_col, encoding)
        if CORRUPT in df.columns:
            tally = df.agg(F.count(F.lit(1)).alias("n"), F.count(F.col(CORRUPT)).alias("bad")).first()
            records, malformed = (int(tally["n"]), int(tally["bad"])) if tally else (0, 0)
        else:
            records, malformed = df.count(), 0
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
        rows = out.count()
        if rows != records or errors < malformed:
            raise YaibaError(
                f"row accounting failed: read {records} records ({malformed} malformed) from {input_path} "
                f"but wrote {rows} rows ({errors} with an error) to {output_path}"
            )
        return Result(rows=rows, errors=errors, malformed=malformed)
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
