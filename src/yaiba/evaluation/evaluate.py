"""Evaluate a model on labelled posts: metrics, curves, calibration, a threshold, worst errors."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable

import numpy as np

from yaiba.evaluation import provenance
from yaiba.evaluation.curves import precision_recall, reliability, roc
from yaiba.evaluation.metrics import classification_metrics
from yaiba.evaluation.report import EvaluationReport, WorstError
from yaiba.evaluation.thresholds import threshold_for_precision
from yaiba.model import Model
from yaiba.validation import check_labels, check_texts

logger = logging.getLogger(__name__)


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
    ids: Iterable[object] | None = None,
    model_source: str | os.PathLike[str] | None = None,
    data_source: str | os.PathLike[str] | None = None,
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
    ids : optional
        A name for each row (e.g. an ``id`` column): worst errors are named by it as well as by
        their 0-based row number. None values are allowed (those rows go by number).
    model_source : str or path, optional
        The file ``clf`` was loaded from, or ``"default"`` for the shipped model: recorded in
        ``report.provenance`` with its SHA-256 and the yaiba version that wrote it.
    data_source : str or path, optional
        The file ``texts`` and ``labels`` were read from: recorded with its SHA-256 (without
        it, the digest is of the rows themselves).

    Returns
    -------
    EvaluationReport
        With ``provenance``: the model, the data (path, rows, SHA-256), the yaiba version
        running and the date and time (UTC, ISO 8601).
    """
    started = time.perf_counter()
    items = check_texts(texts)
    y = check_labels(labels, len(items))
    if not items:
        raise ValueError("no rows to evaluate")
    if worst < 0:
        raise ValueError(f"worst must be >= 0, got {worst}")
    names = None if ids is None else [None if i is None else str(i) for i in ids]
    if names is not None and len(names) != len(items):
        raise ValueError(f"got {len(items)} texts but {len(names)} ids")
    origin = provenance.record(model_source, data_source, items, [str(v) for v in y])
    logger.info("scoring %s posts", f"{len(items):,}")
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
    report.provenance = origin
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
    if worst:
        logger.info("explaining the %d most confident errors", worst)
    report.worst_errors = _worst_errors(
        clf, items, y, shown, predicted, proba, classes, positive, worst, explain_top, names
    )
    logger.info("evaluated %s posts in %.1f s", f"{len(items):,}", time.perf_counter() - started)
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
    names: list[str | None] | None = None,
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
                id=None if names is None else names[i],
            )
        )
    return out
