"""Process-parallel scoring: one model load per worker, batches scored in input order.

fugashi holds the GIL, so threads do not help; processes do. Workers start from a
forkserver (spawn where there is none), receive the model once in their initializer (a
:class:`yaiba.Model` pickles as safe model-file bytes), and run ``work(model, batch)`` on
whole batches. At most ``2 * n_workers`` batches are in flight, so memory stays flat on
endless inputs, and results come back in input order.

One pool is kept between calls for the model that used it last. It holds a reference to
that model (an ``id()`` alone can be reused by a later model, which would then be scored
with the old weights), and a pool in use by one thread is never shut down by another: a
call that finds it busy with a different model gets a private pool for its duration.
"""

from __future__ import annotations

import atexit
import multiprocessing as mp
import multiprocessing.util
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any, TypeVar

R = TypeVar("R")
Work = Callable[[Any, list[str]], R]
"""A module-level function ``work(model, batch)``: picklable by reference for the workers."""

_worker_model: Any = None


@dataclass
class _Pool:
    model: Any  # a strong reference: the pool's workers hold this model's weights
    workers: int
    executor: ProcessPoolExecutor
    users: int = 0


_pool: _Pool | None = None  # the shared pool, kept between calls
_lock = threading.Lock()
_forked = False  # set in a child made by os.fork() (e.g. multiprocessing "fork")


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


def _init_worker(model: Any) -> None:
    global _worker_model
    _worker_model = model


def _run(work: Work[R], batch: list[str]) -> R:
    if _worker_model is None:
        raise RuntimeError("worker started without a model")
    return work(_worker_model, batch)


def _context() -> mp.context.BaseContext:
    # a forked child cannot use the forkserver its parent started: spawn there
    if "forkserver" in mp.get_all_start_methods() and not _forked:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["yaiba.model"])
        return ctx
    return mp.get_context("spawn")


def _new_executor(model: Any, workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=_init_worker,
        initargs=(model,),
    )


@contextmanager
def _borrow(model: Any, workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool whose workers hold ``model``: the shared one if free or already ``model``'s."""
    global _pool
    with _lock:
        pool = _pool
        if pool is None or not (pool.model is model and pool.workers == workers):
            if pool is not None and pool.users == 0:
                pool.executor.shutdown(wait=True, cancel_futures=True)
                _pool = pool = None
            if pool is None:
                _pool = pool = _Pool(model, workers, _new_executor(model, workers))
                _shutdown_at_exit()
            else:  # busy with another model in another thread
                pool = None
        if pool is not None:
            pool.users += 1
    if pool is None:
        private = _new_executor(model, workers)
        try:
            yield private
        finally:
            private.shutdown(wait=True, cancel_futures=True)
        return
    try:
        yield pool.executor
    finally:
        with _lock:
            pool.users -= 1


def shutdown() -> None:
    """Stop the worker processes (they are restarted on the next parallel call)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.executor.shutdown(wait=True, cancel_futures=True)


def _shutdown_at_exit() -> None:
    # a multiprocessing child exits through multiprocessing's finalizers, not atexit, and
    # joins its children first: without this it would wait forever for the pool's workers
    global _finalizer_pid
    if _finalizer_pid != os.getpid():
        mp.util.Finalize(None, shutdown, exitpriority=100)
        _finalizer_pid = os.getpid()


def _forget_pool_after_fork() -> None:
    # a forked child inherits the parent's pool object but not its workers or threads
    global _pool, _lock, _forked
    _pool, _lock, _forked = None, threading.Lock(), True


_finalizer_pid: int | None = None
atexit.register(shutdown)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def map_batches(model: Any, work: Work[R], batches: Iterable[list[str]], n_jobs: int | None = None) -> Iterator[R]:
    """``work(model, batch)`` of each batch, in order; in this process or across ``n_jobs`` processes."""
    workers = resolve_n_jobs(n_jobs)
    it = iter(batches)
    if workers == 1:
        yield from (work(model, b) for b in it)
        return
    head = list(islice(it, 2))
    if len(head) < 2:  # one batch: a pool would only add start-up time
        yield from (work(model, b) for b in head)
        return
    with _borrow(model, workers) as executor:
        window: deque[Future[R]] = deque()
        for batch in chain(head, it):
            window.append(executor.submit(_run, work, batch))
            if len(window) >= 2 * workers:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()
