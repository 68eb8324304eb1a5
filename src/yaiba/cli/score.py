"""``yaiba score``: score posts in a CSV, JSONL or text file."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any, cast

from yaiba.cli.common import EXIT_OK, UsageError, add_quiet, encoding, load_model, probability, with_threshold
from yaiba.core.parallel import resolve_n_jobs
from yaiba.io.atomic import atomic_output
from yaiba.io.posts import FORMATS, FormatUndecided, Reader, Row, Writer, detect_format
from yaiba.model import DEFAULT_BATCH, Model, Prediction, SentenceScore

OUTPUT_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
"""Output extensions and the format each one means (.tsv: CSV with tabs)."""
FREE_EXTENSIONS = (".txt",)
"""Extensions any ``--out-format`` may be written to (without one: as the input, text giving CSV)."""
OUT_FORMATS = ("csv", "jsonl", "table")
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,9}")  # .csv, .parquet, .xlsx; not .2024 or .v2-final


def add_commands(sub: Any) -> None:  # sub: argparse._SubParsersAction
    """Add ``score`` to the parser."""
    s = sub.add_parser(
        "score",
        help="score posts in a CSV, JSONL or text file",
        description="Score posts: every input row, in order, with label, probabilities, kind and error added.",
    )
    s.add_argument("input", help="CSV, JSONL or text file (one post per line); - for stdin")
    s.add_argument(
        "-o",
        "--output",
        default="-",
        help="output file, - for stdout (default: -). Its extension sets the format: .csv, .tsv (tabs), "
        ".jsonl, .ndjson; .txt or no extension: see --out-format; any other (.parquet, .xlsx, .json, ...) "
        "is refused with exit 2",
    )
    s.add_argument("--text-col", default="text", help="column (CSV) or field (JSONL) holding the post")
    s.add_argument(
        "--threshold",
        type=probability,
        help="predict attack when P(attack) >= this (default: the model's stored threshold)",
    )
    s.add_argument("--model", help="model file (default: the shipped model)")
    s.add_argument(
        "--in-format",
        choices=FORMATS,
        help="input format (default: from the extension: .csv/.tsv, .jsonl/.ndjson/.json, else txt; for "
        "stdin, from its first line: a JSON object means jsonl, a CSV header naming the --text-col column "
        "means csv, anything else txt, and a line that looks like JSON or a header but is neither stops "
        "with exit 2)",
    )
    s.add_argument(
        "--out-format",
        choices=OUT_FORMATS,
        help="output format (default: from -o's extension, else as the input, text input giving csv); "
        "must agree with -o's extension (any format may go to .txt, stdout or a name without extension)",
    )
    s.add_argument("--encoding", default="utf-8", type=encoding, help="input encoding, e.g. cp932 for Shift_JIS")
    s.add_argument(
        "--prefix",
        default="",
        help="prefix for the added columns, if the input already has e.g. 'label' (default: none)",
    )
    s.add_argument(
        "--batch-size", type=int, default=DEFAULT_BATCH, help="posts featurised at once (memory grows with it)"
    )
    s.add_argument(
        "--n-jobs",
        type=int,
        default=None,
        help="worker processes, -1 for every core (default: 1, scoring in this process)",
    )
    s.add_argument(
        "--cache",
        type=int,
        default=0,
        metavar="N",
        help="remember the scores of the last N distinct posts, so repeated posts cost nothing (0: no cache)",
    )
    s.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr, with the share done and the time left when the input's size is known "
        "(a file, or stdin redirected from one) (default: when stderr is a terminal and not --quiet)",
    )
    s.add_argument(
        "--spans",
        action="store_true",
        help="add a 'spans' column: each sentence's start, end (offsets into the post) and "
        "probability of the positive class, as JSON",
    )
    add_quiet(s)


def output_format(path: str, explicit: str | None) -> str | None:
    """The output format ``-o path`` and ``--out-format`` ask for; None: as the input.

    Raises UsageError for an extension ``score`` cannot write, and for an ``--out-format``
    that disagrees with the extension.
    """
    ext = Path(path).suffix.lower() if path != "-" else ""
    if ext and not _EXTENSION.fullmatch(ext):
        ext = ""  # a dot that is not an extension: out.2024, scored.v2-final
    if not ext or ext in FREE_EXTENSIONS:
        return explicit
    implied = OUTPUT_EXTENSIONS.get(ext)
    if implied is None:
        raise UsageError(
            f"-o {path}: cannot write {ext} files; yaiba score writes CSV (.csv, .tsv), JSON Lines (.jsonl, "
            ".ndjson), and any --out-format (csv, jsonl, table) to .txt, a name without extension or - (stdout)"
        )
    if explicit is not None and explicit != implied:
        raise UsageError(
            f"--out-format {explicit} does not match -o {path} ({ext} is {implied}); "
            "change the extension or drop --out-format"
        )
    return implied


def score(args: argparse.Namespace) -> int:
    """``yaiba score``: one output row per input row, in order."""
    from tqdm import tqdm

    if args.batch_size < 1:
        raise UsageError("--batch-size must be >= 1")
    asked = output_format(args.output, args.out_format)
    if args.input == "-" and args.in_format is None:
        in_fmt = "auto"  # told from the first line
    else:
        in_fmt = detect_format(args.input, args.in_format)
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
    added = [f"{p}label", *(p + c for c in prob_cols)] + ([f"{p}kind"] if model.kinds_ else [])
    added += ([f"{p}spans"] if args.spans else []) + [f"{p}error"]
    errors = 0
    try:
        reader = Reader(args.input, in_fmt, args.text_col, args.encoding)
    except FormatUndecided as exc:
        raise UsageError(str(exc)) from None
    with reader:
        in_fmt = reader.fmt
        out_fmt = asked or ("csv" if in_fmt == "txt" else in_fmt)
        existing = set(reader.header or [])
        clash = sorted(existing & set(added)) or (sorted({args.text_col} & set(added)) if in_fmt != "csv" else [])
        if clash:
            where = "stdin" if args.input == "-" else args.input
            raise UsageError(
                f"{where} already has column(s) {', '.join(clash)}; pass --prefix yaiba_ to name the added ones"
            )
        if in_fmt == "jsonl" and out_fmt == "csv" and not args.quiet:
            print(
                f"yaiba score: CSV output keeps only the {args.text_col!r} field of JSONL input; "
                "use JSONL output to keep every field",
                file=sys.stderr,
            )
        size = reader.size
        unit: dict[str, Any] = (
            {"total": size, "unit": "B", "unit_scale": True, "unit_divisor": 1024} if size else {"unit": " posts"}
        )
        show = False if args.quiet else args.progress  # None: when stderr is a terminal
        delimiter = "\t" if Path(args.output).suffix.lower() == ".tsv" else ","
        with (
            atomic_output(args.output) as out,
            tqdm(disable=None if show is None else not show, file=sys.stderr, **unit) as bar,
        ):
            writer = Writer(out, out_fmt, reader.header, added, args.text_col, delimiter=delimiter)
            batches = reader.batches(args.batch_size)
            if in_fmt == "jsonl":
                batches = _refuse_clashing_fields(args.input, batches, added)
            posts = 0
            for rows in _scored(model, batches, p, args.batch_size, args.n_jobs, workers, spans=args.spans):
                errors += sum(r.error is not None for r in rows)
                writer.write(rows)
                posts += len(rows)
                if size:
                    done = min(reader.bytes_read() or 0, size)
                    bar.set_postfix_str(f"{posts:,} posts", refresh=False)
                    bar.update(done - bar.n)
                else:
                    bar.update(len(rows))
            writer.finish()
            if size:
                bar.update(size - bar.n)  # the last bytes (a trailing line break) hold no post
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
    model: Model,
    batches: Iterable[list[Row]],
    p: str,
    batch_size: int,
    n_jobs: int | None,
    workers: int = 1,
    *,
    spans: bool = False,
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

    positive = model.positive_class
    scored: Iterator[tuple[Prediction, list[list[SentenceScore]] | None]]
    if spans:
        scored = model.predict_batches_with_sentences(texts(), batch_size=size, n_jobs=n_jobs)
    else:
        scored = ((pred, None) for pred in model.predict_batches(texts(), batch_size=size, n_jobs=n_jobs))
    for (proba, labels, kinds), sentences in scored:
        for k, (row_p, lab, kind) in enumerate(zip(proba, labels, kinds)):
            while not waiting[0][1]:  # batches before this row's are complete
                yield waiting.popleft()[0]
            r = waiting[0][1].popleft()
            r.extra[f"{p}label"] = lab
            for name, c in zip(names, cols):
                r.extra[name] = round(float(row_p[c]), 6)
            if model.kinds_:
                r.extra[f"{p}kind"] = kind
            if sentences is not None:  # each sentence: offsets into the post, P(positive class)
                r.extra[f"{p}spans"] = [
                    {"start": x.start, "end": x.end, f"p_{positive}": round(x.proba[positive], 6)} for x in sentences[k]
                ]
        while waiting and not waiting[0][1]:
            yield waiting.popleft()[0]
    while waiting:  # batches after the last scored row: only rows with an error
        yield waiting.popleft()[0]


HANDLERS = {"score": score}
