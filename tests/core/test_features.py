"""Hashed features: independent of the batch, explainable, views that can be turned off."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yaiba.core.features import Featurizer

posts = st.text(st.sampled_from("あいうかきくアイウ死ね殺すお前クズ 、。！w草😡ａｂ1"), max_size=30)


@given(st.lists(posts, min_size=1, max_size=6), st.integers(0, 5))
@settings(max_examples=100, deadline=None)
def test_a_row_does_not_depend_on_its_neighbours(texts, k):
    k = k % len(texts)
    f = Featurizer(n_features=2**12)
    together = f.transform(texts)[k]
    alone = f.transform([texts[k]])
    assert (together != alone).nnz == 0


def test_describe_lists_the_same_columns_and_values_as_transform():
    f = Featurizer(n_features=2**14)
    text = "お前マジでクズ、ほんとに消えろｗｗ"
    row = f.transform([text])
    described = Counter()
    for occ in f.describe(text):
        described[occ["column"]] += occ["value"]
    dense = row.toarray()[0]
    assert set(described) == set(np.flatnonzero(dense))
    for col, value in described.items():
        assert dense[col] == pytest.approx(value, rel=1e-5)


def test_views_can_be_turned_off_and_bad_settings_are_refused():
    text = ["テスト投稿"]
    both = Featurizer(n_features=2**12).transform(text).nnz
    words = Featurizer(n_features=2**12, char_ngrams=(0, 0)).transform(text).nnz
    chars = Featurizer(n_features=2**12, word_ngrams=(0, 0)).transform(text).nnz
    assert 0 < words < both and 0 < chars < both and words + chars == both
    with pytest.raises(ValueError, match="power of two"):
        Featurizer(n_features=1000)
    with pytest.raises(ValueError, match="char_ngrams"):
        Featurizer(char_ngrams=(3, 2))
