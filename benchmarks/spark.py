"""Throughput of yaiba.spark.score_dataframe on a local Spark master against in-process scoring.

Real posts: the texts of nishika_hate_speech/unlabelled.csv and train.csv under
``$YAIBA_DATASETS`` or ``--datasets`` (default ../shared/datasets), repeated to ``--posts``. Prints a table and
one JSON object (``--json``: only the JSON). Besides wall time it reports the CPU seconds of the
whole process tree (Linux /proc), which stays meaningful on a machine shared with other jobs. Small by default so it can run in CI; use
``--posts 200000`` for the figures in the README.

    .venv/bin/python benchmarks/spark.py --posts 200000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
import yaiba
from _common import machine, parser, real_posts
from yaiba.core.parallel import resolve_n_jobs, shutdown


def _tree_cpu() -> dict[int, float]:
    """CPU seconds (user+system, including reaped children) of this process and its live
    descendants (Spark's JVM, its Python workers, process pools), read from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        ppid = int(fields[1])
        stats[int(entry)] = (ppid, sum(int(x) for x in fields[11:15]) / tick)
    tree, frontier = {os.getpid()}, [os.getpid()]
    while frontier:
        parent = frontier.pop()
        kids = [pid for pid, (ppid, _) in stats.items() if ppid == parent and pid not in tree]
        tree.update(kids)
        frontier.extend(kids)
    return {pid: stats[pid][1] for pid in tree if pid in stats}


def timed_cpu(fn) -> tuple[float, float, object]:
    """Wall seconds, CPU seconds of the process tree, and the result of ``fn()``."""
    cpu0 = _tree_cpu()
    start = time.perf_counter()
    out = fn()
    wall = time.perf_counter() - start
    cpu1 = _tree_cpu()
    return wall, sum(v - cpu0.get(pid, 0.0) for pid, v in cpu1.items()), out


def full_outputs(clf: yaiba.Model, texts: list[str], batch: int = 2048) -> np.ndarray:
    """What score_dataframe computes per row (probabilities, labels, kinds), in this process."""
    parts = [clf.predict_batch(texts[i : i + batch])[0] for i in range(0, len(texts), batch)]
    return np.vstack(parts)


def run(args: argparse.Namespace) -> dict:
    texts = real_posts(args.datasets, args.posts)
    distinct = len(set(texts))
    clf = yaiba.load(args.model)
    clf.score(texts[:64])  # tokenizer start-up outside the timings
    rows: list[dict] = []

    def add(method: str, workers: int, measured: tuple) -> object:
        wall, cpu, out = measured
        rows.append(
            {
                "method": method,
                "workers": workers,
                "seconds": round(wall, 3),
                "posts_per_s": round(len(texts) / wall, 1),
                "posts_per_s_per_worker": round(len(texts) / wall / workers, 1),
                "cpu_seconds": round(cpu, 2),
                "posts_per_cpu_s": round(len(texts) / cpu, 1),
            }
        )
        return out

    ref = add("in-process score(), 1 core", 1, timed_cpu(lambda: clf.score(texts)))
    add("in-process predict_batch (all outputs), 1 core", 1, timed_cpu(lambda: full_outputs(clf, texts)))
    cores = resolve_n_jobs(-1)
    clf.score(texts[: 2 * 2048 + 1], n_jobs=-1)  # start the worker pool outside the timing
    add(f"in-process score(n_jobs=-1), {cores} processes", cores, timed_cpu(lambda: clf.score(texts, n_jobs=-1)))
    shutdown()

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    warnings.filterwarnings("ignore", message=".*PySpark does not yet fully support pandas.*")
    from pyspark.sql import SparkSession

    from yaiba.spark.dataframe import score_dataframe

    t_start, _, spark = timed_cpu(
        lambda: (
            SparkSession.builder.master(args.master)
            .appName("yaiba-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
    )
    spark.sparkContext.setLogLevel("ERROR")
    slots = spark.sparkContext.defaultParallelism
    parts = args.partitions or 2 * slots
    pdf = pd.DataFrame({"id": np.arange(len(texts), dtype=np.int64), "text": texts})
    df = spark.createDataFrame(pdf, "id long, text string").repartition(parts, "id").cache()
    df.count()  # materialised in memory: the timings are scoring, not reading
    scored = score_dataframe(df, "text", clf)
    for state in ("cold", "warm"):
        add(
            f"spark {args.master} score_dataframe, {state} workers",
            slots,
            timed_cpu(lambda: scored.write.format("noop").mode("overwrite").save()),
        )
    got = scored.select("id", "p_attack").toPandas().sort_values("id")["p_attack"].to_numpy()
    spark.stop()
    return {
        "benchmark": "spark",
        "posts": len(texts),
        "distinct_posts": distinct,
        "mean_chars": round(float(np.mean([len(x) for x in texts])), 1),
        "master": args.master,
        "partitions": parts,
        "cores": machine()["cores"],
        "machine": machine(),
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
        "spark_session_start_s": round(t_start, 2),
        "max_abs_diff_p_attack": float(np.max(np.abs(got - ref.astype(np.float64)))) if len(got) else 0.0,
        "results": rows,
        "versions": {"yaiba": yaiba.__version__, "pyspark": __import__("pyspark").__version__},
    }


def table(res: dict) -> str:
    lines = [
        f"{res['posts']} posts ({res['distinct_posts']} distinct real posts repeated, "
        f"{res['mean_chars']} chars on average); {res['cores']} cores, load average {res['load_avg_1m_at_end']}",
        f"{'method':<52} {'workers':>7} {'seconds':>8} {'posts/s':>8} {'/worker':>8} {'CPU s':>7} {'posts/CPU s':>11}",
    ]
    for r in res["results"]:
        lines.append(
            f"{r['method']:<52} {r['workers']:>7} {r['seconds']:>8.2f} {r['posts_per_s']:>8.0f} "
            f"{r['posts_per_s_per_worker']:>8.0f} {r['cpu_seconds']:>7.1f} {r['posts_per_cpu_s']:>11.0f}"
        )
    lines.append(
        "CPU s: user+system seconds of this process and its descendants (Spark's JVM and Python "
        "workers, the process pool), which load from other jobs on the machine barely changes"
    )
    lines.append(
        f"Spark session start: {res['spark_session_start_s']:.1f} s; {res['partitions']} partitions; "
        f"max |Spark - in-process| P(attack) = {res['max_abs_diff_p_attack']:.2g}"
    )
    return "\n".join(lines)


def main() -> None:
    p = parser(__doc__.splitlines()[0], posts=20_000)
    p.add_argument("--master", default="local[2]")
    p.add_argument("--partitions", type=int, help="DataFrame partitions (default: 2 x Spark's parallelism)")
    args = p.parse_args()
    if args.posts < 1:
        p.error("--posts must be >= 1")
    res = run(args)
    if not args.json:
        print(table(res))
    print(json.dumps(res, ensure_ascii=False))


if __name__ == "__main__":
    main()
