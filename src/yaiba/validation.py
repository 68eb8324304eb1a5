"""Checks on what users pass in: texts, labels, probabilities and thresholds; text batches."""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import cast

import numpy as np


def check_texts(texts: Iterable[str], name: str = "texts") -> list[str]:
    """Return ``texts`` as a list of str, or raise TypeError naming the first bad element.

    Empty and whitespace-only strings are valid posts. ``None``, NaN, numbers and bytes are not.
    """
    if isinstance(texts, (str, bytes)):
        raise TypeError(
            f"{name} must be an iterable of str, got a single {type(texts).__name__}; wrap one post in a list: [text]"
        )
    try:
        items = list(texts)
    except TypeError:
        raise TypeError(f"{name} must be an iterable of str, got {type(texts).__name__}") from None
    for i, t in enumerate(items):
        if type(t) is not str and not isinstance(t, str):
            raise TypeError(
                f"{name}[{i}] is {_describe(t)}, not str; every post must be a string (use '' for an empty post)"
            )
    return items


def check_labels(labels: Iterable[object], n: int, name: str = "labels") -> np.ndarray:
    """Labels as a numpy array of str; integers and bools are turned into their str form.

    The form :class:`yaiba.Model` speaks (its ``classes_`` are str); :func:`label_values`
    keeps the type instead.
    """
    items = _label_items(labels, n, name)
    return np.asarray([y if isinstance(y, str) else label_text(y) for y in items], dtype=str)


def label_values(labels: Iterable[object], n: int, name: str = "labels") -> np.ndarray:
    """Labels as a numpy array of the type they were given: str, int (int64) or bool.

    What a scikit-learn estimator needs to keep ``classes_`` and predictions in the caller's
    type (scorers such as ``f1`` compare them with ``y``). Raises TypeError for any other
    type or for a mix of types (``[0, "1"]``, ``[True, 0]``), ValueError for an empty string
    or an integer beyond int64.
    """
    items = _label_items(labels, n, name)
    kinds = {_label_kind(y) for y in items}
    if len(kinds) > 1:
        first = {k: next(i for i, y in enumerate(items) if _label_kind(y) == k) for k in kinds}
        shown = ", ".join(f"{k} ({name}[{i}])" for k, i in sorted(first.items(), key=lambda kv: kv[1]))
        raise TypeError(f"{name} mix label types: {shown}; use one type for all labels")
    kind = kinds.pop() if kinds else "str"
    if kind == "bool":
        return np.asarray([bool(y) for y in items], dtype=bool)
    if kind == "int":
        values = [int(cast(numbers.Integral, y)) for y in items]
        big = next((i for i, v in enumerate(values) if not _INT64_MIN <= v <= _INT64_MAX), None)
        if big is not None:
            raise ValueError(f"{name}[{big}] = {values[big]} does not fit in a 64-bit integer")
        return np.asarray(values, dtype=np.int64)
    return np.asarray(items, dtype=str)


def label_text(label: object) -> str:
    """The str form of a label, as :attr:`yaiba.Model.classes_` shows it: ``1`` -> ``"1"``,
    ``True`` -> ``"True"``, numpy scalars like their Python values."""
    if isinstance(label, (bool, np.bool_)):
        return str(bool(label))
    if isinstance(label, numbers.Integral):
        return str(int(label))
    return str(label)


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _label_kind(y: object) -> str:
    if isinstance(y, str):
        return "str"
    return "bool" if isinstance(y, (bool, np.bool_)) else "int"


def _label_items(labels: Iterable[object], n: int, name: str) -> list[object]:
    """``labels`` as a list of ``n`` str, int or bool values, or the error naming the first bad one."""
    if isinstance(labels, (str, bytes)):
        raise TypeError(f"{name} must be an iterable of labels, got a single str")
    items = list(labels)
    if len(items) != n:
        raise ValueError(f"got {n} texts but {len(items)} {name}")
    for i, y in enumerate(items):
        if isinstance(y, str):
            if not y.strip():
                raise ValueError(f"{name}[{i}] is an empty string")
        elif not isinstance(y, (bool, np.bool_, numbers.Integral)):
            raise TypeError(f"{name}[{i}] is {_describe(y)}; labels must be str, int or bool")
    return items


def _describe(value: object) -> str:
    if value is None:
        return "None"
    if isinstance(value, float) and value != value:
        return "NaN (a missing value)"
    return f"{type(value).__name__} {value!r:.40}"


def check_probability(value: float, name: str = "threshold") -> float:
    """``value`` as a float in [0, 1], or ValueError naming ``name``."""
    try:
        p = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}") from None
    if not 0.0 <= p <= 1.0:  # also refuses NaN
        raise ValueError(f"{name} must be in [0, 1], got {p}")
    return p


def check_thresholds(thresholds: Mapping[str, float], classes: Sequence[str]) -> dict[str, float]:
    """Per-class thresholds as ``{label: float in [0, 1]}``, each label one of ``classes``."""
    out = {}
    for label, t in thresholds.items():
        if label not in classes:
            raise ValueError(f"threshold for unknown class {label!r}; classes are {tuple(classes)}")
        out[str(label)] = check_probability(t, f"threshold for {label!r}")
    return out


def batches(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    """``texts`` checked and cut into lists of at most ``size`` posts, in order.

    Works on endless iterables (one batch in memory at a time); a bad element raises
    TypeError naming its position in the whole input.
    """
    if size < 1:
        raise ValueError(f"batch_size must be >= 1, got {size}")
    if isinstance(texts, (str, bytes)):
        check_texts(texts)
    if isinstance(texts, (list, tuple)):
        check_texts(texts)
        for i in range(0, len(texts), size):
            yield list(texts[i : i + size])
        return
    try:
        it = iter(texts)
    except TypeError:
        check_texts(texts)  # raises with the type named
        raise
    offset = 0
    while batch := list(islice(it, size)):
        try:
            check_texts(batch)
        except TypeError as exc:
            raise _shift_index(exc, offset) from None
        yield batch
        offset += len(batch)


def _shift_index(exc: TypeError, offset: int) -> TypeError:
    """Re-number 'texts[i]' in a batch's error as the position in the whole input."""
    msg = re.sub(r"texts\[(\d+)\]", lambda m: f"texts[{int(m.group(1)) + offset}]", str(exc), count=1)
    return TypeError(msg)
