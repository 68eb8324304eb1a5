"""Curves: the reliability diagram and the expected calibration error on known scores."""

from __future__ import annotations

import numpy as np
import pytest

from yaiba.evaluation.curves import reliability


def test_reliability_and_ece_on_known_scores():
    # bin [0.0, 0.1): 10 rows at 0.05, one positive -> |0.1 - 0.05|; bin [0.9, 1.0]: 10 rows
    # at 0.95, nine positive -> |0.9 - 0.95|; ECE = 0.5 * 0.05 + 0.5 * 0.05 = 0.05
    p = np.r_[np.full(10, 0.05), np.full(10, 0.95)]
    y = np.r_[np.arange(10) == 0, np.arange(10) != 0]
    r = reliability(y, p, bins=10)
    assert r.ece == pytest.approx(0.05)
    assert r.counts.tolist() == [10, 0, 0, 0, 0, 0, 0, 0, 0, 10]
    assert r.observed[0] == pytest.approx(0.1) and r.observed[-1] == pytest.approx(0.9)
    assert np.isnan(r.observed[1])
    assert reliability([False] * 4, [1.0] * 4, bins=5).ece == pytest.approx(1.0)  # 1.0 falls in the last bin
    assert reliability([True, False], [0.5, 0.5], bins=2).ece == pytest.approx(0.0)
    with pytest.raises(ValueError, match="probabilities"):
        reliability([True], [1.5])
