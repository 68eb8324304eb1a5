"""Peak memory (RSS) of ``yaiba score`` streaming posts from a file to a file.

Writes ``--posts`` real posts (one per line) to a temporary text file, runs
``yaiba score POSTS.txt -o OUT.csv`` in a child process, and reads the child's peak resident
set size from ``getrusage``. Also checks the output has one row per input line.
Usage: ``python benchmarks/memory.py [--posts 1000000] [--n-jobs 1] [--json]``.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from _common import emit, machine, parser, real_posts


def main() -> int:
    p = parser(__doc__.split("\n")[0], posts=20_000)
    p.add_argument("--n-jobs", type=int, default=1)
    args = p.parse_args()
    posts = [" ".join(t.split()) for t in real_posts(args.datasets, args.posts)]  # one post per line
    yaiba_cmd = os.path.join(os.path.dirname(sys.executable), "yaiba")
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "posts.txt"), os.path.join(tmp, "scored.csv")
        with open(src, "w", encoding="utf-8") as fh:
            fh.writelines(t + "\n" for t in posts)
        cmd = [yaiba_cmd, "score", src, "-o", out, "--no-progress", "--n-jobs", str(args.n_jobs)]
        if args.model:
            cmd += ["--model", args.model]
        t = time.perf_counter()
        subprocess.run(cmd, check=True)
        seconds = time.perf_counter() - t
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
        with open(out, encoding="utf-8") as fh:
            rows = sum(1 for _ in fh) - 1
        input_mb = os.path.getsize(src) / 1e6
    out_d = {
        "posts": len(posts),
        "input_mb": round(input_mb, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "seconds": round(seconds, 1),
        "output_rows": rows,
        "rows_match": rows == len(posts),
        "n_jobs": args.n_jobs,
    }
    result = {"benchmark": "memory", "machine": machine(), "results": out_d}
    emit(result, [[k, v] for k, v in out_d.items()], ["measure", "value"], args.json)
    return 0 if rows == len(posts) else 1


if __name__ == "__main__":
    sys.exit(main())
