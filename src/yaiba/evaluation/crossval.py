"""Stratified k-fold cross-validation of :func:`yaiba.train`, with out-of-fold probabilities."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from yaiba.evaluation.metrics import classification_metrics
from yaiba.evaluation.thresholds import ThresholdChoice, threshold_for_precision
from yaiba.model import Model, train
from yaiba.validation import check_labels, check_texts

logger = logging.getLogger(__name__)


@dataclass
class CrossValidation:
    """Per-fold metrics, their mean and standard deviation, and out-of-fold probabilities.

    Attributes
    ----------
    folds : list of dict
        One dict per fold: ``fold``, ``n_train``, ``n_test``, ``accuracy``, ``macro_f1``,
        ``f1_<class>`` for each class, and ``roc_auc`` / ``pr_auc`` of the positive class.
    mean, std : dict
        Mean and sample standard deviation (ddof=1) over folds of every numeric metric
        (None where no fold has a value).
    classes : tuple of str
        Column order of ``oof_proba``.
    positive : str or None
    labels : ndarray of str
        The true labels, in input order.
    oof_proba : ndarray (n, k)
        Each row's probabilities from the model of the fold that did not train on it.
    pooled : dict
        :func:`~yaiba.metrics.classification_metrics` over all out-of-fold predictions.
    """

    folds: list[dict[str, Any]]
    mean: dict[str, float | None]
    std: dict[str, float | None]
    classes: tuple[str, ...]
    positive: str | None
    labels: np.ndarray
    oof_proba: np.ndarray
    pooled: dict[str, Any]

    def threshold_for_precision(self, target: float) -> ThresholdChoice:
        """The smallest threshold on out-of-fold P(positive) whose precision reaches ``target``."""
        if self.positive is None:
            raise ValueError("no positive label: nothing to threshold")
        score = self.oof_proba[:, self.classes.index(self.positive)]
        return threshold_for_precision(self.labels == self.positive, score, target)

    def to_dict(self) -> dict[str, Any]:
        return {
            "folds": self.folds,
            "mean": self.mean,
            "std": self.std,
            "classes": list(self.classes),
            "positive": self.positive,
            "pooled": self.pooled,
        }

    def __str__(self) -> str:
        keys = [k for k in self.mean if k not in ("fold", "n_train", "n_test")]
        lines = [f"{'fold':<6}" + "".join(f"{k:>14}" for k in keys)]
        for f in self.folds:
            lines.append(f"{f['fold']:<6}" + "".join(_cell(f.get(k)) for k in keys))
        lines.append(f"{'mean':<6}" + "".join(_cell(self.mean[k]) for k in keys))
        lines.append(f"{'std':<6}" + "".join(_cell(self.std[k]) for k in keys))
        return "\n".join(lines)


def _cell(v: float | None) -> str:
    return f"{'-':>14}" if v is None else f"{v:>14.3f}"


def cross_validate(
    texts: Iterable[str],
    labels: Iterable[object],
    folds: int = 5,
    *,
    kinds: Iterable[object] | None = None,
    positive_label: str = "attack",
    random_state: int = 0,
    **train_options: Any,
) -> CrossValidation:
    """Train and score :func:`yaiba.train` on stratified folds.

    Parameters
    ----------
    texts, labels
        Posts and their labels.
    folds : int
        Number of stratified folds (each class needs at least this many rows).
    kinds : optional
        Attack kinds, passed to :func:`yaiba.train` (adds ``kind_accuracy`` per fold: the
        share of true attacks predicted as attacks whose kind is right).
    positive_label : str
        The class whose ROC-AUC and PR-AUC are reported.
    random_state : int
        Seed of the fold split (the same seed gives the same folds).
    **train_options
        Passed to :func:`yaiba.train` (e.g. ``C``, ``n_features``, ``calibrate``).

    Returns
    -------
    CrossValidation
    """
    started = time.perf_counter()
    items = check_texts(texts)
    y = check_labels(labels, len(items))
    kind_list = None if kinds is None else list(kinds)
    if kind_list is not None and len(kind_list) != len(items):
        raise ValueError(f"got {len(items)} texts but {len(kind_list)} kinds")
    if not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ValueError(f"folds must be an integer >= 2, got {folds!r}")
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError("labels have one class only; need at least two")
    small = [(str(c), int(n)) for c, n in zip(classes, counts) if n < folds]
    if small:
        c, n = small[0]
        raise ValueError(
            f"class {c!r} has {n} row(s); {folds}-fold cross-validation needs at least {folds} of each class"
        )
    positive = positive_label if positive_label in classes else None
    oof = np.zeros((len(items), len(classes)), dtype=np.float32)
    oof_pred = np.empty(len(items), dtype=object)
    results = []
    splitter = StratifiedKFold(n_splits=int(folds), shuffle=True, random_state=random_state)
    for k, (tr, te) in enumerate(splitter.split(np.zeros(len(y)), y)):
        logger.info("fold %d/%d: training on %s posts, scoring %s", k + 1, folds, f"{len(tr):,}", f"{len(te):,}")
        model = train(
            [items[i] for i in tr],
            y[tr],
            kinds=None if kind_list is None else [kind_list[i] for i in tr],
            positive_label=positive_label,
            **train_options,
        )
        test_texts = [items[i] for i in te]
        proba, pred, predicted_kinds = _predict(model, test_texts)
        cols = [list(model.classes_).index(c) for c in classes]  # every class is in every training fold
        oof[te] = proba[:, cols]
        oof_pred[te] = pred
        m = classification_metrics(y[te], pred, proba, model.classes_, positive)
        row: dict[str, Any] = {
            "fold": k,
            "n_train": len(tr),
            "n_test": len(te),
            "accuracy": m["accuracy"],
            "macro_f1": m["macro_f1"],
        }
        row.update({f"f1_{c}": m["per_class"][c]["f1"] for c in classes})
        if positive is not None and positive in m:
            row["roc_auc"], row["pr_auc"] = m[positive]["roc_auc"], m[positive]["pr_auc"]
        if kind_list is not None and model.kinds_:
            row["kind_accuracy"] = _kind_accuracy(predicted_kinds, y[te], [kind_list[i] for i in te], positive_label)
        results.append(row)
    keys = [k for k in results[0] if k != "fold"]
    values = {k: [r[k] for r in results if r.get(k) is not None] for k in keys}
    mean = {k: float(np.mean(v)) if v else None for k, v in values.items()}
    std = {k: float(np.std(v, ddof=1)) if len(v) > 1 else None for k, v in values.items()}
    pooled = classification_metrics(y, list(oof_pred), oof, tuple(classes), positive)
    logger.info(
        "cross-validated %s posts in %d folds in %.0f s", f"{len(items):,}", folds, time.perf_counter() - started
    )
    return CrossValidation(
        folds=results,
        mean=mean,
        std=std,
        classes=tuple(str(c) for c in classes),
        positive=positive,
        labels=y,
        oof_proba=oof,
        pooled=pooled,
    )


def _predict(model: Model, texts: list[str]) -> tuple[np.ndarray, list[str], list[str | None]]:
    """Probabilities, labels and kinds of ``texts``, each batch featurised once."""
    parts = list(model.predict_batches(texts))
    if not parts:
        return np.zeros((0, len(model.classes_)), dtype=np.float32), [], []
    return (
        np.vstack([p.proba for p in parts]),
        [lab for p in parts for lab in p.labels],
        [kind for p in parts for kind in p.kinds],
    )


def _kind_accuracy(
    predicted: list[str | None], y: np.ndarray, kinds: list[object], positive: str | None
) -> float | None:
    hits = [p == k for p, k, lab in zip(predicted, kinds, y) if lab == positive and p is not None]
    return float(np.mean(hits)) if hits else None
