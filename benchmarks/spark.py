"""Throughput of yaiba.spark.score_dataframe on a local Spark master against in-process scoring.

Real posts: the texts of nishika_hate_speech/unlabelled.csv and train.csv under
``$YAIBA_DATASETS`` (default ../shared/datasets), repeated to ``--posts``. Prints a table and
one JSON object (``--json``: only the JSON). Small by default so it can run in CI; use
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
from pathlib import Path

import numpy as np
import pandas as pd

import yaiba
from yaiba.parallel import resolve_n_jobs, shutdown

ROOT = Path(__file__).resolve().parents[1]


def load_posts(n: int) -> tuple[list[str], int]:
    """``n`` real posts (the distinct ones repeated in order), and how many are distinct."""
    base = Path(os.environ.get("YAIBA_DATASETS", ROOT.parent / "shared" / "datasets")) / "nishika_hate_speech"
    texts: list[str] = []
    for name in ("unlabelled.csv", "train.csv"):
        path = base / name
        if not path.is_file():
            sys.exit(f"benchmarks/spark.py: {path} not found; set YAIBA_DATASETS to the datasets folder")
        texts += [t for t in pd.read_csv(path, dtype=str, keep_default_na=False)["text"] if t]
    reps = -(-n // len(texts))
    return (texts * reps)[:n], len(texts)


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def full_outputs(clf: yaiba.Model, texts: list[str], batch: int = 2048) -> np.ndarray:
    """What score_dataframe computes per row (probabilities, labels, kinds), in this process."""
    parts = [clf.predict_batch(texts[i : i + batch])[0] for i in range(0, len(texts), batch)]
    return np.vstack(parts)


def run(args: argparse.Namespace) -> dict:
    texts, distinct = load_posts(args.posts)
    clf = yaiba.load(args.model)
    clf.score(texts[:64])  # tokenizer start-up outside the timings
    rows: list[dict] = []

    def add(method: str, workers: int, seconds: float) -> None:
        rows.append({"method": method, "workers": workers, "seconds": round(seconds, 3),
                     "posts_per_s": round(len(texts) / seconds, 1),
                     "posts_per_s_per_worker": round(len(texts) / seconds / workers, 1)})

    t, ref = timed(lambda: clf.score(texts))
    add("in-process score(), 1 core", 1, t)
    t, _ = timed(lambda: full_outputs(clf, texts))
    add("in-process predict_batch (all outputs), 1 core", 1, t)
    cores = resolve_n_jobs(-1)
    clf.score(texts[: 2 * 2048 + 1], n_jobs=-1)  # start the worker pool outside the timing
    t, _ = timed(lambda: clf.score(texts, n_jobs=-1))
    add(f"in-process score(n_jobs=-1), {cores} processes", cores, t)
    shutdown()

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    warnings.filterwarnings("ignore", message=".*PySpark does not yet fully support pandas.*")
    from pyspark.sql import SparkSession

    from yaiba.spark import score_dataframe

    t_start, spark = timed(lambda: (
        SparkSession.builder.master(args.master).appName("yaiba-bench")
        .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    ))
    spark.sparkContext.setLogLevel("ERROR")
    slots = spark.sparkContext.defaultParallelism
    parts = args.partitions or 2 * slots
    pdf = pd.DataFrame({"id": np.arange(len(texts), dtype=np.int64), "text": texts})
    df = spark.createDataFrame(pdf, "id long, text string").repartition(parts, "id").cache()
    df.count()  # materialised in memory: the timings are scoring, not reading
    scored = score_dataframe(df, "text", clf)
    t, _ = timed(lambda: scored.write.format("noop").mode("overwrite").save())
    add(f"spark {args.master} score_dataframe, cold workers", slots, t)
    t, _ = timed(lambda: scored.write.format("noop").mode("overwrite").save())
    add(f"spark {args.master} score_dataframe, warm workers", slots, t)
    got = scored.select("id", "p_attack").toPandas().sort_values("id")["p_attack"].to_numpy()
    spark.stop()
    return {
        "benchmark": "spark",
        "posts": len(texts),
        "distinct_posts": distinct,
        "mean_chars": round(float(np.mean([len(x) for x in texts])), 1),
        "master": args.master,
        "partitions": parts,
        "cores": os.cpu_count(),
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
        f"{'method':<52} {'workers':>7} {'seconds':>9} {'posts/s':>9} {'per worker':>10}",
    ]
    for r in res["results"]:
        lines.append(f"{r['method']:<52} {r['workers']:>7} {r['seconds']:>9.2f} {r['posts_per_s']:>9.0f} "
                     f"{r['posts_per_s_per_worker']:>10.0f}")
    lines.append(f"Spark session start: {res['spark_session_start_s']:.1f} s; {res['partitions']} partitions; "
                 f"max |Spark - in-process| P(attack) = {res['max_abs_diff_p_attack']:.2g}")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--posts", type=int, default=20_000, help="posts to score (default 20000; README: 200000)")
    p.add_argument("--master", default="local[2]")
    p.add_argument("--partitions", type=int, help="DataFrame partitions (default: 2 x Spark's parallelism)")
    p.add_argument("--model", help="model file (default: the shipped model)")
    p.add_argument("--json", action="store_true", help="print only the JSON object")
    args = p.parse_args()
    if args.posts < 1:
        p.error("--posts must be >= 1")
    res = run(args)
    if not args.json:
        print(table(res))
    print(json.dumps(res, ensure_ascii=False))


if __name__ == "__main__":
    main()
