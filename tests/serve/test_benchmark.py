"""benchmarks/serve.py runs at a toy size and prints its JSON (numbers not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "serve.py"


def test_serve_benchmark_prints_json(tmp_path):
    args = ["--posts", "200", "--posts-per-cell", "32", "--max-requests", "10", "--rounds", "1"]
    args += ["--concurrency", "1,2", "--batches", "1,8", "--datasets", str(tmp_path), "--json"]  # no datasets: examples
    out = subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["posts"]["source"].startswith("data/examples.csv")
    assert set(result["in_process"]["workers=1"]) == {"1", "8"}
    cells = {(r["batch"], r["concurrency"]) for r in result["server"]}
    assert cells == {(1, 1), (1, 2), (8, 1), (8, 2)}
    assert all(r["posts_per_s"] > 0 and r["p99_ms"] >= r["p50_ms"] > 0 for r in result["server"])
    assert set(result["summary"]["workers=1"]) >= {"ratio_batch_ge_64", "single_post_p99_ms_concurrency_1"}
