"""Throughput and latency of ``yaiba serve`` over HTTP on 127.0.0.1, against scoring the same
posts in process with ``Model.predict_batch``.

Dependencies: yaiba with the ``serve`` extra (Starlette, uvicorn); the load generator is the
standard library (asyncio, keep-alive HTTP/1.1 connections). For each batch size (posts per
request) and concurrency (requests in flight at once) it sends a fixed number of requests
and reports requests/s, posts/s and p50/p99 latency per request; in process, the same posts in
the same batches, one call after another. ``--rounds`` interleave the two (each round scores
every batch size in process, then sends it at every concurrency); the figures are medians over
the rounds (latency percentiles: over all rounds' requests), and the ratio is the server's
posts/s over the in-process posts/s of the rounds run beside it.

Real posts: nishika_hate_speech texts under ``$YAIBA_DATASETS`` or ``--datasets`` (default
../shared/datasets), else data/examples.csv repeated. The load generator runs on the same
machine as the server and takes CPU from it: the script also reports the CPU seconds of the
server processes and of the client (Linux /proc). Prints a table and one JSON object
(``--json``: only the JSON).

    .venv/bin/python benchmarks/serve.py                       # 1 worker
    .venv/bin/python benchmarks/serve.py --workers 1,2 --posts-per-cell 32768
"""

from __future__ import annotations

import asyncio
import csv
import itertools
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import yaiba
from _common import ROOT, emit, machine, parser, real_posts

TARGET_RATIO = 0.70  # server / in-process posts/s at batch >= 64
TARGET_P99_MS = 10.0  # one post per request, concurrency 1


def load_posts(datasets: str, n: int) -> tuple[list[str], str]:
    """Real posts if the datasets are there, else data/examples.csv repeated."""
    base = Path(datasets) / "nishika_hate_speech"
    if (base / "unlabelled.csv").is_file() and (base / "train.csv").is_file():
        return real_posts(datasets, n), "nishika_hate_speech (unlabelled.csv, train.csv)"
    with open(ROOT / "data" / "examples.csv", encoding="utf-8", newline="") as fh:
        texts = [row["text"] for row in csv.DictReader(fh)]
    return (texts * (-(-n // len(texts))))[:n], "data/examples.csv (datasets not found)"


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of process ``root`` and its live descendants, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        kids = [pid for pid, (ppid, _) in stats.items() if ppid == parent and pid not in tree]
        tree.update(kids)
        frontier.extend(kids)
    return sum(stats[pid][1] for pid in tree if pid in stats)


class Server:
    """``python -m yaiba serve --port 0`` in a subprocess."""

    def __init__(self, workers: int, model: str | None, max_posts: int, threads: int = 2) -> None:
        fd, self.log = tempfile.mkstemp(prefix="yaiba-serve-bench-", suffix=".log")
        cmd = [sys.executable, "-m", "yaiba", "serve", "--port", "0", "--workers", str(workers)]
        cmd += ["--max-posts", str(max_posts), "--max-body-bytes", str(64 * 1_048_576), "--threads", str(threads)]
        if model:
            cmd += ["--model", model]
        with os.fdopen(fd, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        found = None
        while found is None:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"yaiba serve did not start:\n{Path(self.log).read_text()}")
            found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", Path(self.log).read_text())
            time.sleep(0.1)
        self.port = int(found.group(1))

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(120)
        os.unlink(self.log)
        return code


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes) -> tuple[int, bytes]:
    writer.write(data)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
    return status, await reader.readexactly(length)


def _http(path: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _load(port: int, requests: list[bytes], concurrency: int) -> tuple[list[float], float, list[bytes]]:
    """Send every request, at most ``concurrency`` at once; latencies (s), wall seconds, bodies."""
    order = itertools.count()
    latencies = [0.0] * len(requests)
    bodies: list[bytes] = [b""] * len(requests)

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while (i := next(order)) < len(requests):
                t = time.perf_counter()
                status, body = await _request(reader, writer, requests[i])
                latencies[i] = time.perf_counter() - t
                if status != 200:
                    raise SystemExit(f"request {i}: HTTP {status}: {body[:300]!r}")
                bodies[i] = body
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - start, bodies


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = np.asarray(seconds) * 1000
    return round(float(np.percentile(ms, 50)), 3), round(float(np.percentile(ms, 99)), 3)


def main() -> int:
    p = parser(__doc__.split("\n")[0], posts=20000)
    p.add_argument("--workers", default="1", help="comma-separated server worker counts (default 1)")
    p.add_argument("--concurrency", default="1,4,16", help="requests in flight (default 1,4,16)")
    p.add_argument("--batches", default="1,64,256", help="posts per request (default 1,64,256)")
    p.add_argument(
        "--posts-per-cell", type=int, default=8192, help="posts sent per (batch, concurrency) cell (default 8192)"
    )
    p.add_argument("--max-requests", type=int, default=2000, help="at most this many requests per cell (default 2000)")
    p.add_argument("--threads", type=int, default=2, help="scoring threads per worker (default 2)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds; figures are medians (default 3)")
    args = p.parse_args()
    workers = [int(x) for x in args.workers.split(",")]
    levels = [int(x) for x in args.concurrency.split(",")]
    sizes = [int(x) for x in args.batches.split(",")]
    posts, source = load_posts(args.datasets, args.posts)
    model = yaiba.load(args.model)
    model.predict_batch(posts[:64])  # the tagger is built on first use

    plan: dict[int, list[list[str]]] = {}
    for size in sizes:
        n = max(10, min(args.max_requests, args.posts_per_cell // size))
        plan[size] = [[posts[(i * size + k) % len(posts)] for k in range(size)] for i in range(n)]

    def in_process_cell(size: int) -> dict[str, object]:
        times = []
        for batch in plan[size]:
            t = time.perf_counter()
            model.predict_batch(batch)
            times.append(time.perf_counter() - t)
        return {"latencies": times, "wall": sum(times)}

    # rounds interleave in-process and server runs of the same batches, so that load from other
    # jobs on the machine falls on both alike; each figure is the median over the rounds
    in_process_runs: dict[tuple[int, int], list[dict[str, object]]] = {}
    server_runs: dict[tuple[int, int, int], list[dict[str, object]]] = {}
    for w in workers:
        server = Server(w, args.model, max(sizes), args.threads)
        try:
            bodies = {
                size: [_http("/v1/score", json.dumps({"posts": b}, ensure_ascii=False).encode()) for b in batches]
                for size, batches in plan.items()
            }
            asyncio.run(_load(server.port, bodies[sizes[0]][:20] * w, w))  # warm up every worker
            for size in sizes:  # the server's answers are the in-process ones (checked on one request)
                _, _, answers = asyncio.run(_load(server.port, bodies[size][:1], 1))
                if [r["label"] for r in json.loads(answers[0])["results"]] != model.predict_batch(plan[size][0]).labels:
                    raise SystemExit(f"batch {size}: server labels differ from in-process labels")
            for _ in range(args.rounds):
                for size in sizes:
                    in_process_runs.setdefault((w, size), []).append(in_process_cell(size))
                    for level in levels:
                        cpu_server, cpu_client = tree_cpu(server.proc.pid), time.process_time()
                        latencies, wall, _ = asyncio.run(_load(server.port, bodies[size], level))
                        server_runs.setdefault((w, size, level), []).append(
                            {
                                "latencies": latencies,
                                "wall": wall,
                                "cpu_server": tree_cpu(server.proc.pid) - cpu_server,
                                "cpu_client": time.process_time() - cpu_client,
                                "in_process_wall": in_process_runs[w, size][-1]["wall"],
                            }
                        )
        finally:
            code = server.stop()
        if code != 0:
            raise SystemExit(f"yaiba serve exited with {code} on SIGTERM")

    # in-process figures of the rounds run beside each worker count (the ratios' reference)
    in_process: dict[str, dict[int, dict[str, object]]] = {}
    for (w, size), runs in in_process_runs.items():
        n = len(plan[size])
        p50, p99 = percentiles([t for r in runs for t in r["latencies"]])
        wall = statistics.median(float(r["wall"]) for r in runs)
        in_process.setdefault(f"workers={w}", {})[size] = {
            "calls": n,
            "runs": len(runs),
            "posts_per_s": round(size * n / wall, 1),
            "calls_per_s": round(n / wall, 1),
            "p50_ms": p50,
            "p99_ms": p99,
        }
    rows: list[dict[str, object]] = []
    for (w, size, level), runs in server_runs.items():
        n = len(plan[size])
        p50, p99 = percentiles([t for r in runs for t in r["latencies"]])
        wall = statistics.median(float(r["wall"]) for r in runs)
        ratio = statistics.median(float(r["in_process_wall"]) for r in runs) / wall
        rows.append(
            {
                "workers": w,
                "batch": size,
                "concurrency": level,
                "requests": n,
                "runs": len(runs),
                "requests_per_s": round(n / wall, 1),
                "posts_per_s": round(size * n / wall, 1),
                "p50_ms": p50,
                "p99_ms": p99,
                "ratio_to_in_process": round(ratio, 3),
                "server_cpu_seconds": round(statistics.median(float(r["cpu_server"]) for r in runs), 2),
                "client_cpu_seconds": round(statistics.median(float(r["cpu_client"]) for r in runs), 2),
            }
        )

    # one summary per worker count: 1 worker against 1 in-process core is like for like
    summary: dict[str, object] = {"targets": {"ratio_batch_ge_64": TARGET_RATIO, "single_post_p99_ms": TARGET_P99_MS}}
    for w in workers:
        mine = [r for r in rows if r["workers"] == w]
        ratios = {
            f"batch={r['batch']},concurrency={r['concurrency']}": r["ratio_to_in_process"]
            for r in mine
            if int(r["batch"]) >= 64
        }
        p99 = next((r["p99_ms"] for r in mine if r["batch"] == 1 and r["concurrency"] == 1), None)
        summary[f"workers={w}"] = {
            "ratio_batch_ge_64": ratios,
            "ratio_batch_ge_64_min": min(ratios.values()) if ratios else None,
            "single_post_p99_ms_concurrency_1": p99,
            "met_ratio": min(ratios.values()) >= TARGET_RATIO if ratios else None,
            "met_p99": p99 < TARGET_P99_MS if p99 is not None else None,
        }
    result = {
        "benchmark": "serve",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "posts": {"source": source, "n": len(posts), "mean_chars": round(float(np.mean([len(t) for t in posts])), 1)},
        "in_process": in_process,
        "server": rows,
        "summary": summary,
    }
    table: list[list[object]] = []
    for w in workers:
        for size, v in in_process[f"workers={w}"].items():
            table.append(
                [f"in-process (w={w} rounds)", size, "-", v["calls"], v["calls_per_s"], v["posts_per_s"]]
                + [v["p50_ms"], v["p99_ms"], "1.000"]
            )
        for r in rows:
            if r["workers"] == w:
                table.append(
                    [f"serve w={w}", r["batch"], r["concurrency"], r["requests"], r["requests_per_s"], r["posts_per_s"]]
                    + [r["p50_ms"], r["p99_ms"], f"{r['ratio_to_in_process']:.3f}"]
                )
    header = ["method", "batch", "conc.", "requests", "req/s", "posts/s", "p50 ms", "p99 ms", "ratio"]
    emit(result, table, header, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
