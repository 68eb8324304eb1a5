"""Trust-and-safety subcommands of ``yaiba``: ``report-counts`` and ``nudge``."""

from __future__ import annotations

import argparse
import json
import sys
import zoneinfo
from pathlib import Path
from typing import Any

from yaiba.cli.common import EXIT_OK, UsageError, encoding, load_model, probability
from yaiba.io.atomic import atomic_output
from yaiba.metadata import __version__
from yaiba.safety.nudging import nudge as check
from yaiba.safety.transparency import count_scored, to_markdown


def add_commands(sub: Any) -> None:  # sub: argparse._SubParsersAction
    """Add ``report-counts`` and ``nudge`` to the parser."""
    r = sub.add_parser("report-counts", help="count scored posts by label and kind for a transparency report")
    r.add_argument("input", help="output of `yaiba score` (CSV or JSONL); - for stdin (CSV)")
    r.add_argument(
        "--by",
        default="",
        metavar="COLS",
        help="comma-separated group columns, e.g. day,source; day comes from --time-col "
        "(default: no groups, overall totals)",
    )
    r.add_argument(
        "-o",
        "--output",
        metavar="PREFIX",
        help="write PREFIX.labels.csv, PREFIX.kinds.csv and PREFIX.md (default: Markdown on stdout)",
    )
    r.add_argument("--time-col", default="timestamp", help="column with the post's time, for --by day")
    r.add_argument("--tz", default="Asia/Tokyo", help="time zone days are counted in")
    r.add_argument("--prefix", default="", help="the --prefix that was given to `yaiba score` (default: none)")
    r.add_argument("--in-format", choices=("csv", "jsonl"), help="input format (default: from the extension)")
    r.add_argument("--encoding", default="utf-8", type=encoding, help="input encoding, e.g. cp932 for Shift_JIS")

    n = sub.add_parser("nudge", help="check a draft before posting: a gentle note if it may hurt someone")
    n.add_argument("text", nargs="?", default="-", help="the draft; - or nothing to read it from stdin")
    n.add_argument("--model", help="model file (default: the shipped model)")
    n.add_argument("--threshold", type=probability, help="nudge when P(attack) >= this (default: the shipped rule)")
    n.add_argument("--json", action="store_true", help="print JSON (null for no nudge) instead of text")


def report_counts(args: argparse.Namespace) -> int:
    """``yaiba report-counts``: transparency-report counts of scored posts."""
    try:
        zoneinfo.ZoneInfo(args.tz)
    except Exception:  # ZoneInfoNotFoundError, ValueError
        raise UsageError(f"--tz: unknown time zone {args.tz!r} (e.g. Asia/Tokyo, UTC)") from None
    counts = count_scored(
        args.input,
        by=args.by.split(","),
        time_col=args.time_col,
        tz=args.tz,
        prefix=args.prefix,
        fmt=args.in_format,
        encoding=args.encoding,
    )
    markdown = to_markdown(counts, __version__)
    if counts.bad_times:
        print(
            f"yaiba report-counts: {counts.bad_times} row(s) have an unreadable time in {args.time_col!r} "
            f"(first: data row {counts.first_bad_time}); counted as day '(bad time)'",
            file=sys.stderr,
        )
    if args.output is None:
        sys.stdout.write(markdown)
        return EXIT_OK
    prefix = args.output
    if not Path(prefix).parent.exists():
        raise UsageError(f"-o {prefix}: folder {Path(prefix).parent} does not exist")
    for suffix, write in (
        (".labels.csv", lambda fh: counts.labels.to_csv(fh, index=False, lineterminator="\n")),
        (".kinds.csv", lambda fh: counts.kinds.to_csv(fh, index=False, lineterminator="\n")),
        (".md", lambda fh: fh.write(markdown)),
    ):
        with atomic_output(prefix + suffix) as fh:
            write(fh)
    print(
        f"wrote {prefix}.labels.csv, {prefix}.kinds.csv, {prefix}.md: {counts.rows} posts, {counts.errors} not scored",
        file=sys.stderr,
    )
    return EXIT_OK


def nudge(args: argparse.Namespace) -> int:
    """``yaiba nudge``: check one draft before posting."""
    draft = sys.stdin.read() if args.text == "-" else args.text
    model = load_model(args.model)
    result = check(draft, model=model, threshold=args.threshold)
    if args.json:
        print(json.dumps(None if result is None else result.to_dict(), ensure_ascii=False))
    elif result is None:
        print("OK: 問題になりそうな表現は見つかりませんでした。")
    else:
        print(result.render(draft))
    return EXIT_OK


HANDLERS = {"report-counts": report_counts, "nudge": nudge}
