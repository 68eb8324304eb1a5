"""Checks on what users pass in: texts and labels."""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np


def check_texts(texts: Iterable[str], name: str = "texts") -> list[str]:
    """Return ``texts`` as a list of str, or raise TypeError naming the first bad element.

    Empty and whitespace-only strings are valid posts. ``None``, NaN, numbers and bytes are not.
    """
    if isinstance(texts, (str, bytes)):
        raise TypeError(
            f"{name} must be an iterable of str, got a single {type(texts).__name__}; "
            "wrap one post in a list: [text]"
        )
    try:
        items = list(texts)
    except TypeError:
        raise TypeError(f"{name} must be an iterable of str, got {type(texts).__name__}") from None
    for i, t in enumerate(items):
        if type(t) is not str and not isinstance(t, str):
            raise TypeError(
                f"{name}[{i}] is {_describe(t)}, not str; "
                "every post must be a string (use '' for an empty post)"
            )
    return items


def check_labels(labels: Iterable[object], n: int, name: str = "labels") -> np.ndarray:
    """Labels as a numpy array of str; integers and bools are turned into their str form."""
    if isinstance(labels, (str, bytes)):
        raise TypeError(f"{name} must be an iterable of labels, got a single str")
    items = list(labels)
    if len(items) != n:
        raise ValueError(f"got {n} texts but {len(items)} {name}")
    out = []
    for i, y in enumerate(items):
        if isinstance(y, str):
            if not y.strip():
                raise ValueError(f"{name}[{i}] is an empty string")
            out.append(y)
        elif isinstance(y, (bool, np.bool_, numbers.Integral)):
            out.append(str(int(y)) if not isinstance(y, (bool, np.bool_)) else str(bool(y)))
        else:
            raise TypeError(f"{name}[{i}] is {_describe(y)}; labels must be str (or int)")
    return np.asarray(out, dtype=str)


def _describe(value: object) -> str:
    if value is None:
        return "None"
    if isinstance(value, float) and value != value:
        return "NaN (a missing value)"
    return f"{type(value).__name__} {value!r:.40}"
