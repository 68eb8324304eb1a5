"""Scoring across processes and threads gives what sequential scoring gives, in order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from yaiba import parallel


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
