"""Evaluate a model on labelled posts: metrics, curves, calibration, a threshold, worst errors."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .curves import Curve, Reliability, precision_recall, reliability, roc
from .metrics import classification_metrics, format_metrics
from .thresholds import ThresholdChoice, threshold_for_precision
from .validation import check_labels, check_texts

if TYPE_CHECKING:
    from .explain import Explanation
    from .model import Model


@dataclass(frozen=True)
class WorstError:
    """A wrong prediction: row ``row`` (0-based position in the input) of true ``label`` was
    predicted ``predicted`` with probability ``confidence``; ``explanation`` says why."""

    row: int
    text: str
    label: str
    predicted: str
    confidence: float
    p_positive: float | None
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "text": self.text, "label": self.label, "predicted": self.predicted,
                "confidence": self.confidence, "p_positive": self.p_positive,
                "evidence": [{"ngram": e.ngram, "view": e.view, "weight": e.weight, "spans": e.spans}
                             for e in self.explanation.evidence]}


@dataclass
class EvaluationReport:
    """What :func:`evaluate` measured. ``print()`` it, ``to_dict()`` it, or ``save(directory)``.

    Attributes
    ----------
    metrics : dict
        :func:`yaiba.metrics.classification_metrics`: per-class precision/recall/F1, macro-F1,
        accuracy, confusion matrix, and the positive class's ROC-AUC/PR-AUC.
    positive : str or None
        The class whose probability the curves, calibration and threshold are about.
    roc, pr : Curve or None
        ROC and precision-recall curves of P(positive) (None when the data has only one outcome).
    calibration : Reliability or None
        Reliability diagram of P(positive) and its expected calibration error (``.ece``).
    threshold : ThresholdChoice or None
        The threshold on P(positive) reaching ``target_precision`` (None when not asked for).
    worst_errors : list of WorstError
        The most confident wrong predictions, most confident first, with explanations.
    predicted : list of str
        The predicted label of each row, in input order (binary labels with ``binary=True``).
    scores, is_positive : ndarray or None
        P(positive) and the truth of each row, in input order.
    notes : list of str
        Why a part is missing, in words.
    """

    metrics: dict[str, Any]
    positive: str | None
    classes: tuple[str, ...]
    roc: Curve | None = None
    pr: Curve | None = None
    calibration: Reliability | None = None
    threshold: ThresholdChoice | None = None
    worst_errors: list[WorstError] = field(default_factory=list)
    predicted: list[str] = field(default_factory=list)
    scores: np.ndarray | None = None
    is_positive: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ece(self) -> float | None:
        """Expected calibration error of P(positive), or None."""
        return None if self.calibration is None else self.calibration.ece

    def to_dict(self, curves: bool = True) -> dict[str, Any]:
        """JSON-ready: the metrics' keys, plus calibration, threshold, worst errors, notes and,
        with ``curves=True``, the ROC and precision-recall points."""
        out = dict(self.metrics)
        if self.calibration is not None:
            out["calibration"] = self.calibration.to_dict()
        if self.threshold is not None:
            out["threshold"] = self.threshold.to_dict()
        out["worst_errors"] = [e.to_dict() for e in self.worst_errors]
        if curves and self.roc is not None and self.pr is not None:
            out["curves"] = {"roc": self.roc.to_dict(), "precision_recall": self.pr.to_dict()}
        out["notes"] = list(self.notes)
        return out

    def __str__(self) -> str:
        lines = [format_metrics(self.metrics, self.positive)]
        if self.calibration is not None:
            lines += ["", f"calibration of P({self.positive}): expected calibration error "
                          f"{self.calibration.ece:.3f} ({len(self.calibration.counts)} bins)"]
        if self.threshold is not None:
            lines += ["", f"threshold on P({self.positive}) for {self.threshold}"]
        lines += [f"note: {n}" for n in self.notes]
        if self.worst_errors:
            lines += ["", "worst errors (most confident wrong predictions; row = 0-based data row):"]
            for e in self.worst_errors:
                lines.append(f"  row {e.row}: {e.label} predicted {e.predicted} (p={e.confidence:.3f})  {e.text[:60]!r}")
                ev = ", ".join(f"{x.ngram!r}({x.view}) {x.weight:+.2f}" for x in e.explanation.evidence)
                if ev:
                    lines.append(f"      evidence for {e.explanation.label}: {ev}")
        return "\n".join(lines)

    def save(self, directory: str | os.PathLike) -> Path:
        """Write PNG plots, ``index.html`` and ``report.json`` to ``directory`` (created if
        needed). Needs matplotlib (``pip install 'yaiba[plots]'``). Returns the HTML path."""
        from .report import write_report

        return write_report(self, directory)


def evaluate(
    clf: Model,
    texts: Iterable[str],
    labels: Iterable[object],
    *,
    target_precision: float | None = None,
    worst: int = 10,
    binary: bool = False,
    bins: int = 10,
    explain_top: int = 5,
    batch_size: int = 2048,
    n_jobs: int | None = None,
) -> EvaluationReport:
    """Evaluate ``clf`` on labelled posts.

    Parameters
    ----------
    clf : Model
        A loaded or trained model; its thresholds decide the predicted labels.
    texts, labels
        Posts and their true labels (str).
    target_precision : float, optional
        Also find the smallest threshold on P(positive) whose precision reaches this.
    worst : int
        How many of the most confident wrong predictions to explain (0 for none).
    binary : bool
        Score positive-versus-rest: true labels and predictions other than the positive
        label both become ``"not_<positive>"`` (for data labelled attack / not attack).
    bins : int
        Equal-width bins of the reliability diagram.
    explain_top : int
        Evidence n-grams per explained error.

    Returns
    -------
    EvaluationReport
    """
    items = check_texts(texts)
    y = check_labels(labels, len(items))
    if not items:
        raise ValueError("no rows to evaluate")
    if worst < 0:
        raise ValueError(f"worst must be >= 0, got {worst}")
    positive = clf.positive_label
    if binary and positive is None:
        raise ValueError("binary=True needs a model with a positive label")
    proba = np.asarray(clf.predict_proba(items, batch_size=batch_size, n_jobs=n_jobs))
    predicted = clf.labels_from_proba(proba)
    classes = tuple(clf.classes_)
    notes: list[str] = []
    if binary:
        other = f"not_{positive}"
        p_pos = proba[:, classes.index(positive)]
        y = np.where(y == positive, positive, other)
        shown = [lab if lab == positive else other for lab in predicted]
        proba, classes = np.column_stack([p_pos, 1.0 - p_pos]), (positive, other)
    else:
        shown = predicted
    metrics = classification_metrics(y, shown, proba, classes, positive)
    report = EvaluationReport(metrics=metrics, positive=positive, classes=classes, predicted=list(shown),
                              notes=notes)
    if positive is not None:
        score = proba[:, classes.index(positive)].astype(np.float64)
        is_pos = y == positive
        report.scores, report.is_positive = score, is_pos
        if 0 < is_pos.sum() < len(is_pos):
            report.roc, report.pr = roc(is_pos, score), precision_recall(is_pos, score)
            report.calibration = reliability(is_pos, score, bins)
            if target_precision is not None:
                report.threshold = threshold_for_precision(is_pos, score, target_precision)
        else:
            what = "no" if is_pos.sum() == 0 else "only"
            notes.append(f"the data has {what} {positive!r} rows: no curves, calibration or threshold")
    elif target_precision is not None:
        notes.append("the model has no positive label: no threshold")
    report.worst_errors = _worst_errors(clf, items, y, shown, predicted, proba, classes, positive, worst, explain_top)
    return report


def _worst_errors(clf, items, y, shown, predicted, proba, classes, positive, worst, top) -> list[WorstError]:
    if worst == 0:
        return []
    col = {c: i for i, c in enumerate(classes)}
    conf = np.array([proba[i, col[s]] for i, s in enumerate(shown)], dtype=np.float64)
    wrong = np.flatnonzero(np.asarray(shown) != y)
    chosen = wrong[np.argsort(-conf[wrong], kind="stable")][:worst]
    out = []
    for i in chosen:
        out.append(WorstError(
            row=int(i), text=items[i], label=str(y[i]), predicted=shown[i], confidence=float(conf[i]),
            p_positive=None if positive is None else float(proba[i, col[positive]]),
            explanation=clf.explain(items[i], top=top, label=predicted[i]),
        ))
    return out
