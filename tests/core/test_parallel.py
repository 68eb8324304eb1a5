"""Scoring across processes and threads gives what sequential scoring gives, in order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from yaiba.core import parallel


def test_process_parallel_equals_sequential(small_model, corpus):
    texts = list(corpus.text) * 2
    sequential = small_model.score(texts, batch_size=300)
    parallel_ = small_model.score(texts, batch_size=300, n_jobs=2)
    np.testing.assert_array_equal(parallel_, sequential)
    again = small_model.predict_proba(texts[:1000], batch_size=100, n_jobs=-1)
    np.testing.assert_array_equal(again, small_model.predict_proba(texts[:1000]))
    parallel.shutdown()


def test_threads_equal_sequential(small_model, corpus):
    texts = list(corpus.text[:600])
    expected = small_model.score(texts)
    parts = [texts[i::4] for i in range(4)]
    with ThreadPoolExecutor(4) as ex:
        results = list(ex.map(lambda p: small_model.score(p, batch_size=37), parts * 3))
    for i, got in enumerate(results):
        np.testing.assert_array_equal(got, expected[i % 4 :: 4])


def test_n_jobs_validation():
    assert parallel.resolve_n_jobs(None) == 1
    assert parallel.resolve_n_jobs(-1) >= 1
    for bad in (0, -2):
        try:
            parallel.resolve_n_jobs(bad)
        except ValueError as exc:
            assert "n_jobs" in str(exc)
        else:
            raise AssertionError(f"n_jobs={bad} accepted")


# -- user code calling yaiba from several threads and processes ------------------------------

ODD = ["", "   ", "\ud800", "し\u200bね", "ｼﾈ", "Ａ\u0301", "👨\u200d👩\u200d👧" * 30, "あ" * 5000]


@pytest.mark.parametrize("cache", [0, 16], ids=["no-cache", "small-lru-cache"])
def test_thread_pool_hammering_score_explain_and_predict_proba(small_model, corpus, cache):
    """Six threads score, explain and predict at once; a tiny shared LRU cache evicts all the time."""
    texts = list(corpus.text[:48]) + ODD
    model = small_model.with_cache(cache) if cache else small_model  # expected: the plain model
    score = small_model.score(texts)
    proba = small_model.predict_proba(texts)
    explained = {i: small_model.explain(texts[i]) for i in range(0, len(texts), 4)}
    tasks = []
    for _ in range(3):
        for i in explained:
            tasks.append(("explain", i))
        for k in range(0, len(texts), 7):
            tasks.append(("score", k))
            tasks.append(("proba", k))
    rng = np.random.default_rng(0)
    rng.shuffle(tasks)

    def run(task):
        what, i = task
        if what == "explain":
            return model.explain(texts[i])
        if what == "score":
            return model.score(texts[i : i + 7], batch_size=3)
        return model.predict_proba(texts[i : i + 7], batch_size=2)

    with ThreadPoolExecutor(6) as ex:
        results = list(ex.map(run, tasks))
    for (what, i), got in zip(tasks, results):
        if what == "explain":
            assert got == explained[i]
        elif what == "score":
            np.testing.assert_array_equal(got, score[i : i + 7])
        else:
            np.testing.assert_array_equal(got, proba[i : i + 7])


def _load_and_score(args):
    path, texts = args
    import yaiba

    return yaiba.load(path).score(texts)


def test_spawned_user_processes_each_loading_the_model(model_path, small_model, corpus):
    import multiprocessing as mp

    texts = list(corpus.text[:200]) + ODD
    parts = [texts[i::3] for i in range(3)]
    with mp.get_context("spawn").Pool(2) as pool:
        results = pool.map(_load_and_score, [(str(model_path), p) for p in parts])
    for part, got in zip(parts, results):
        np.testing.assert_array_equal(got, small_model.score(part))


def _score_in_forked_child(model, texts, n_jobs, queue):
    queue.put(model.score(texts, batch_size=50, n_jobs=n_jobs))


def test_forked_user_processes_score_like_the_parent(small_model, corpus):
    """fork() copies the parent's tagger and process pool; the child must build its own."""
    import multiprocessing as mp

    texts = list(corpus.text[:300]) + ODD
    expected = small_model.score(texts, batch_size=50, n_jobs=2)  # the parent now has a pool
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    children = [ctx.Process(target=_score_in_forked_child, args=(small_model, texts, n, queue)) for n in (None, 2)]
    for c in children:
        c.start()
    results = [queue.get(timeout=120) for _ in children]
    for c in children:
        c.join(timeout=60)
        assert c.exitcode == 0  # a child that keeps a pool must still exit
    for got in results:
        np.testing.assert_array_equal(got, expected)
    parallel.shutdown()


def test_process_pools_never_mix_up_models(small_model, corpus):
    """A pool belongs to one model: a later model (even one that reuses a dead model's id())
    and a model scored concurrently from another thread get their own weights."""
    import yaiba

    other = yaiba.load()
    texts = list(corpus.text[:120])
    want = {"small": small_model.score(texts), "other": other.score(texts)}
    models = {"small": small_model, "other": other}
    # temporaries of the same type freed one after another: CPython reuses their id()
    for name in ("small", "other", "small"):
        got = models[name].with_thresholds({"attack": 0.5}).score(texts, batch_size=30, n_jobs=2)
        np.testing.assert_array_equal(got, want[name])
    with ThreadPoolExecutor(2) as ex:
        results = list(ex.map(lambda n: (n, models[n].score(texts, batch_size=30, n_jobs=2)), ["small", "other"] * 2))
    for name, got in results:
        np.testing.assert_array_equal(got, want[name])
    parallel.shutdown()
