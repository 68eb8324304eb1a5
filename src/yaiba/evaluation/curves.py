"""Curves of a score against binary truth: ROC, precision-recall, reliability (calibration)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve


@dataclass(frozen=True)
class Curve:
    """Points of a curve (``x``, ``y``) at ``thresholds``, and its area summary ``area``."""

    name: str
    x: np.ndarray
    y: np.ndarray
    thresholds: np.ndarray
    area: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready lists (a non-finite value, e.g. ROC's first threshold inf, becomes None)."""
        return {
            "name": self.name,
            "x": _json_list(self.x),
            "y": _json_list(self.y),
            "thresholds": _json_list(self.thresholds),
            "area": self.area,
        }


@dataclass(frozen=True)
class Reliability:
    """A reliability diagram in equal-width bins of the score.

    ``mean_score[b]`` is the mean predicted probability in bin b, ``observed[b]`` the share of
    positive rows there (NaN for an empty bin), ``counts[b]`` its rows. ``ece`` is the expected
    calibration error: ``sum_b counts[b] / n * |observed[b] - mean_score[b]|``.
    """

    edges: np.ndarray
    mean_score: np.ndarray
    observed: np.ndarray
    counts: np.ndarray
    ece: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready lists (an empty bin's NaN becomes None)."""
        return {
            "edges": _json_list(self.edges),
            "mean_score": _json_list(self.mean_score),
            "observed": _json_list(self.observed),
            "counts": self.counts.tolist(),
            "ece": self.ece,
        }


def _json_list(a: np.ndarray) -> list[float | None]:
    return [float(v) if np.isfinite(v) else None for v in np.asarray(a, dtype=float)]


def roc(is_pos: np.ndarray, score: np.ndarray) -> Curve:
    """ROC curve: false-positive rate (x) against true-positive rate (y); area = ROC-AUC."""
    fpr, tpr, thr = roc_curve(is_pos, score)
    return Curve("roc", fpr, tpr, thr, float(roc_auc_score(is_pos, score)))


def precision_recall(is_pos: np.ndarray, score: np.ndarray) -> Curve:
    """Precision-recall curve: recall (x) against precision (y); area = average precision."""
    prec, rec, thr = precision_recall_curve(is_pos, score)
    return Curve("precision_recall", rec, prec, thr, float(average_precision_score(is_pos, score)))


def reliability(is_pos: np.ndarray, score: np.ndarray, bins: int = 10) -> Reliability:
    """Reliability diagram and expected calibration error of probabilities ``score``."""
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    y = np.asarray(is_pos, dtype=float)
    p = np.asarray(score, dtype=float)
    if len(p) == 0:
        raise ValueError("no rows for a reliability diagram")
    if p.min() < 0 or p.max() > 1:
        raise ValueError("scores must be probabilities in [0, 1]")
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)  # 1.0 in the last bin
    counts = np.bincount(which, minlength=bins)
    sum_p = np.bincount(which, weights=p, minlength=bins)
    sum_y = np.bincount(which, weights=y, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_score = np.where(counts > 0, sum_p / counts, np.nan)
        observed = np.where(counts > 0, sum_y / counts, np.nan)
    filled = counts > 0
    ece = float(np.sum(counts[filled] / len(p) * np.abs(observed[filled] - mean_score[filled])))
    return Reliability(edges, mean_score, observed, counts, ece)
