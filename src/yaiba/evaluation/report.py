"""What an evaluation measured (:class:`EvaluationReport`), and writing it to a folder:
PNG plots, index.html (relative links), report.json."""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any, cast

import numpy as np

from yaiba.core.explain import Explanation
from yaiba.evaluation.curves import Curve, Reliability
from yaiba.evaluation.metrics import format_metrics
from yaiba.evaluation.plots import INSTALL, plot_all
from yaiba.evaluation.thresholds import ThresholdChoice
from yaiba.io.atomic import atomic_output


@dataclass(frozen=True)
class WorstError:
    """A wrong prediction: row ``row`` (0-based position in the input; ``id`` when the data
    names its rows) of true ``label`` was predicted ``predicted`` with probability
    ``confidence``; ``explanation`` says why."""

    row: int
    text: str
    label: str
    predicted: str
    confidence: float
    p_positive: float | None
    explanation: Explanation
    id: str | None = None

    @property
    def name(self) -> str:
        """How reports name the row: ``id X`` when it has one, else ``row N`` (0-based)."""
        return f"id {self.id}" if self.id is not None else f"row {self.row}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "row": self.row,
            "text": self.text,
            "label": self.label,
            "predicted": self.predicted,
            "confidence": self.confidence,
            "p_positive": self.p_positive,
            "evidence": [
                {"ngram": e.ngram, "view": e.view, "weight": e.weight, "spans": e.spans}
                for e in self.explanation.evidence
            ],
        }


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
    provenance : dict
        Where the numbers come from: ``model`` (``path`` or ``"default"``, ``sha256`` of the
        file, ``written_by``: the yaiba version that saved it), ``data`` (``path``, ``rows``,
        ``sha256``), ``yaiba`` (the version that evaluated) and ``created`` (UTC, ISO 8601).
        See :mod:`yaiba.evaluation.provenance`.
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
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def ece(self) -> float | None:
        """Expected calibration error of P(positive), or None."""
        return None if self.calibration is None else self.calibration.ece

    def to_dict(self, curves: bool = True) -> dict[str, Any]:
        """JSON-ready: the metrics' keys, plus calibration, threshold, worst errors, notes,
        provenance and, with ``curves=True``, the ROC and precision-recall points."""
        out = dict(self.metrics)
        if self.calibration is not None:
            out["calibration"] = self.calibration.to_dict()
        if self.threshold is not None:
            out["threshold"] = self.threshold.to_dict()
        out["worst_errors"] = [e.to_dict() for e in self.worst_errors]
        if curves and self.roc is not None and self.pr is not None:
            out["curves"] = {"roc": self.roc.to_dict(), "precision_recall": self.pr.to_dict()}
        out["notes"] = list(self.notes)
        if self.provenance:
            out["provenance"] = self.provenance
        return out

    def __str__(self) -> str:
        lines = [format_metrics(self.metrics, self.positive)]
        if self.calibration is not None:
            lines += [
                "",
                f"calibration of P({self.positive}): expected calibration error "
                f"{self.calibration.ece:.3f} ({len(self.calibration.counts)} bins)",
            ]
        if self.threshold is not None:
            lines += ["", f"threshold on P({self.positive}) for {self.threshold}"]
        lines += [f"note: {n}" for n in self.notes]
        if self.worst_errors:
            named = "id = the data's id column, " if any(e.id is not None for e in self.worst_errors) else ""
            lines += ["", f"worst errors (most confident wrong predictions; {named}row = 0-based data row):"]
            for e in self.worst_errors:
                lines.append(f"  {e.name}: {e.label} predicted {e.predicted} (p={e.confidence:.3f})  {e.text[:60]!r}")
                ev = ", ".join(f"{x.ngram!r}({x.view}) {x.weight:+.2f}" for x in e.explanation.evidence)
                if ev:
                    lines.append(f"      evidence for {e.explanation.label}: {ev}")
        if self.provenance:
            lines += ["", *provenance_lines(self.provenance)]
        return "\n".join(lines)

    def save(self, directory: str | os.PathLike[str], *, plots: bool | None = None) -> Path:
        """Write ``report.json``, ``index.html`` and PNG plots to ``directory`` (created if
        needed); return the HTML path.

        The plots need matplotlib (``pip install 'yaiba[plots]'``). ``plots=None`` draws them
        when it is installed and otherwise writes the rest with a UserWarning and a note in
        the page; ``True`` raises ImportError without it; ``False`` draws none.
        """
        return write_report(self, directory, plots=plots)


_CSS = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
td:first-child,th:first-child{text-align:left}img{margin:.3em;border:1px solid #eee}
mark{background:#ffd6d6}.err{margin:.8em 0;padding:.5em;border-left:4px solid #c33;background:#fafafa}
.note{color:#a00}code{background:#f3f3f3}"""


def write_report(
    report: EvaluationReport,
    directory: str | os.PathLike[str],
    title: str = "yaiba evaluation",
    *,
    plots: bool | None = None,
) -> Path:
    """Write ``report.json``, ``index.html`` and the plots into ``directory``; return the HTML
    path. ``plots``: as in :meth:`EvaluationReport.save`."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise FileExistsError(f"{directory} exists and is not a folder")
    directory.mkdir(parents=True, exist_ok=True)
    images: dict[str, Path] = {}
    notes = []
    if plots is not False:
        try:
            images = plot_all(report, directory)
        except ImportError:
            if plots:
                raise
            notes.append(f"plots not drawn: matplotlib is not installed ({INSTALL})")
            warnings.warn(f"{notes[-1]}; wrote report.json and index.html without them", stacklevel=3)
    data = report.to_dict(curves=True)
    data["notes"] = data["notes"] + notes
    data["plots"] = {k: p.name for k, p in images.items()}
    with atomic_output(directory / "report.json") as fh:
        fh.write(json.dumps(data, ensure_ascii=False, indent=1))
    html = directory / "index.html"
    with atomic_output(html) as fh:
        fh.write(_html(report, data["plots"], title, notes))
    return html


def provenance_lines(p: dict[str, Any]) -> list[str]:
    """The provenance record as text lines (for the table output)."""
    model, data = p.get("model") or {}, p.get("data") or {}
    if model.get("path") is None:
        what = "in memory (no file)"
    else:
        what = "default (the shipped model)" if model["path"] == "default" else str(model["path"])
        what += f", sha256 {model.get('sha256') or 'unknown'}"
        what += f", written by yaiba {model.get('written_by') or 'unknown'}"
    source = data.get("path") or "in memory"
    digest = f"sha256 {data.get('sha256')}" + (" of the rows" if data.get("digest_of") == "rows" else "")
    return [
        "provenance:",
        f"  model: {what}",
        f"  data: {source}, {data.get('rows', 0):,} rows, {digest}",
        f"  evaluated by yaiba {p.get('yaiba')} at {p.get('created')} (UTC)",
    ]


def _html(report: EvaluationReport, images: dict[str, str], title: str, extra_notes: list[str] | None = None) -> str:
    m = report.metrics
    parts = [
        f"<!doctype html><html lang='ja'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_CSS}</style></head><body><h1>{escape(title)}</h1>",
        f"<p>{m['n']} rows; accuracy {m['accuracy']:.3f}; macro-F1 {m['macro_f1']:.3f}</p>",
    ]
    if report.provenance:
        lines = provenance_lines(report.provenance)[1:]
        parts.append("<h2>Provenance</h2><ul>" + "".join(f"<li>{escape(x.strip())}</li>" for x in lines) + "</ul>")
    parts.append(
        _table(
            ["class", "precision", "recall", "F1", "support"],
            [
                [lab, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", v["support"]]
                for lab, v in m["per_class"].items()
            ],
        )
    )
    pos = report.positive
    if pos in m:
        a = m[pos]
        parts.append(
            f"<p>{escape(pos)}: ROC-AUC {a['roc_auc']:.3f}, PR-AUC {a['pr_auc']:.3f}, "
            f"prevalence {a['prevalence']:.3f}</p>"
        )
    # calibration and threshold exist only for a report with a positive label
    if report.calibration is not None:
        parts.append(f"<p>Expected calibration error of P({escape(cast(str, pos))}): {report.calibration.ece:.3f}</p>")
    if report.threshold is not None:
        cls = "" if report.threshold.reached else " class='note'"
        parts.append(f"<h2>Threshold</h2><p{cls}>P({escape(cast(str, pos))}) {escape(str(report.threshold))}</p>")
    for note in [*report.notes, *(extra_notes or [])]:
        parts.append(f"<p class='note'>{escape(note)}</p>")
    parts.append(
        "<h2>Plots</h2><div>"
        + "".join(
            f"<img src='{escape(name)}' alt='{escape(key)}' width='500' height='400'>" for key, name in images.items()
        )
        + "</div>"
    )
    cm = m["confusion_matrix"]
    parts.append("<h2>Confusion matrix</h2><p>rows: true label, columns: predicted</p>")
    parts.append(_table(["", *cm["labels"]], [[lab, *row] for lab, row in zip(cm["labels"], cm["matrix"])]))
    if "by_group" in m:
        parts.append(f"<h2>By {escape(str(m.get('group_col', 'group')))}</h2>")
        flag = f"predicted_{pos}"
        parts.append(
            _table(
                ["group", "rows", f"share predicted {pos}"],
                [[g, v["n"], f"{v.get(flag, 0.0):.3f}"] for g, v in m["by_group"].items()],
            )
        )
    if report.worst_errors:
        parts.append(
            "<h2>Worst errors</h2><p>The most confident wrong predictions; highlighted: the "
            "n-grams that pushed towards the predicted label. Id: the data's id column; row: 0-based data row.</p>"
        )
        parts += [error_html(e) for e in report.worst_errors]
    parts.append("</body></html>")
    return "\n".join(parts)


def _table(header: list[Any], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def error_html(e: WorstError) -> str:
    spans = sorted({s for ev in e.explanation.evidence for s in ev.spans})
    marked, at = [], 0
    for a, b in spans:  # merge overlapping spans into one highlight
        if a < at:
            a = at
        if a >= b:
            continue
        marked += [escape(e.text[at:a]), f"<mark>{escape(e.text[a:b])}</mark>"]
        at = b
    marked.append(escape(e.text[at:]))
    evidence = ", ".join(f"<code>{escape(x.ngram)}</code> {x.weight:+.2f}" for x in e.explanation.evidence)
    return (
        f"<div class='err'><b>{escape(e.name)}</b>: true <b>{escape(e.label)}</b>, predicted "
        f"<b>{escape(e.predicted)}</b> (p={e.confidence:.3f})<br>{''.join(marked)}"
        f"<br><small>evidence for {escape(e.explanation.label)}: {evidence or 'none'}</small></div>"
    )
