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

Size cap: at most :data:`MAX_CHARS` (20,000) characters of a post are examined. A longer
post is attributed within its ``MAX_CHARS``-character window that leans most towards the
class (:func:`yaiba.core.explain.focus`); offsets still point into the original post. The
blanked variants are scored a few at a time, so memory stays bounded (tens of megabytes)
however long the post is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from yaiba.core.estimator import AttackClassifier
from yaiba.core.explain import MAX_CHARS, explain, focus, log_odds
from yaiba.text.normalize import normalize
from yaiba.text.phrases import Segment, segments

MAX_CANDIDATES = 64
"""Segments blanked out per post; long posts keep those with the most n-gram evidence."""

_BATCH_CHARS = 200_000  # characters of blanked variants featurised in one call


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

    Notes
    -----
    A post longer than :data:`MAX_CHARS` characters is attributed within its most telling
    window of ``MAX_CHARS`` characters; offsets are into ``text`` all the same.
    """
    if len(text) > MAX_CHARS:
        start = focus(head, text, column)
        inner = driving_phrases(head, text[start : start + MAX_CHARS], column, max_phrases=max_phrases, share=share)
        return tuple(Phrase(p.start + start, p.end + start, p.text, p.weight) for p in inner)
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
    """Log-odds of the class from the calibrated logits, a few texts at a time (bounded memory)."""
    per_batch = max(_BATCH_CHARS // max(max((len(t) for t in texts), default=1), 1), 1)
    parts = [log_odds(head, texts[i : i + per_batch], column) for i in range(0, len(texts), per_batch)]
    return np.concatenate(parts) if parts else np.zeros(0)


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
    drops: np.ndarray = z[0] - z[1:]
    return drops


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
