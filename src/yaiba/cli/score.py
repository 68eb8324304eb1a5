"""``yaiba score``: score posts in a CSV, JSONL or text file."""

from __future__ import annotations

import argparse
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any, cast

from yaiba.cli.common import EXIT_OK, UsageError, encoding, load_model, probability, with_threshold
from yaiba.core.parallel import resolve_n_jobs
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
    try:
        workers = resolve_n_jobs(args.n_jobs)
    except ValueError as exc:
        raise UsageError(f"--n-jobs: {exc}") from None
    if _same_file(args.input, args.output):
        raise UsageError(f"-o {args.output} is the input file; write the output to another path")
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
            batches = reader.batches(args.batch_size)
            if in_fmt == "jsonl":
                batches = _refuse_clashing_fields(args.input, batches, added)
            for rows in _scored(model, batches, p, args.batch_size, args.n_jobs, workers):
                errors += sum(r.error is not None for r in rows)
                writer.write(rows)
                bar.update(len(rows))
            writer.finish()
    if errors:
        print(f"yaiba score: {errors} row(s) could not be scored; see the {p}error column", file=sys.stderr)
    return EXIT_OK


def _same_file(input_path: str, output_path: str) -> bool:
    """Whether ``output_path`` is the input file itself (by a link or another spelling too)."""
    if "-" in (input_path, output_path):
        return False
    try:
        return os.path.samefile(input_path, output_path)
    except OSError:  # the output does not exist yet, or cannot be looked at: not the input
        return False


def _refuse_clashing_fields(path: str, batches: Iterable[list[Row]], added: list[str]) -> Iterator[list[Row]]:
    """``batches``, checked: JSONL records that already have a field ``score`` adds (``label``,
    ``p_attack``, ``kind``, ``error``, ...) are refused like a CSV header with such a column,
    with UsageError (so no output file), before any row of their batch is written."""
    names = set(added)
    for rows in batches:
        for r in rows:
            if isinstance(r.fields, dict):
                clash = sorted(names.intersection(r.fields))
                if clash:
                    raise UsageError(
                        f"{path}: line {r.line} already has field(s) {', '.join(clash)}; "
                        "pass --prefix yaiba_ to name the added ones"
                    )
        yield rows


def _scored(
    model: Model, batches: Iterable[list[Row]], p: str, batch_size: int, n_jobs: int | None, workers: int = 1
) -> Iterator[list[Row]]:
    """The reader's batches, in order, each once every row has its added columns (or error).

    The posts of all batches flow to the model as one stream, so ``n_jobs`` workers stay busy
    across reader batches. With ``workers`` > 1 the model batches are at most the first reader
    batch split over the workers, so the workers run even on an input smaller than one reader
    batch. Scores do not depend on the batch: the rows are those of the in-process run.
    """
    it = iter(batches)
    first = next(it, None)
    if first is None:
        return
    size = batch_size
    if workers > 1:
        size = max(1, min(batch_size, -(-sum(r.error is None for r in first) // workers)))
    cols = [model.classes_.index(c) for c in model.proba_columns]
    names = [f"{p}p_{c}" for c in model.proba_columns]
    waiting: deque[tuple[list[Row], deque[Row]]] = deque()  # batches read, with their unscored rows

    def texts() -> Iterator[str]:
        for rows in chain([first], it):
            ok = deque(r for r in rows if r.error is None)
            for r in rows:
                if r.error is not None:
                    r.extra[f"{p}error"] = r.error
            waiting.append((rows, ok))
            yield from (cast(str, r.text) for r in list(ok))

    for proba, labels, kinds in model.predict_batches(texts(), batch_size=size, n_jobs=n_jobs):
        for row_p, lab, kind in zip(proba, labels, kinds):
            while not waiting[0][1]:  # batches before this row's are complete
                yield waiting.popleft()[0]
            r = waiting[0][1].popleft()
            r.extra[f"{p}label"] = lab
            for name, c in zip(names, cols):
                r.extra[name] = round(float(row_p[c]), 6)
            if model.kinds_:
                r.extra[f"{p}kind"] = kind
        while waiting and not waiting[0][1]:
            yield waiting.popleft()[0]
    while waiting:  # batches after the last scored row: only rows with an error
        yield waiting.popleft()[0]


HANDLERS = {"score": score}
