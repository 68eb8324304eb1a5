"""The ``yaiba spark-score`` subcommand (its Spark job: :mod:`yaiba.spark.job`; pyspark imported lazily)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from yaiba.cli.common import EXIT_OK, UsageError, load_model, probability, with_threshold
from yaiba.errors import DataError, YaibaError


def add_commands(sub: Any) -> None:  # sub: argparse._SubParsersAction
    """Add ``spark-score`` to the parser."""
    k = sub.add_parser("spark-score", help="score a Parquet or CSV file/folder on Apache Spark (needs yaiba[spark])")
    k.add_argument("input", help="Parquet or CSV file or folder (any path Spark reads: hdfs://, s3a://, ...)")
    k.add_argument("output", help="output folder of part files (Spark's layout)")
    k.add_argument("--text-col", default="text", help="column holding the post")
    k.add_argument("--model", help="model file, read on the driver and broadcast (default: the shipped model)")
    k.add_argument(
        "--threshold",
        type=probability,
        help="predict attack when P(attack) >= this (default: the model's stored threshold)",
    )
    k.add_argument("--in-format", choices=("parquet", "csv"), help="input format (default: from the extension(s))")
    k.add_argument(
        "--format",
        dest="out_format",
        choices=("parquet", "csv"),
        default="parquet",
        help="output format",
    )
    k.add_argument("--master", help="Spark master, e.g. local[2] or yarn (default: spark-submit's, else local[*])")
    k.add_argument(
        "--conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Spark setting, repeatable (default: Spark's own settings)",
    )
    k.add_argument(
        "--partitions",
        type=int,
        help="spread rows over N partitions, keeping their order (default: as Spark reads the input)",
    )
    k.add_argument("--prefix", default="", help="prefix for the added columns (default: none)")
    k.add_argument("--encoding", default="utf-8", help="CSV input encoding")
    k.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")


def spark_score(args: argparse.Namespace) -> int:
    """``yaiba spark-score``: score a Parquet/CSV dataset on Spark."""
    try:
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401

        from yaiba.spark import job as spark_job
    except ImportError as exc:
        raise YaibaError(
            f"spark-score needs pyspark and pyarrow ({exc.name or exc} is missing): pip install 'yaiba[spark]'"
        ) from None
    if args.partitions is not None and args.partitions < 1:
        raise UsageError("--partitions must be >= 1")
    conf = {}
    for item in args.conf:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--conf {item!r}: expected KEY=VALUE")
        conf[key] = value
    if spark_job.is_local(args.input) and not os.path.exists(args.input.removeprefix("file://")):
        raise DataError(f"{args.input}: no such file or folder")
    if spark_job.is_local(args.output) and os.path.exists(args.output.removeprefix("file://")) and not args.overwrite:
        raise UsageError(f"{args.output} already exists; pass --overwrite to replace it")
    in_fmt = spark_job.detect_input_format(args.input, args.in_format)
    model = with_threshold(load_model(args.model), args.threshold)
    result = spark_job.run(
        args.input,
        args.output,
        text_col=args.text_col,
        model=model,
        in_format=in_fmt,
        out_format=args.out_format,
        master=args.master,
        conf=conf,
        prefix=args.prefix,
        partitions=args.partitions,
        overwrite=args.overwrite,
        encoding=args.encoding,
    )
    print(f"wrote {args.output} ({args.out_format}): {result.rows} rows", file=sys.stderr)
    if result.errors:
        print(
            f"yaiba spark-score: {result.errors} row(s) could not be scored; see the {args.prefix}error column",
            file=sys.stderr,
        )
    return EXIT_OK


HANDLERS = {"spark-score": spark_score}
