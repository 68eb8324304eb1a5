"""How often yaiba.nudge() fires on labelled posts: criticism must rarely be nudged, attacks nearly always.

    python benchmarks/nudge.py                    # criticism_vs_attack/dev.csv from $YAIBA_DATASETS
    python benchmarks/nudge.py --json             # only the JSON object
    python benchmarks/nudge.py --data my.csv --model my.npz --threshold 0.6

Prints a table (share nudged per label and per subtype, and the targets of issue 8: at most
5 % of criticism rows, at least 90 % of attack rows) and one JSON object. The threshold is
the shipped rule (yaiba/resources/nudge_rule.json, derived by cross-validation on the
project's corpus) unless --threshold is given; this script only measures it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import yaiba
from yaiba.safety.nudging import MAX_CRITICISM, MIN_ATTACK, load_rule, nudge

ROOT = Path(__file__).resolve().parents[1]


def default_data() -> Path:
    base = Path(os.environ.get("YAIBA_DATASETS", ROOT.parent / "shared" / "datasets"))
    return base / "criticism_vs_attack" / "dev.csv"


def measure(texts: list[str], model: yaiba.Model, threshold: float) -> tuple[np.ndarray, list[float]]:
    """Whether each post is nudged (through the public nudge()), and the time of each call."""
    fired, times = [], []
    for t in texts:
        t0 = time.perf_counter()
        fired.append(nudge(t, model=model, threshold=threshold) is not None)
        times.append(time.perf_counter() - t0)
    return np.asarray(fired), times


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=None, help="labelled CSV (default: criticism_vs_attack/dev.csv)")
    p.add_argument("--model", help="model file (default: the shipped model)")
    p.add_argument("--threshold", type=float, help="default: the shipped nudge rule")
    p.add_argument("--text-col", default="text")
    p.add_argument("--label-col", default="label")
    p.add_argument("--group-col", default="subtype", help="also report per value of this column, if present")
    p.add_argument("--json", action="store_true", help="print only the JSON object")
    args = p.parse_args(argv)
    path = args.data or default_data()
    if not path.is_file():
        print(f"{path}: not found (set YAIBA_DATASETS or pass --data)", file=sys.stderr)
        return 1
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in (args.text_col, args.label_col):
        if col not in df.columns:
            print(f"{path}: no column {col!r}", file=sys.stderr)
            return 1
    model = yaiba.load(args.model)
    threshold = load_rule().threshold if args.threshold is None else args.threshold
    fired, times = measure(df[args.text_col].tolist(), model, threshold)
    df = df.assign(nudged=fired)

    def rates(col: str) -> dict[str, dict[str, float]]:
        g = df.groupby(col)["nudged"]
        return {str(k): {"rows": int(v.size), "nudged": int(v.sum()), "rate": round(float(v.mean()), 4)} for k, v in g}

    by_label = rates(args.label_col)
    by_group = rates(args.group_col) if args.group_col in df.columns else {}
    crit = by_label.get("criticism", {}).get("rate")
    att = by_label.get("attack", {}).get("rate")
    result = {
        "benchmark": "nudge",
        "data": path.name,
        "rows": len(df),
        "model": args.model or "default",
        "threshold": threshold,
        "threshold_source": "argument" if args.threshold is not None else "yaiba/resources/nudge_rule.json",
        "criticism_nudged": crit,
        "attack_nudged": att,
        "targets": {"max_criticism_nudged": MAX_CRITICISM, "min_attack_nudged": MIN_ATTACK},
        "meets_targets": bool(crit is not None and att is not None and crit <= MAX_CRITICISM and att >= MIN_ATTACK),
        "by_label": by_label,
        "by_group": by_group,
        "ms_per_draft": {
            "p50": round(1000 * float(np.percentile(times, 50)), 2),
            "p99": round(1000 * float(np.percentile(times, 99)), 2),
        },
    }
    if not args.json:
        print(
            f"nudge rule: P(attack) >= {threshold:.4f} ({result['threshold_source']}); data: {path.name}, {len(df)} rows"
        )
        print(f"{'group':<22}{'rows':>6}{'nudged':>8}{'rate':>8}")
        for title, table in (("label", by_label), (args.group_col, by_group)):
            if table:
                print(f"-- by {title}")
            for k, v in table.items():
                print(f"{k:<22}{v['rows']:>6}{v['nudged']:>8}{v['rate']:>8.1%}")
        print(
            f"criticism nudged {crit:.1%} (target <= {MAX_CRITICISM:.0%}); attack nudged {att:.1%} "
            f"(target >= {MIN_ATTACK:.0%}): {'met' if result['meets_targets'] else 'NOT met'}"
        )
        print(f"latency per draft: p50 {result['ms_per_draft']['p50']} ms, p99 {result['ms_per_draft']['p99']} ms")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
