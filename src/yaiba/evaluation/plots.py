"""PNG plots of an evaluation report (matplotlib, Agg; never touches pyplot's global state)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np

from yaiba.evaluation.curves import Curve, Reliability
from yaiba.evaluation.thresholds import ThresholdChoice
from yaiba.io.atomic import atomic_output


class EvaluationReport(Protocol):
    """What the plots read of a :class:`yaiba.evaluation.report.EvaluationReport`."""

    metrics: dict[str, Any]
    positive: str | None
    roc: Curve | None
    pr: Curve | None
    calibration: Reliability | None
    threshold: ThresholdChoice | None
    scores: np.ndarray | None
    is_positive: np.ndarray | None


DPI = 100
SIZE = (5.0, 4.0)  # inches: 500 x 400 pixels


INSTALL = "pip install 'yaiba[plots]'"
"""How to get matplotlib, which the plots need."""


def _matplotlib() -> tuple[Any, Any]:
    """matplotlib's ``Figure`` and ``FigureCanvasAgg``; ImportError saying how to install it."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(f"plots need matplotlib: {INSTALL} (or pip install matplotlib)") from exc
    return Figure, FigureCanvasAgg


def available() -> bool:
    """Whether the plots can be drawn (matplotlib imports)."""
    try:
        _matplotlib()
    except ImportError:
        return False
    return True


def _figure() -> Any:
    figure, canvas = _matplotlib()
    fig = figure(figsize=SIZE, dpi=DPI, layout="constrained")
    canvas(fig)
    return fig


def _save(fig: Any, path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    with atomic_output(path, binary=True) as fh:  # an existing file keeps its mode; no special file replaced
        fig.savefig(fh, format="png", dpi=DPI)
    return path


def plot_roc(report: EvaluationReport, path: str | os.PathLike[str]) -> Path:
    """ROC curve of P(positive), with the chance diagonal and the chosen threshold."""
    fig = _figure()
    ax = fig.subplots()
    c = cast(Curve, report.roc)  # the curve plots are drawn only for reports with scores
    ax.plot(c.x, c.y, lw=2, label=f"ROC-AUC {c.area:.3f}")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="chance")
    t = report.threshold
    if t is not None and t.reached:
        s, pos = cast(np.ndarray, report.scores), cast(np.ndarray, report.is_positive)
        fpr = float(np.mean(s[~pos] >= t.threshold))
        ax.plot([fpr], [t.recall], "o", color="crimson", label=f"threshold {t.threshold:.3f}")
    ax.set(
        xlabel="false-positive rate",
        ylabel="true-positive rate (recall)",
        title=f"ROC: {report.positive}",
        xlim=(0, 1),
        ylim=(0, 1.02),
    )
    ax.legend(loc="lower right")
    return _save(fig, path)


def plot_precision_recall(report: EvaluationReport, path: str | os.PathLike[str]) -> Path:
    """Precision-recall curve of P(positive), the prevalence line and the target precision."""
    fig = _figure()
    ax = fig.subplots()
    c = cast(Curve, report.pr)
    ax.step(c.x, c.y, where="post", lw=2, label=f"PR-AUC (AP) {c.area:.3f}")
    prevalence = float(np.mean(cast(np.ndarray, report.is_positive)))
    ax.axhline(prevalence, ls="--", color="grey", lw=1, label=f"prevalence {prevalence:.3f}")
    t = report.threshold
    if t is not None:
        ax.axhline(t.target_precision, ls=":", color="crimson", lw=1, label=f"target {t.target_precision:g}")
        if t.reached:
            ax.plot([t.recall], [t.precision], "o", color="crimson", label=f"threshold {t.threshold:.3f}")
    ax.set(
        xlabel="recall", ylabel="precision", title=f"precision-recall: {report.positive}", xlim=(0, 1), ylim=(0, 1.02)
    )
    ax.legend(loc="lower left")
    return _save(fig, path)


def plot_reliability(report: EvaluationReport, path: str | os.PathLike[str]) -> Path:
    """Reliability diagram: observed share of positives against mean P(positive) per bin."""
    fig = _figure()
    ax = fig.subplots()
    r = cast(Reliability, report.calibration)
    filled = r.counts > 0
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfectly calibrated")
    ax.plot(r.mean_score[filled], r.observed[filled], "o-", lw=2, label=f"model (ECE {r.ece:.3f})")
    width = np.diff(r.edges)
    ax.bar(
        r.edges[:-1],
        r.counts / r.counts.sum(),
        width=width,
        align="edge",
        alpha=0.2,
        color="tab:blue",
        label="share of rows",
    )
    ax.set(
        xlabel=f"predicted P({report.positive})",
        ylabel=f"observed share {report.positive}",
        title="reliability",
        xlim=(0, 1),
        ylim=(0, 1.02),
    )
    ax.legend(loc="upper left")
    return _save(fig, path)


def plot_scores(report: EvaluationReport, path: str | os.PathLike[str]) -> Path:
    """Histograms of P(positive) for positive and other rows, with the chosen threshold."""
    fig = _figure()
    ax = fig.subplots()
    bins = np.linspace(0, 1, 21)
    s, pos = cast(np.ndarray, report.scores), cast(np.ndarray, report.is_positive)
    ax.hist(s[pos], bins=bins, alpha=0.6, color="crimson", label=f"{report.positive} ({int(pos.sum())})")
    ax.hist(s[~pos], bins=bins, alpha=0.6, color="tab:blue", label=f"other ({int((~pos).sum())})")
    t = report.threshold
    if t is not None and t.reached:
        ax.axvline(t.threshold, color="black", ls="--", lw=1, label=f"threshold {t.threshold:.3f}")
    ax.set(xlabel=f"P({report.positive})", ylabel="rows", title="score distribution", xlim=(0, 1))
    ax.legend(loc="upper center")
    return _save(fig, path)


def plot_confusion(report: EvaluationReport, path: str | os.PathLike[str]) -> Path:
    """Confusion matrix with counts; rows are true labels, columns predicted ones."""
    fig = _figure()
    ax = fig.subplots()
    cm = report.metrics["confusion_matrix"]
    labels, m = cm["labels"], np.asarray(cm["matrix"])
    ax.imshow(m, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    top = m.max() if m.size else 0
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(j, i, str(m[i, j]), ha="center", va="center", color="white" if m[i, j] > top / 2 else "black")
    ax.set(xlabel="predicted", ylabel="true", title="confusion matrix")
    return _save(fig, path)


def plot_all(report: EvaluationReport, directory: str | os.PathLike[str]) -> dict[str, Path]:
    """Every plot the report has data for, as ``{name: path}`` in ``directory``."""
    directory = Path(directory)
    out = {"confusion": plot_confusion(report, directory / "confusion.png")}
    if report.roc is not None:
        out["roc"] = plot_roc(report, directory / "roc.png")
        out["precision_recall"] = plot_precision_recall(report, directory / "precision_recall.png")
        out["reliability"] = plot_reliability(report, directory / "reliability.png")
        out["scores"] = plot_scores(report, directory / "scores.png")
    return out
