"""Which phrases of a post drove a head's decision, found by occlusion.

The post is cut into readable segments (:mod:`yaiba.text.phrases`); each is blanked out in
turn and the post re-scored, all variants in one batch. A phrase's ``weight`` is how much
the log-odds of the chosen class fall without it, so it measures what drove *this* model's
decision, for any model. Phrases that pull at least ``share`` of the strongest one's weight
are kept, neighbours are merged (``人間の`` + ``クズだから`` -> ``人間のクズだから``) and
re-scored, and the strongest ``max_phrases`` are returned. Per-n-gram evidence
(:mod:`yaiba.core.explain`) is finer but less readable: for a linear model over hashed
n-grams, single characters such as ``の`` often carry as much weight as ``クズ``; a
phrase's weight sums all of its n-grams, characters and word pairs alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from yaiba.core.estimator import AttackClassifier
from yaiba.core.explain import explain
from yaiba.text.normalize import normalize
from yaiba.text.phrases import Segment, segments

MAX_CANDIDATES = 64
"""Segments blanked out per post; long posts keep those with the most n-gram evidence."""


@dataclass(frozen=True)
class Phrase:
    """A phrase that drove the decision: ``text == post[start:end]`` of the original post.

    ``weight`` is the fall in the class log-odds when the phrase is blanked out.
    """

    start: int
    end: int
    text: str
    weight: float


def driving_phrases(
    head: AttackClassifier, text: str, column: int, *, max_phrases: int = 3, share: float = 0.35
) -> tuple[Phrase, ...]:
    """The phrases of ``text`` that pushed ``head`` towards class ``classes_[column]``, strongest first.

    Parameters
    ----------
    head : AttackClassifier
        A fitted estimator (``yaiba.Model.estimator``).
    text : str
        One post.
    column : int
        Index of the class in ``head.classes_`` (e.g. of ``"attack"``).
    max_phrases : int
        At most this many phrases.
    share : float
        Keep phrases whose weight is at least this share of the strongest phrase's weight.
    """
    found = _candidates(head, text, column, segments(text, head.featurizer_.normalizer))
    if not found:
        return ()
    drops = _drops(head, text, column, [[(s.start, s.end)] for s in found])
    top = float(drops.max())
    if top <= 0:
        return ()
    keep = [k for k, d in enumerate(drops) if d >= share * top]
    # neighbouring kept segments (nothing but spaces between them) become one phrase
    runs: list[list[int]] = []
    for k in keep:
        gap = text[found[k - 1].end : found[k].start] if k else ""
        if runs and runs[-1][-1] == k - 1 and not normalize(gap, head.featurizer_.normalizer).strip():
            runs[-1].append(k)
        else:
            runs.append([k])
    spans = [(found[r[0]].start, found[r[-1]].end) for r in runs]
    weights: list[float] = [float(drops[r[0]]) if len(r) == 1 else float("nan") for r in runs]
    merged = [i for i, r in enumerate(runs) if len(r) > 1]
    if merged:
        again = _drops(head, text, column, [[spans[i]] for i in merged])
        for i, w in zip(merged, again):
            weights[i] = float(w)
    order = sorted(range(len(spans)), key=lambda i: (-weights[i], spans[i]))[:max_phrases]
    return tuple(
        Phrase(start=spans[i][0], end=spans[i][1], text=text[spans[i][0] : spans[i][1]], weight=round(weights[i], 4))
        for i in order
    )


def _log_odds(head: AttackClassifier, texts: list[str], column: int) -> np.ndarray:
    """Log-odds of the class from the calibrated logits (no float32 saturation at p = 1)."""
    z = head.logits_from_matrix(head.featurizer_.transform(texts, sparse="coo")).astype(np.float64)
    others = np.delete(z, column, axis=1)
    top = others.max(axis=1, keepdims=True)
    return z[:, column] - (top[:, 0] + np.log(np.exp(others - top).sum(axis=1)))


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with each span replaced by one space (a boundary no n-gram crosses)."""
    out, pos = [], 0
    for a, b in sorted(spans):
        out.append(text[pos:a])
        out.append(" ")
        pos = b
    out.append(text[pos:])
    return "".join(out)


def _drops(head: AttackClassifier, text: str, column: int, groups: list[list[tuple[int, int]]]) -> np.ndarray:
    """Fall in log-odds when each group of spans is blanked out (one batch)."""
    z = _log_odds(head, [text] + [_blank(text, g) for g in groups], column)
    return z[0] - z[1:]


def _candidates(head: AttackClassifier, text: str, column: int, found: list[Segment]) -> list[Segment]:
    """At most MAX_CANDIDATES segments: for long posts, those with the most n-gram evidence."""
    if len(found) <= MAX_CANDIDATES:
        return found
    exp = explain(head, text, label=str(head.classes_[column]), top=10_000)
    score = np.zeros(len(text) + 1)
    for ev in exp.evidence:
        for a, b in ev.spans:
            score[a:b] += ev.weight / len(ev.spans) / max(b - a, 1)
    ranked = sorted(range(len(found)), key=lambda k: -score[found[k].start : found[k].end].sum())
    keep = sorted(ranked[:MAX_CANDIDATES])
    return [found[k] for k in keep]
