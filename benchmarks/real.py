"""How the model separates attack, criticism and neutral on REAL posts.

The real-post development set: 1,500 open2ch posts (Nishika copy, drawn with a fixed seed by
data/real/draw_sample.py) labelled by data/GUIDELINE.md in two independent passes with every
disagreement adjudicated (data/real/open2ch_labels.csv: ids and labels only; the text is
joined by id from the datasets folder at run time). For evaluation and model selection only.

Reports attack F1 / precision / recall, PR-AUC of P(attack), macro-F1, the shares of
criticism and of neutral posts predicted attack, and recall per attack kind, each with a
bootstrap 95 % interval (resampling posts, seed 0). --posts N scores a stratified subset
(for CI); --errors FILE writes every error with its explanation; --compare MODEL adds the
paired bootstrap interval of each difference between the two models.

    python benchmarks/real.py [--model FILE] [--compare OTHER] [--json] [--posts N] [--errors errors.jsonl]

Needs: yaiba, scikit-learn, numpy, pandas; the datasets folder (YAIBA_DATASETS).
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
from sklearn.metrics import average_precision_score, f1_score

sys.path.insert(0, os.path.dirname(__file__))
import yaiba
from _common import ROOT, emit, machine, parser
from yaiba.io.datasets import load_labelled_ids

LABELS = ROOT / "data" / "real" / "open2ch_labels.csv"
KINDS = ("insult", "discrimination", "death_wish", "threat", "defamation", "doxxing")


def metrics(y: np.ndarray, kind: np.ndarray, pred: np.ndarray, p_attack: np.ndarray) -> dict[str, float]:
    """The numbers of one (re)sample."""
    is_att, called = y == "attack", pred == "attack"
    out = {
        "attack_f1": f1_score(is_att, called, zero_division=0),
        "attack_precision": float(called[is_att].sum() / max(called.sum(), 1)),
        "attack_recall": float(called[is_att].mean()) if is_att.any() else float("nan"),
        "attack_pr_auc": average_precision_score(is_att, p_attack) if is_att.any() else float("nan"),
        "macro_f1": f1_score(y, pred, average="macro", labels=["attack", "criticism", "neutral"], zero_division=0),
        "criticism_to_attack": float(called[y == "criticism"].mean()) if (y == "criticism").any() else float("nan"),
        "neutral_to_attack": float(called[y == "neutral"].mean()) if (y == "neutral").any() else float("nan"),
    }
    for k in KINDS:
        rows = is_att & (kind == k)
        out[f"recall_{k}"] = float(called[rows].mean()) if rows.any() else float("nan")
    return out


def bootstrap(y, kind, pred, p, n: int = 1000, seed: int = 0) -> dict[str, list[float]]:
    """95 % percentile intervals of every metric over ``n`` resamples of the posts."""
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {}
    for _ in range(n):
        idx = rng.integers(0, len(y), len(y))
        for key, value in metrics(y[idx], kind[idx], pred[idx], p[idx]).items():
            draws.setdefault(key, []).append(value)
    return {k: [float(np.nanpercentile(v, 2.5)), float(np.nanpercentile(v, 97.5))] for k, v in draws.items()}


def paired(y, kind, a: tuple, b: tuple, n: int = 1000, seed: int = 0) -> dict[str, list[float]]:
    """95 % intervals of metric(a) - metric(b) over the same resamples (a, b: (pred, p_attack))."""
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {}
    for _ in range(n):
        idx = rng.integers(0, len(y), len(y))
        ma = metrics(y[idx], kind[idx], a[0][idx], a[1][idx])
        mb = metrics(y[idx], kind[idx], b[0][idx], b[1][idx])
        for key in ma:
            draws.setdefault(key, []).append(ma[key] - mb[key])
    return {k: [float(np.nanpercentile(v, 2.5)), float(np.nanpercentile(v, 97.5))] for k, v in draws.items()}


def predictions(model: yaiba.Model, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Labels (with the model's thresholds) and P(attack)."""
    proba = model.predict_proba(texts)
    return np.array(model.labels_from_proba(proba)), proba[:, model.classes_.index("attack")]


def main() -> None:
    ap = parser(__doc__.splitlines()[0], posts=0)
    ap.add_argument("--labels", default=str(LABELS), help="label file (default: data/real/open2ch_labels.csv)")
    ap.add_argument("--bootstrap", type=int, default=1000, help="resamples for the intervals (default 1000)")
    ap.add_argument("--errors", help="write every misclassified post with its explanation (JSON lines)")
    ap.add_argument("--compare", metavar="MODEL", help="also report the paired difference --model minus MODEL")
    args = ap.parse_args()
    data = load_labelled_ids(args.datasets, args.labels)
    if args.posts:  # a stratified subset of the labels, same seed every run
        share = args.posts / len(data)
        keep = [
            g.sample(min(len(g), max(1, round(share * len(g)))), random_state=0).index for _, g in data.groupby("label")
        ]
        data = data.loc[sorted(i for idx in keep for i in idx)].reset_index(drop=True)
    model = yaiba.load(args.model)
    pred, p = predictions(model, data.text.tolist())
    y, kind = data.label.to_numpy(), data.kind.to_numpy()
    point = metrics(y, kind, pred, p)
    ci = bootstrap(y, kind, pred, p, n=args.bootstrap)
    counts = {k: int(((y == "attack") & (kind == k)).sum()) for k in KINDS}
    result = {
        "benchmark": "real",
        "machine": machine(),
        "model": args.model or "default",
        "posts": len(data),
        "label_counts": {k: int((y == k).sum()) for k in ("attack", "criticism", "neutral")},
        "attack_kind_counts": counts,
        "results": {
            k: {"value": round(v, 4), "ci95": [round(a, 4), round(b, 4)]} for k, v in point.items() for a, b in [ci[k]]
        },
    }
    rows = [[k, f"{v['value']:.3f}", f"[{v['ci95'][0]:.3f}, {v['ci95'][1]:.3f}]"] for k, v in result["results"].items()]
    header = ["metric", "value", "95% CI"]
    if args.compare:
        other = predictions(yaiba.load(args.compare), data.text.tolist())
        base = metrics(y, kind, *other)
        diff = paired(y, kind, (pred, p), other, n=args.bootstrap)
        result["compare"] = {
            "model": args.compare,
            "results": {
                k: {
                    "value": round(base[k], 4),
                    "difference": round(point[k] - base[k], 4),
                    "difference_ci95": [round(a, 4), round(b, 4)],
                }
                for k, (a, b) in diff.items()
            },
        }
        for row, key in zip(rows, result["results"]):
            c = result["compare"]["results"][key]
            row += [
                f"{c['value']:.3f}",
                f"{c['difference']:+.3f}",
                f"[{c['difference_ci95'][0]:+.3f}, {c['difference_ci95'][1]:+.3f}]",
            ]
        header += ["other", "difference", "95% CI of difference"]
    if args.errors:
        with open(args.errors, "w", encoding="utf-8") as fh:
            for i in np.flatnonzero(pred != y):
                exp = model.explain(data.text.iloc[i], top=8)
                fh.write(
                    json.dumps(
                        {
                            "id": data.id.iloc[i],
                            "label": y[i],
                            "kind": kind[i],
                            "predicted": pred[i],
                            "p_attack": round(float(p[i]), 4),
                            "evidence": [[e.view, e.ngram, e.weight] for e in exp.evidence],
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
    emit(result, rows, header, args.json)


if __name__ == "__main__":
    main()
