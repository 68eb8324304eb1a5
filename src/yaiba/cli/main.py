"""The ``yaiba`` command: parser and dispatch; each command group lives in its own module.

Exit codes: 0 success; 1 a data or model error (one line on stderr naming the file, row and
column); 2 a usage error; 130 interrupted (Ctrl-C) and 143 terminated (SIGTERM), in which
case no output file is left behind; 141 when the reader of stdout went away (``| head``).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from yaiba.cli import info, safety, score, spark, train
from yaiba.cli.common import EXIT_DATA, EXIT_USAGE, UsageError
from yaiba.errors import YaibaError
from yaiba.metadata import __version__

GROUPS = (score, train, info, safety, spark)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so cleanup runs."""


def parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    p = argparse.ArgumentParser(prog="yaiba", description="Tell criticism from personal attack in Japanese posts.")
    p.add_argument("--version", action="version", version=f"yaiba {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    old = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread
        old = None
    handlers = {name: fn for group in GROUPS for name, fn in group.HANDLERS.items()}
    try:
        return handlers[args.command](args)
    except UsageError as exc:
        print(f"yaiba {args.command}: usage error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (YaibaError, FileNotFoundError, ValueError) as exc:
        print(f"yaiba {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_DATA
    except KeyboardInterrupt:
        print(f"yaiba {args.command}: interrupted; no output written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of stdout went away (| head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except _Terminated:
        print(f"yaiba {args.command}: terminated; no output written", file=sys.stderr)
        return 143
    finally:
        if old is not None:
            signal.signal(signal.SIGTERM, old)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Terminated()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
