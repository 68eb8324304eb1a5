"""Explanations a moderator can read: which n-grams pushed a post towards a label, and where.

Size cap: an explanation looks at no more than :data:`MAX_CHARS` (20,000) characters of a
post. A longer post is scored whole, but its evidence comes from the ``MAX_CHARS``-character
window that leans most towards the label (:func:`focus`); spans still point into the
original post. Memory and time stay bounded however long the post is (listing every n-gram
occurrence costs a few kilobytes per character).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from yaiba.core.estimator import AttackClassifier
from yaiba.validation import check_texts

MAX_CHARS = 20_000
"""Most characters of one post that :func:`explain` and
:func:`yaiba.core.attribution.driving_phrases` examine (a window of a longer post)."""

_BATCH_CHARS = 200_000  # characters featurised in one call when scanning windows


@dataclass(frozen=True)
class Evidence:
    """One n-gram and its pull on the decision.

    ``weight`` is its contribution to the label's logit relative to the mean of all labels:
    positive pushes towards the label, negative away from it. ``spans`` are character offsets
    into the original text (before normalisation).
    """

    ngram: str
    view: str
    weight: float
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Explanation:
    text: str
    label: str
    probability: float
    probabilities: dict[str, float]
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        lines = [f"{self.label} (p={self.probability:.2f})  {self.text[:80]!r}"]
        for e in self.evidence:
            where = ", ".join(f"{a}-{b}" for a, b in e.spans[:3])
            quoted = [self.text[a:b] for a, b in e.spans[:1]]
            lines.append(
                f"  {e.weight:+.3f}  {e.view:4}  {e.ngram!r}  at {where}  {quoted[0]!r}"
                if quoted
                else f"  {e.weight:+.3f}  {e.view:4}  {e.ngram!r}"
            )
        return "\n".join(lines)


def explain(
    estimator: AttackClassifier,
    text: str,
    *,
    label: str,
    top: int = 5,
    proba: np.ndarray | None = None,
    window: tuple[int, int] | None = None,
) -> Explanation:
    """The ``top`` n-grams that pushed ``text`` most towards ``label`` under a fitted estimator.

    ``proba`` is the post's probability row if the caller has it (e.g. from a cached model);
    otherwise the estimator computes it. :meth:`yaiba.Model.explain` picks ``label`` with
    the model's thresholds.

    Posts longer than :data:`MAX_CHARS` characters are explained from their most telling
    window of ``MAX_CHARS`` characters (:func:`focus`); ``probability`` is still that of the
    whole post and spans are offsets into the whole post. ``window``: explain only
    ``text[start:end]`` (e.g. the sentence that decided a long post, see
    :meth:`yaiba.Model.explain`), spans still into ``text``.
    """
    (text,) = check_texts([text], "text")
    if top < 1:
        raise ValueError(f"top must be >= 1, got {top}")
    classes = tuple(str(c) for c in estimator.classes_)
    if label not in classes:
        raise ValueError(f"unknown label {label!r}; classes are {classes}")
    featurizer = estimator.featurizer_
    if proba is None:
        proba = estimator.proba_from_matrix(featurizer.transform([text], sparse="coo"))[0]
    c = classes.index(label)
    w = estimator.weights_
    relative = (w[:, c] - w.mean(axis=1)) / np.float32(estimator.temperature_)
    if window is not None:
        start, end = window
        if not 0 <= start <= end <= len(text):
            raise ValueError(f"window {window} is not inside the text (length {len(text)})")
        end = min(end, start + MAX_CHARS)
    else:
        start = focus(estimator, text, c)
        end = start + MAX_CHARS
    grouped: dict[tuple[str, str], list[Any]] = {}
    for occ in featurizer.describe(text[start:end]):
        key = (occ["view"], occ["ngram"])
        contribution = float(relative[occ["column"]]) * occ["value"]
        entry = grouped.setdefault(key, [0.0, []])
        entry[0] += contribution
        a, b = occ["span"]
        entry[1].append((a + start, b + start))
    ranked = sorted(grouped.items(), key=lambda kv: (-kv[1][0], kv[0]))
    # weights are shown to 4 decimals: a push too small to show is no evidence
    evidence = tuple(
        Evidence(ngram=ngram, view=view, weight=round(total, 4), spans=tuple(sorted(set(spans))))
        for (view, ngram), (total, spans) in ranked[:top]
        if round(total, 4) > 0
    )
    return Explanation(
        text=text,
        label=label,
        probability=float(proba[c]),
        probabilities={k: float(p) for k, p in zip(classes, proba)},
        evidence=evidence,
    )


def log_odds(estimator: AttackClassifier, texts: list[str], column: int) -> np.ndarray:
    """Log-odds of class ``column`` against the others, from the calibrated logits (no
    float32 saturation at p = 1)."""
    z = estimator.logits_from_matrix(estimator.featurizer_.transform(texts, sparse="coo")).astype(np.float64)
    others = np.delete(z, column, axis=1)
    top = others.max(axis=1, keepdims=True)
    odds: np.ndarray = z[:, column] - (top[:, 0] + np.log(np.exp(others - top).sum(axis=1)))
    return odds


def focus(estimator: AttackClassifier, text: str, column: int, max_chars: int = MAX_CHARS) -> int:
    """Start of the ``max_chars``-character window of ``text`` that leans most towards class
    ``column`` (0 when the text is no longer than that).

    Windows start every ``max_chars // 2`` characters (the last one ends with the text) and
    are scored a few at a time, so memory stays bounded and time linear in ``len(text)``.
    """
    if len(text) <= max_chars:
        return 0
    step = max(max_chars // 2, 1)
    starts = list(range(0, len(text) - max_chars, step)) + [len(text) - max_chars]
    per_batch = max(_BATCH_CHARS // max_chars, 1)
    best, best_odds = 0, -np.inf
    for i in range(0, len(starts), per_batch):
        group = starts[i : i + per_batch]
        odds = log_odds(estimator, [text[a : a + max_chars] for a in group], column)
        k = int(np.argmax(odds))
        if odds[k] > best_odds:
            best, best_odds = group[k], float(odds[k])
    return best
