"""What every ``yaiba`` subcommand shares: exit codes, usage errors, option types, model
loading, the help layout and the progress log on stderr."""

from __future__ import annotations

import argparse
import codecs
import functools
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from yaiba.model import Model, load
from yaiba.validation import check_probability

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A command-line mistake: printed as a usage error, exit code 2."""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """``--help`` of every command: each option's help ends with its default.

    The default is added as ``(default: VALUE)`` unless the help already says what happens by
    default (it mentions "default"), or there is no value worth showing (None, off, empty).
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "default" in text.lower() or not action.option_strings:
            return text
        if action.default is None or action.default is False or action.default in ("", [], argparse.SUPPRESS):
            return text  # nothing worth showing (0 is shown)
        return f"{text} (default: %(default)s)"


def add_quiet(parser: argparse.ArgumentParser) -> None:
    """Add ``-q/--quiet``: no progress (log lines or bar) on stderr."""
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print no progress on stderr, only results, warnings and errors (default: progress is shown)",
    )


@contextmanager
def progress_log(command: str, quiet: bool = False) -> Iterator[None]:
    """Show yaiba's INFO log records (the progress of long runs) on stderr as
    ``yaiba COMMAND: message`` while the block runs; nothing with ``quiet``."""
    if quiet:
        yield
        return
    logger = logging.getLogger("yaiba")
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(f"yaiba {command}: %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def logged(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``command`` with the progress log on stderr, unless ``--quiet`` was given."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        with progress_log(args.command, getattr(args, "quiet", False)):
            return command(args)

    return run


def encoding(name: str) -> str:
    """argparse type: a codec Python knows (e.g. utf-8, cp932)."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise argparse.ArgumentTypeError(f"unknown encoding {name!r} (e.g. utf-8, cp932)") from None
    if not getattr(info, "_is_text_encoding", True):  # rot13, base64, zlib: not for files
        raise argparse.ArgumentTypeError(f"{name!r} is not a text encoding (e.g. utf-8, cp932)")
    return name


def probability(value: str) -> float:
    """argparse type: a number in [0, 1]."""
    try:
        return check_probability(float(value), "value")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def load_model(path: str | None) -> Model:
    """The model at ``path``; the shipped one for None or ``"default"``."""
    return load(None if path in (None, "default") else path)


def with_threshold(model: Model, threshold: float | None) -> Model:
    """``model`` predicting its positive class when P >= ``threshold`` (unchanged for None)."""
    if threshold is None:
        return model
    return model.with_thresholds({model.positive_class: threshold})
