"""Shared helpers of the benchmark scripts: real posts, machine facts, table + JSON output."""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parser(description: str, posts: int) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--posts", type=int, default=posts, help=f"number of posts (default {posts}, small for CI)")
    p.add_argument("--json", action="store_true", help="print only the JSON object")
    p.add_argument("--datasets", default=os.environ.get("YAIBA_DATASETS", str(ROOT.parent / "shared" / "datasets")))
    p.add_argument("--model", default=None, help="model file (default: the shipped model)")
    return p


def real_posts(datasets: str, n: int) -> list[str]:
    """Nishika unlabelled.csv and train.csv texts, in file order, repeated to ``n`` posts."""
    base = Path(datasets) / "nishika_hate_speech"
    texts: list[str] = []
    for name in ("unlabelled.csv", "train.csv"):
        path = base / name
        if not path.is_file():
            sys.exit(f"benchmark needs {path} (set YAIBA_DATASETS or pass --datasets)")
        with open(path, encoding="utf-8", newline="") as fh:
            texts += [row["text"] for row in csv.DictReader(fh)]
    reps = -(-n // len(texts))
    return (texts * reps)[:n]


def machine() -> dict[str, object]:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cores": cores,
        "yaiba": version("yaiba"),
        "fugashi": version("fugashi"),
        "numpy": version("numpy"),
        "scikit-learn": version("scikit-learn"),
    }


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    """Median wall time of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def emit(result: dict, rows: list[list[object]], header: list[str], as_json: bool) -> None:
    """A readable table (unless --json), then one JSON object on the last line."""
    if not as_json:
        widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
        print("  ".join(str(h).ljust(w) for h, w in zip(header, widths)))
        for row in rows:
            print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)))
        print()
    print(json.dumps(result, ensure_ascii=False))
