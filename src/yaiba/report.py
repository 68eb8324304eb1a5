"""Write an evaluation report to a folder: PNG plots, index.html (relative links), report.json."""

from __future__ import annotations

import json
import os
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .evaluate import EvaluationReport, WorstError

_CSS = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
td:first-child,th:first-child{text-align:left}img{margin:.3em;border:1px solid #eee}
mark{background:#ffd6d6}.err{margin:.8em 0;padding:.5em;border-left:4px solid #c33;background:#fafafa}
.note{color:#a00}code{background:#f3f3f3}"""


def write_report(report: EvaluationReport, directory: str | os.PathLike, title: str = "yaiba evaluation") -> Path:
    """Write the plots, ``index.html`` and ``report.json`` into ``directory``; return the HTML path."""
    from .plots import plot_all

    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise FileExistsError(f"{directory} exists and is not a folder")
    directory.mkdir(parents=True, exist_ok=True)
    images = plot_all(report, directory)
    (directory / "report.json").write_text(
        json.dumps(report.to_dict(curves=True), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    html = directory / "index.html"
    html.write_text(_html(report, {k: p.name for k, p in images.items()}, title), encoding="utf-8")
    return html


def _html(report: EvaluationReport, images: dict[str, str], title: str) -> str:
    m = report.metrics
    parts = [f"<!doctype html><html lang='ja'><head><meta charset='utf-8'><title>{escape(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{escape(title)}</h1>",
             f"<p>{m['n']} rows; accuracy {m['accuracy']:.3f}; macro-F1 {m['macro_f1']:.3f}</p>"]
    parts.append(_table(["class", "precision", "recall", "F1", "support"],
                        [[lab, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", v["support"]]
                         for lab, v in m["per_class"].items()]))
    pos = report.positive
    if pos in m:
        a = m[pos]
        parts.append(f"<p>{escape(pos)}: ROC-AUC {a['roc_auc']:.3f}, PR-AUC {a['pr_auc']:.3f}, "
                     f"prevalence {a['prevalence']:.3f}</p>")
    if report.calibration is not None:
        parts.append(f"<p>Expected calibration error of P({escape(pos)}): {report.calibration.ece:.3f}</p>")
    if report.threshold is not None:
        cls = "" if report.threshold.reached else " class='note'"
        parts.append(f"<h2>Threshold</h2><p{cls}>P({escape(pos)}) {escape(str(report.threshold))}</p>")
    for note in report.notes:
        parts.append(f"<p class='note'>{escape(note)}</p>")
    parts.append("<h2>Plots</h2><div>" + "".join(
        f"<img src='{escape(name)}' alt='{escape(key)}' width='500' height='400'>" for key, name in images.items()
    ) + "</div>")
    cm = m["confusion_matrix"]
    parts.append("<h2>Confusion matrix</h2><p>rows: true label, columns: predicted</p>")
    parts.append(_table(["", *cm["labels"]], [[lab, *row] for lab, row in zip(cm["labels"], cm["matrix"])]))
    if "by_group" in m:
        parts.append(f"<h2>By {escape(str(m.get('group_col', 'group')))}</h2>")
        flag = f"predicted_{pos}"
        parts.append(_table(["group", "rows", f"share predicted {pos}"],
                            [[g, v["n"], f"{v.get(flag, 0.0):.3f}"] for g, v in m["by_group"].items()]))
    if report.worst_errors:
        parts.append("<h2>Worst errors</h2><p>The most confident wrong predictions; highlighted: the "
                     "n-grams that pushed towards the predicted label. Row = 0-based data row.</p>")
        parts += [_error_html(e) for e in report.worst_errors]
    parts.append("</body></html>")
    return "\n".join(parts)


def _table(header: list[Any], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _error_html(e: WorstError) -> str:
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
    return (f"<div class='err'><b>row {e.row}</b>: true <b>{escape(e.label)}</b>, predicted "
            f"<b>{escape(e.predicted)}</b> (p={e.confidence:.3f})<br>{''.join(marked)}"
            f"<br><small>evidence for {escape(e.explanation.label)}: {evidence or 'none'}</small></div>")
