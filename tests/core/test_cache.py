"""The optional LRU cache of scores: same numbers, fewer computations, bounded size."""

from __future__ import annotations

import numpy as np
import pytest

from yaiba.core.cache import ProbaCache


def test_cached_scores_equal_uncached_ones(small_model, corpus):
    texts = list(corpus.text[:200]) * 3  # a spam wave: every post three times
    cached = small_model.with_cache(1000)
    np.testing.assert_array_equal(cached.predict_proba(texts), small_model.predict_proba(texts))
    assert cached.cache.misses == 200 and cached.cache.hits == 400
    np.testing.assert_array_equal(cached.score(texts[:10]), small_model.score(texts[:10]))


def test_posts_equal_after_normalisation_share_an_entry(small_model):
    cached = small_model.with_cache(10)
    cached.score(["ｵﾏｴ", "オマエ", "オマエ\u200b"])
    assert len(cached.cache) == 1


def test_least_recently_used_entries_are_evicted():
    cache = ProbaCache(2)
    rows = np.eye(3, dtype=np.float32)
    cache.store(["a", "b"], rows[:2])
    cache.lookup(["a"])  # a becomes most recent
    cache.store(["c"], rows[2:])
    assert [r is not None for r in cache.lookup(["a", "b", "c"])] == [True, False, True]
    with pytest.raises(ValueError):
        ProbaCache(0)


def test_cache_survives_the_trip_to_worker_processes(small_model, corpus):
    texts = list(corpus.text[:300]) * 4
    cached = small_model.with_cache(500)
    np.testing.assert_array_equal(cached.score(texts, batch_size=100, n_jobs=2), small_model.score(texts))
    assert cached.with_thresholds({"attack": 0.5}).cache.maxsize == 500
