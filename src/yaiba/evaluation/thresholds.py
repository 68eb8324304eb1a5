"""Choosing a decision threshold on P(positive) for the precision a review queue can afford."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

_EPS = 1e-12  # precision k/n is compared with the target up to rounding


@dataclass(frozen=True)
class ThresholdChoice:
    """The threshold that reaches a target precision, and what it keeps.

    A post is flagged when its score is ``>= threshold``. ``threshold`` is the smallest score
    whose flagged set has precision ``>= target_precision`` (so the one keeping the most
    recall); it is None when no threshold reaches the target, and then ``best_threshold``
    and ``best_precision`` say how close one gets.

    Attributes
    ----------
    target_precision : float
    reached : bool
    threshold : float or None
    precision, recall : float
        At ``threshold`` (NaN when not reached).
    flagged : int
        Rows with score ``>= threshold`` (0 when not reached).
    positives, n : int
        Positive rows and all rows the choice was made on.
    best_threshold, best_precision : float
        The threshold with the highest precision (the smallest one on ties) and that precision.
    """

    target_precision: float
    reached: bool
    threshold: float | None
    precision: float
    recall: float
    flagged: int
    positives: int
    n: int
    best_threshold: float
    best_precision: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN becomes None)."""
        return {k: (None if isinstance(v, float) and v != v else v) for k, v in asdict(self).items()}

    def __str__(self) -> str:
        if self.reached:
            return (
                f"precision >= {self.target_precision:g}: threshold {self.threshold:.4f} "
                f"(precision {self.precision:.3f}, recall {self.recall:.3f}, "
                f"{self.flagged} of {self.n} rows flagged)"
            )
        return (
            f"precision >= {self.target_precision:g}: NOT REACHED by any threshold "
            f"(best precision {self.best_precision:.3f} at threshold {self.best_threshold:.4f})"
        )


def precision_recall_by_threshold(
    y_true: Sequence[bool] | np.ndarray, scores: Sequence[float] | np.ndarray
) -> dict[str, np.ndarray]:
    """Precision, recall and flagged count at every distinct score, used as threshold.

    Returns arrays ``threshold`` (descending), ``precision``, ``recall``, ``flagged``;
    flagging means ``score >= threshold``.
    """
    y, s = _check(y_true, scores)
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    last = np.r_[np.flatnonzero(s[1:] != s[:-1]), len(s) - 1]  # end of each run of equal scores
    tp = np.cumsum(y)[last]
    flagged = last + 1
    positives = int(y.sum())
    return {
        "threshold": s[last],
        "precision": tp / flagged,
        "recall": tp / positives if positives else np.full(len(last), np.nan),
        "flagged": flagged,
    }


def threshold_for_precision(
    y_true: Sequence[bool] | np.ndarray, scores: Sequence[float] | np.ndarray, target: float
) -> ThresholdChoice:
    """The smallest threshold on ``scores`` whose precision is at least ``target``.

    Parameters
    ----------
    y_true : array of bool
        True for positive rows.
    scores : array of float
        The score of each row (e.g. P(attack)); higher means more likely positive.
    target : float
        Target precision in (0, 1].

    Returns
    -------
    ThresholdChoice
        With ``reached=False`` and ``threshold=None`` when no threshold gets there.
    """
    target = float(target)
    if not 0.0 < target <= 1.0:
        raise ValueError(f"target precision must be in (0, 1], got {target}")
    curve = precision_recall_by_threshold(y_true, scores)
    positives = int(np.asarray(y_true, dtype=bool).sum())
    if positives == 0:
        raise ValueError("no positive rows: precision and recall are undefined")
    n = len(np.asarray(scores))
    prec = curve["precision"]
    best = int(np.flatnonzero(prec == prec.max())[-1])  # highest precision, smallest threshold
    common: dict[str, Any] = dict(
        target_precision=target,
        positives=positives,
        n=n,
        best_threshold=float(curve["threshold"][best]),
        best_precision=float(prec[best]),
    )
    ok = np.flatnonzero(prec >= target - _EPS)
    if len(ok) == 0:
        return ThresholdChoice(
            reached=False, threshold=None, precision=float("nan"), recall=float("nan"), flagged=0, **common
        )
    i = int(ok[-1])  # thresholds descend, so the last qualifying one is the smallest
    return ThresholdChoice(
        reached=True,
        threshold=float(curve["threshold"][i]),
        precision=float(prec[i]),
        recall=float(curve["recall"][i]),
        flagged=int(curve["flagged"][i]),
        **common,
    )


def _check(y_true: Sequence[bool] | np.ndarray, scores: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=np.float64)
    if y.ndim != 1 or s.ndim != 1 or len(y) != len(s):
        raise ValueError(f"y_true and scores must be 1-d and of equal length, got shapes {y.shape} and {s.shape}")
    if len(s) == 0:
        raise ValueError("no rows to choose a threshold on")
    if y.dtype != bool:
        if not np.isin(y, (0, 1)).all():
            raise ValueError("y_true must be boolean (True for positive rows)")
        y = y.astype(bool)
    bad = np.flatnonzero(~np.isfinite(s))
    if len(bad):
        raise ValueError(f"scores[{bad[0]}] is {s[bad[0]]}; scores must be finite")
    return y, s
