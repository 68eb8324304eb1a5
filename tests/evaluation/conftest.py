"""Fixtures of the evaluation tests: a noisy sample of the corpus and its evaluation report."""

from __future__ import annotations

import pandas as pd
import pytest

import yaiba


@pytest.fixture(scope="module")
def noisy(corpus):
    """90 corpus rows (30 per label) with the labels of 12 rows rotated, so the model (trained
    on the corpus) makes confident 'errors' on exactly those rows and few others."""
    sample = pd.concat([g.iloc[:30] for _, g in corpus.groupby("label")], ignore_index=True)
    labels = sample.label.tolist()
    rotate = {"attack": "criticism", "criticism": "neutral", "neutral": "attack"}
    flipped = list(range(0, 90, 8))[:12]
    for i in flipped:
        labels[i] = rotate[labels[i]]
    return sample.text.tolist(), labels, flipped


@pytest.fixture(scope="module")
def report(small_model, noisy):
    texts, labels, _ = noisy
    return yaiba.evaluate(small_model, texts, labels, target_precision=0.9, worst=5)
