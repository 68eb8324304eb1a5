"""``yaiba score``: score posts in a CSV, JSONL or text file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from yaiba.cli.common import EXIT_OK, UsageError, encoding, load_model, probability, with_threshold
from yaiba.io.atomic import atomic_output
from yaiba.io.posts import FORMATS, Reader, Row, Writer, detect_format
from yaiba.model import DEFAULT_BATCH, Model


def add_commands(sub: Any) -> None:  # sub: argparse._SubParsersAction
    """Add ``score`` to the parser."""
    s = sub.add_parser("score", help="score posts in a CSV, JSONL or text file")
    s.add_argument("input", help="CSV, JSONL or text file (one post per line); - for stdin")
    s.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    s.add_argument("--text-col", default="text", help="column/field holding the post (CSV, JSONL)")
    s.add_argument("--threshold", type=probability, help="predict attack when P(attack) >= this")
    s.add_argument("--model", help="model file (default: the shipped model)")
    s.add_argument("--in-format", choices=FORMATS, help="input format (default: from the extension; stdin: txt)")
    s.add_argument(
        "--out-format",
        choices=(*FORMATS[:2], "table"),
        help="output format (default: from -o's extension, else as the input; text becomes csv)",
    )
    s.add_argument(
        "--encoding", default="utf-8", type=encoding, help="input encoding, e.g. cp932 for Shift_JIS (default utf-8)"
    )
    s.add_argument("--prefix", default="", help="prefix for the added columns (if the input already has e.g. 'label')")
    s.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
    s.add_argument("--n-jobs", type=int, default=None, help="worker processes (-1: every core)")
    s.add_argument(
        "--cache",
        type=int,
        default=0,
        metavar="N",
        help="remember the scores of the last N distinct posts (repeated posts cost nothing)",
    )
    s.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )


def score(args: argparse.Namespace) -> int:
    """``yaiba score``: one output row per input row, in order."""
    from tqdm import tqdm

    if args.batch_size < 1:
        raise UsageError("--batch-size must be >= 1")
    in_fmt = detect_format(args.input if args.input != "-" else "", args.in_format)
    out_fmt = (
        args.out_format
        or (detect_format(args.output) if args.output != "-" and Path(args.output).suffix else None)
        or ("csv" if in_fmt == "txt" else in_fmt)
    )
    if out_fmt == "txt":
        out_fmt = "csv"
    if args.cache < 0:
        raise UsageError("--cache must be >= 0")
    model = with_threshold(load_model(args.model), args.threshold)
    if args.cache:
        model = model.with_cache(args.cache)
    p = args.prefix
    prob_cols = [f"p_{c}" for c in model.proba_columns]
    added = [f"{p}label", *(p + c for c in prob_cols)] + ([f"{p}kind"] if model.kinds_ else []) + [f"{p}error"]
    errors = 0
    with Reader(args.input, in_fmt, args.text_col, args.encoding) as reader:
        existing = set(reader.header or [])
        clash = sorted(existing & set(added)) or (sorted({args.text_col} & set(added)) if in_fmt != "csv" else [])
        if clash:
            raise UsageError(
                f"{args.input} already has column(s) {', '.join(clash)}; pass --prefix yaiba_ to name the added ones"
            )
        if in_fmt == "jsonl" and out_fmt == "csv":
            print(
                f"yaiba score: CSV output keeps only the {args.text_col!r} field of JSONL input; "
                "use JSONL output to keep every field",
                file=sys.stderr,
            )
        with (
            atomic_output(args.output) as out,
            tqdm(unit=" posts", disable=None if args.progress is None else not args.progress, file=sys.stderr) as bar,
        ):
            writer = Writer(out, out_fmt, reader.header, added, args.text_col)
            for rows in reader.batches(args.batch_size):
                errors += _score_rows(model, rows, p, args.batch_size, args.n_jobs)
                writer.write(rows)
                bar.update(len(rows))
    if errors:
        print(f"yaiba score: {errors} row(s) could not be scored; see the {p}error column", file=sys.stderr)
    return EXIT_OK


def _score_rows(model: Model, rows: list[Row], p: str, batch_size: int, n_jobs: int | None) -> int:
    """Fill each row's added columns (or its error); return how many rows had an error."""
    ok = [r for r in rows if r.error is None]
    cols = [model.classes_.index(c) for c in model.proba_columns]
    names = [f"{p}p_{c}" for c in model.proba_columns]
    done = 0
    for proba, labels, kinds in model.predict_batches([r.text for r in ok], batch_size=batch_size, n_jobs=n_jobs):
        for r, row_p, lab, kind in zip(ok[done : done + len(labels)], proba, labels, kinds):
            r.extra[f"{p}label"] = lab
            for name, c in zip(names, cols):
                r.extra[name] = round(float(row_p[c]), 6)
            if model.kinds_:
                r.extra[f"{p}kind"] = kind
        done += len(labels)
    for r in rows:
        if r.error is not None:
            r.extra[f"{p}error"] = r.error
    return len(rows) - len(ok)


HANDLERS = {"score": score}
