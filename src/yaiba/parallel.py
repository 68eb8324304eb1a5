"""Process-parallel scoring: one model load per worker, chunks scored in input order.

fugashi holds the GIL, so threads do not help; processes do. Workers start from a
forkserver (spawn where there is none), receive the model once as safe model-file bytes in
their initializer, and score whole chunks. At most ``2 * n_workers`` chunks are in flight,
so memory stays flat on endless inputs, and results come back in input order.
"""

from __future__ import annotations

import atexit
import multiprocessing as mp
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain, islice
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .model import Model

_worker_model: Model | None = None
_pool: tuple[int, int, ProcessPoolExecutor] | None = None  # (model id, workers, executor)


def resolve_n_jobs(n_jobs: int | None) -> int:
    """None or 1: this process; -1: every core; k > 1: k processes."""
    if n_jobs is None or n_jobs == 1:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if n_jobs == -1:
        return cores
    if n_jobs < -1 or n_jobs == 0:
        raise ValueError(f"n_jobs must be None, -1 or a positive int, got {n_jobs}")
    return n_jobs


def _init_worker(blob: bytes, cache_size: int) -> None:
    global _worker_model
    from .model import load

    _worker_model = load(blob)
    if cache_size:
        _worker_model = _worker_model.with_cache(cache_size)


def _score_chunk(chunk: list[str]) -> np.ndarray:
    assert _worker_model is not None, "worker started without a model"
    return _worker_model.proba_chunk(chunk)


def _context() -> mp.context.BaseContext:
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["yaiba.model"])
        return ctx
    return mp.get_context("spawn")


def _executor(model: Model, workers: int) -> ProcessPoolExecutor:
    global _pool
    if _pool is not None and _pool[0] == id(model) and _pool[1] == workers:
        return _pool[2]
    shutdown()
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=_init_worker,
        initargs=(model.to_bytes(), model.cache_size),
    )
    _pool = (id(model), workers, executor)
    return executor


def shutdown() -> None:
    """Stop the worker processes (they are restarted on the next parallel call)."""
    global _pool
    if _pool is not None:
        _pool[2].shutdown(wait=True, cancel_futures=True)
        _pool = None


atexit.register(shutdown)


def map_chunks(model: Model, chunks: Iterable[list[str]], n_jobs: int | None = None) -> Iterator[np.ndarray]:
    """Probabilities of each chunk, in order; in this process or across ``n_jobs`` processes."""
    workers = resolve_n_jobs(n_jobs)
    it = iter(chunks)
    if workers == 1:
        yield from (model.proba_chunk(c) for c in it)
        return
    head = list(islice(it, 2))
    if len(head) < 2:  # one chunk: a pool would only add start-up time
        yield from (model.proba_chunk(c) for c in head)
        return
    executor = _executor(model, workers)
    window: deque[Future] = deque()
    for chunk in chain(head, it):
        window.append(executor.submit(_score_chunk, chunk))
        if len(window) >= 2 * workers:
            yield window.popleft().result()
    while window:
        yield window.popleft().result()
