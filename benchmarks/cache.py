"""What the score cache buys on a stream where posts repeat (spam waves, copy-paste attacks).

Builds ``--posts`` posts where a share ``--repeat-share`` repeats earlier posts (more, once the
distinct real posts run out: the share measured is reported), and times
``clf.score`` without and with ``clf.with_cache(...)``. Usage:
``python benchmarks/cache.py [--posts 50000] [--repeat-share 0.5] [--json]``.
"""

from __future__ import annotations

import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
import numpy as np

import yaiba
from _common import emit, machine, parser, real_posts, timed


def main() -> int:
    p = parser(__doc__.split("\n")[0], posts=20_000)
    p.add_argument("--repeat-share", type=float, default=0.5)
    p.add_argument("--cache-size", type=int, default=65536)
    args = p.parse_args()
    rng = random.Random(0)
    pool = list(dict.fromkeys(real_posts(args.datasets, args.posts)))  # distinct real posts
    posts: list[str] = []
    fresh = 0
    for _ in range(args.posts):
        if posts and rng.random() < args.repeat_share:
            posts.append(rng.choice(posts))
        else:  # a new post; once the real ones run out they come round again
            posts.append(pool[fresh % len(pool)])
            fresh += 1
    clf = yaiba.load(args.model)
    off = timed(lambda: clf.score(posts), 3)
    cached = clf.with_cache(args.cache_size)
    on_cold = timed(lambda: clf.with_cache(args.cache_size).score(posts), 3)
    same = np.array_equal(cached.score(posts), clf.score(posts))
    distinct = len(set(posts))
    out = {
        "posts": len(posts),
        "distinct": distinct,
        "repeat_share": round(1 - distinct / len(posts), 3),
        "cache_off_posts_per_s": round(len(posts) / off),
        "cache_on_posts_per_s": round(len(posts) / on_cold),
        "speedup": round(off / on_cold, 2),
        "identical_scores": same,
    }
    result = {"benchmark": "cache", "asked_repeat_share": args.repeat_share, "machine": machine(), "results": out}
    emit(result, [[k, v] for k, v in out.items()], ["measure", "value"], args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
