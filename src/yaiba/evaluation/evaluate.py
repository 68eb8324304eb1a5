"""Evaluate a model on labelled posts: metrics, curves, calibration, a threshold, worst errors."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from yaiba.evaluation.curves import precision_recall, reliability, roc
from yaiba.evaluation.metrics import classification_metrics
from yaiba.evaluation.report import EvaluationReport, WorstError
from yaiba.evaluation.thresholds import threshold_for_precision
from yaiba.model import Model
from yaiba.validation import check_labels, check_texts


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
    if binary and positive is not None:  # binary without a positive label was refused above
        other = f"not_{positive}"
        p_pos = proba[:, classes.index(positive)]
        y = np.where(y == positive, positive, other)
        shown = [lab if lab == positive else other for lab in predicted]
        proba, classes = np.column_stack([p_pos, 1.0 - p_pos]), (positive, other)
    else:
        shown = predicted
    metrics = classification_metrics(y, shown, proba, classes, positive)
    report = EvaluationReport(metrics=metrics, positive=positive, classes=classes, predicted=list(shown), notes=notes)
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


def _worst_errors(
    clf: Model,
    items: list[str],
    y: np.ndarray,
    shown: list[str],
    predicted: list[str],
    proba: np.ndarray,
    classes: tuple[str, ...],
    positive: str | None,
    worst: int,
    top: int,
) -> list[WorstError]:
    if worst == 0:
        return []
    col = {c: i for i, c in enumerate(classes)}
    conf = np.array([proba[i, col[s]] for i, s in enumerate(shown)], dtype=np.float64)
    wrong = np.flatnonzero(np.asarray(shown) != y)
    chosen = wrong[np.argsort(-conf[wrong], kind="stable")][:worst]
    out = []
    for i in chosen:
        out.append(
            WorstError(
                row=int(i),
                text=items[i],
                label=str(y[i]),
                predicted=shown[i],
                confidence=float(conf[i]),
                p_positive=None if positive is None else float(proba[i, col[positive]]),
                explanation=clf.explain(items[i], top=top, label=predicted[i]),
            )
        )
    return out
