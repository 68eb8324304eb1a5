"""Time and memory to score (and explain) one very long post, by size and kind of content.

Each measurement runs in a fresh process, so its peak memory is its own. The fitted
exponent is the slope of log(time) against log(size): 1.0 means time linear in length.

    python benchmarks/long_input.py                 # table, then one JSON object
    python benchmarks/long_input.py --json          # only the JSON
    python benchmarks/long_input.py --sizes 1 10 --kinds japanese
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import random
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from _common import machine

KINDS = {
    # ordinary Japanese with sentence ends (the crash reproducer, made longer)
    "japanese": lambda: "あいつは本当に最低な人間だ。",
    # ASCII words: one character per byte, so the most characters per megabyte
    "ascii": lambda: "you are the worst person on this site. ",
    # emoji with ZWJ: four-byte characters MeCab knows nothing about
    "emoji": lambda: "😡👨\u200d👩\u200d👧",
    # kana without any sentence end: cut at the character limit only
    "no-boundary": lambda: "しねしねクズやろう",
    # a fixed random mix of troublesome pieces (controls, marks, bidi, surrogates, scripts)
    "odd-mix": lambda: _odd_mix(),
}


def _odd_mix() -> str:
    pieces = [
        "\x00",
        "\x1b[0m",
        "\ud800",
        "\u202e",
        "\u200b",
        "e\u0301\u0316",
        "ｼﾈ",
        "ＡＢＣ",
        "死ね",
        "👍🏽",
        "مرحبا",
        "你好",
        "。",
        " ",
        "\u3000",
        "ß",
        "İ",
    ]
    rng = random.Random(0)
    return "".join(rng.choice(pieces) for _ in range(200))


def _post(kind: str, megabytes: float) -> str:
    unit = KINDS[kind]()
    size = len(unit.encode("utf-8", "surrogatepass"))
    return unit * max(1, round(megabytes * 1e6 / size))


def _measure(task: tuple[str, str, float, str | None]) -> dict:
    what, kind, megabytes, model_path = task
    import numpy as np

    import yaiba

    clf = yaiba.load(model_path)
    clf.score(["warm-up: load the tagger"])
    post = _post(kind, megabytes)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if what == "score":
        value = float(clf.score([post])[0])
        ok = math.isfinite(value) and 0.0 <= value <= 1.0
    else:
        e = clf.explain(post)
        value, ok = e.probability, all(0 <= a <= b <= len(post) for ev in e.evidence for a, b in ev.spans)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "what": what,
        "kind": kind,
        "megabytes": megabytes,
        "chars": len(post),
        "seconds": round(seconds, 3),
        "us_per_char": round(seconds / len(post) * 1e6, 3),
        "peak_rss_mb": round(peak / 1024, 1),
        "rss_growth_mb": round(max(0, peak - base) / 1024, 1),
        "p_attack_or_label_p": round(value, 6),
        "finite_in_0_1": bool(ok and np.isfinite(value)),
    }


def _exponent(rows: list[dict]) -> float | None:
    pts = [(math.log(r["chars"]), math.log(r["seconds"])) for r in rows if r["seconds"] > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return round(sum((x - mx) * (y - my) for x, y in pts) / den, 3) if den else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--sizes", type=float, nargs="+", default=[0.5, 1, 2, 5, 10], help="post sizes to score, MB of UTF-8"
    )
    ap.add_argument(
        "--explain-sizes",
        type=float,
        nargs="*",
        default=[0.03, 0.1, 0.3],
        help="post sizes to explain, MB (explain is the slow, per-n-gram path)",
    )
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=list(KINDS))
    ap.add_argument("--model", help="model file (default: the shipped model)")
    ap.add_argument("--json", action="store_true", help="print only the JSON object")
    args = ap.parse_args(argv)

    tasks = [("score", k, s, args.model) for k in args.kinds for s in args.sizes]
    tasks += [("explain", "japanese", s, args.model) for s in args.explain_sizes]
    ctx = mp.get_context("spawn")
    rows = []
    for task in tasks:  # one at a time: timings do not compete for the cores
        with ctx.Pool(1) as pool:
            rows.append(pool.apply(_measure, (task,)))
        if not args.json:
            r = rows[-1]
            print(f"  measured {r['what']} {r['kind']} {r['megabytes']} MB: {r['seconds']} s", file=sys.stderr)
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["what"], r["kind"]), []).append(r)
    summary = {f"{w}/{k}": _exponent(g) for (w, k), g in groups.items()}
    result = {
        "benchmark": "long_input",
        "machine": machine(),
        "rows": rows,
        "time_exponent": summary,
        "all_finite_in_0_1": all(r["finite_in_0_1"] for r in rows),
    }
    if not args.json:
        head = f"{'what':8} {'kind':12} {'MB':>6} {'chars':>10} {'seconds':>8} {'us/char':>8} {'peak MB':>8} {'growth MB':>9} {'p':>9}"
        print(head)
        print("-" * len(head))
        for r in rows:
            print(
                f"{r['what']:8} {r['kind']:12} {r['megabytes']:>6} {r['chars']:>10} {r['seconds']:>8.2f} "
                f"{r['us_per_char']:>8.3f} {r['peak_rss_mb']:>8.0f} {r['rss_growth_mb']:>9.0f} {r['p_attack_or_label_p']:>9.4f}"
            )
        print()
        print("time ~ size^k, fitted k (1.0 = linear): " + ", ".join(f"{k} {v}" for k, v in summary.items()))
        print()
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["all_finite_in_0_1"] else 1


if __name__ == "__main__":
    sys.exit(main())
