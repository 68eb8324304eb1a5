"""Latency of clf.score for one post and for a batch of 64, p50 and p99, in milliseconds.

Usage: ``python benchmarks/latency.py [--posts 2000] [--json]`` (``--posts`` calls of each).
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import numpy as np

import yaiba
from _common import emit, machine, parser, real_posts


def main() -> int:
    args = parser(__doc__.split("\n")[0], posts=1000).parse_args()
    posts = real_posts(args.datasets, max(args.posts, 64) + 64)
    clf = yaiba.load(args.model)
    clf.score(posts[:64])  # warm up: the tagger is built on first use
    out = {}
    for name, size in (("single_post", 1), ("batch_64", 64)):
        times = []
        for i in range(args.posts):
            batch = posts[i : i + size]
            t = time.perf_counter()
            clf.score(batch)
            times.append((time.perf_counter() - t) * 1000)
        out[name] = {
            "calls": len(times),
            "p50_ms": round(float(np.percentile(times, 50)), 3),
            "p99_ms": round(float(np.percentile(times, 99)), 3),
            "mean_ms": round(float(np.mean(times)), 3),
        }
    result = {"benchmark": "latency", "machine": machine(), "results": out}
    rows = [[k, v["p50_ms"], v["p99_ms"], v["mean_ms"]] for k, v in out.items()]
    emit(result, rows, ["call", "p50 ms", "p99 ms", "mean ms"], args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
