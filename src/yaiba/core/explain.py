"""Explanations a moderator can read: which n-grams pushed a post towards a label, and where."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from yaiba.core.estimator import AttackClassifier
from yaiba.validation import check_texts


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
    estimator: AttackClassifier, text: str, *, label: str, top: int = 5, proba: np.ndarray | None = None
) -> Explanation:
    """The ``top`` n-grams that pushed ``text`` most towards ``label`` under a fitted estimator.

    ``proba`` is the post's probability row if the caller has it (e.g. from a cached model);
    otherwise the estimator computes it. :meth:`yaiba.Model.explain` picks ``label`` with
    the model's thresholds.
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
    grouped: dict[tuple[str, str], list[Any]] = {}
    for occ in featurizer.describe(text):
        key = (occ["view"], occ["ngram"])
        contribution = float(relative[occ["column"]]) * occ["value"]
        entry = grouped.setdefault(key, [0.0, []])
        entry[0] += contribution
        entry[1].append(occ["span"])
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
