"""Evaluation metrics of a model on labelled posts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)


def classification_metrics(
    y_true: Iterable[str],
    y_pred: Iterable[str],
    proba: np.ndarray | None = None,
    classes: Sequence[str] | None = None,
    positive: str | None = "attack",
) -> dict[str, Any]:
    """Per-class precision/recall/F1, macro-F1, accuracy, confusion matrix, and for ``positive``
    (when probabilities are given and both outcomes occur) ROC-AUC and PR-AUC.

    ``classes`` orders ``proba``'s columns; labels seen only in ``y_true`` count as classes
    the model can never predict.
    """
    y_true = np.asarray([str(y) for y in y_true])
    y_pred = np.asarray([str(y) for y in y_pred])
    labels = sorted(set(y_true) | set(y_pred) | set(classes or ()))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    per_class = {
        lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, lab in enumerate(labels)
    }
    if positive is not None:
        for lab in labels:  # e.g. the share of criticism rows flagged as attack
            rows = y_true == lab
            per_class[lab][f"predicted_{positive}"] = float(np.mean(y_pred[rows] == positive)) if rows.any() else 0.0
    present = [lab for lab in labels if per_class[lab]["support"] > 0]
    out: dict[str, Any] = {
        "n": len(y_true),
        "accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else float("nan"),
        "macro_f1": float(np.mean([per_class[lab]["f1"] for lab in present])) if present else float("nan"),
        "per_class": per_class,
        "confusion_matrix": {
            "labels": labels,
            "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        },
    }
    if proba is not None and classes is not None and positive is not None and positive in classes:
        is_pos = y_true == positive
        if 0 < is_pos.sum() < len(is_pos):
            score = np.asarray(proba)[:, list(classes).index(positive)]
            out[positive] = {
                "roc_auc": float(roc_auc_score(is_pos, score)),
                "pr_auc": float(average_precision_score(is_pos, score)),
                "prevalence": float(is_pos.mean()),
            }
    return out


def group_shares(groups: Iterable[str | None], y_pred: Iterable[str]) -> dict[str, dict[str, Any]]:
    """For each group (e.g. a subtype column), its size and the share predicted as each label."""
    groups = np.asarray([str(g) for g in groups])
    y_pred = np.asarray([str(y) for y in y_pred])
    out = {}
    for g in sorted(set(groups)):
        rows = y_pred[groups == g]
        out[g] = {"n": len(rows), **{f"predicted_{lab}": float(np.mean(rows == lab)) for lab in sorted(set(y_pred))}}
    return out


def format_metrics(m: dict[str, Any], positive: str | None = "attack") -> str:
    """A plain-text report of :func:`classification_metrics`."""
    lines = [f"rows: {m['n']}   accuracy: {m['accuracy']:.3f}   macro-F1: {m['macro_f1']:.3f}", ""]
    flag = f"predicted_{positive}"
    lines.append(f"{'class':<16}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}{'→' + str(positive):>12}")
    for lab, v in m["per_class"].items():
        share = f"{v[flag]:>12.3f}" if flag in v else ""
        lines.append(f"{lab:<16}{v['precision']:>10.3f}{v['recall']:>10.3f}{v['f1']:>10.3f}{v['support']:>10d}{share}")
    if positive in m:
        a = m[positive]
        lines += [
            "",
            f"{positive}: ROC-AUC {a['roc_auc']:.3f}   PR-AUC {a['pr_auc']:.3f}   prevalence {a['prevalence']:.3f}",
        ]
    cm = m["confusion_matrix"]
    labs = cm["labels"]
    lines += [
        "",
        "confusion matrix (rows: true, columns: predicted)",
        " " * 16 + "".join(f"{x[:10]:>11}" for x in labs),
    ]
    for lab, row in zip(labs, cm["matrix"]):
        lines.append(f"{lab:<16}" + "".join(f"{v:>11d}" for v in row))
    if "by_group" in m:
        lines += ["", f"by {m.get('group_col', 'group')}: share predicted {positive}"]
        for g, v in m["by_group"].items():
            lines.append(f"  {g:<22}{v['n']:>6d}{v.get(flag, 0.0):>10.3f}")
    return "\n".join(lines)
