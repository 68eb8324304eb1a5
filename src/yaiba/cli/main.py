"""The ``yaiba`` command: parser and dispatch; each command group lives in its own module.

Exit codes: 0 success; 1 a data or model error (one line on stderr naming the file, row and
column); 2 a usage error; 130 interrupted (Ctrl-C), 143 terminated (SIGTERM) and 129 hung up
(SIGHUP), in which case no output file is left behind; 141 when the reader of stdout went
away (``| head``).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from yaiba.cli import info, safety, score, serve, spark, train
from yaiba.cli import signing as sign_commands
from yaiba.cli.common import EXIT_DATA, EXIT_USAGE, HelpFormatter, UsageError
from yaiba.errors import YaibaError
from yaiba.metadata import __version__

GROUPS = (score, train, info, safety, spark, sign_commands, serve)


class _Terminated(BaseException):
    """SIGTERM or SIGHUP, raised in the main thread so cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    p = argparse.ArgumentParser(prog="yaiba", description="Tell criticism from personal attack in Japanese posts.")
    p.add_argument("--version", action="version", version=f"yaiba {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_commands(sub)
    for command in (p, *sub.choices.values()):  # every option's help shows its default
        command.formatter_class = HelpFormatter
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    old: dict[int, Any] = {}
    for signum in _STOP_SIGNALS:
        try:
            old[signum] = signal.signal(signum, _on_sigterm)
        except ValueError:  # not the main thread
            break
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        name: fn for group in GROUPS for name, fn in group.HANDLERS.items()
    }
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
    except OSError as exc:  # permission denied, a folder where a file was expected, ...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"yaiba {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_DATA
    except _Terminated as exc:
        name = signal.Signals(exc.signum).name
        print(f"yaiba {args.command}: terminated ({name}); no output written", file=sys.stderr)
        return 128 + exc.signum
    finally:
        for signum, handler in old.items():
            signal.signal(signum, handler)


# SIGHUP (the terminal closed, an ssh session dropped) stops a run the way SIGTERM does:
# cleanup runs, so no temporary output file stays behind
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Terminated(signum)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
