"""What every ``yaiba`` subcommand shares: exit codes, usage errors, option types, model loading."""

from __future__ import annotations

import argparse
import codecs

from yaiba.model import Model, load
from yaiba.validation import check_probability

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A command-line mistake: printed as a usage error, exit code 2."""


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
