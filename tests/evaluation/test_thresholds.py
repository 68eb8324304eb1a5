"""Thresholds for a target precision, on synthetic scores whose right answer is worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yaiba
from yaiba.evaluation.thresholds import precision_recall_by_threshold, threshold_for_precision

# scores 1.0, 0.9, ..., 0.1 with truth 1 1 1 0 1 0 0 1 0 0 (5 positives). Flagging score >= t:
#   t    1.0  0.9  0.8  0.7  0.6  0.5  0.4  0.3  0.2  0.1
#   TP   1    2    3    3    4    4    4    5    5    5
#   prec 1    1    1   .75  .8  .667 .571 .625 .556 .5
SCORES = np.round(np.arange(10, 0, -1) / 10, 1)
TRUTH = np.array([1, 1, 1, 0, 1, 0, 0, 1, 0, 0], dtype=bool)


@pytest.mark.parametrize(
    ("target", "threshold", "precision", "recall", "flagged"),
    [
        (1.0, 0.8, 1.0, 0.6, 3),  # the lowest threshold with no false positive
        (0.8, 0.6, 0.8, 0.8, 5),  # 0.7 misses (0.75) but the smaller 0.6 reaches 0.8 again
        (0.76, 0.6, 0.8, 0.8, 5),
        (0.6, 0.3, 0.625, 1.0, 8),  # full recall before precision drops to 0.556
        (0.5, 0.1, 0.5, 1.0, 10),  # the prevalence: flag everything
    ],
)
def test_smallest_threshold_reaching_the_target(target, threshold, precision, recall, flagged):
    choice = threshold_for_precision(TRUTH, SCORES, target)
    assert choice.reached
    assert choice.threshold == pytest.approx(threshold)
    assert choice.precision == pytest.approx(precision)
    assert choice.recall == pytest.approx(recall)
    assert choice.flagged == flagged
    assert (choice.positives, choice.n) == (5, 10)


def test_order_of_rows_does_not_matter():
    perm = np.random.default_rng(0).permutation(10)
    choice = threshold_for_precision(TRUTH[perm], SCORES[perm], 0.8)
    assert choice.threshold == pytest.approx(0.6) and choice.recall == pytest.approx(0.8)


def test_tied_scores_are_flagged_together():
    # three rows tie at 0.7 (one positive): the threshold 0.7 flags all three or none
    scores = np.array([0.9, 0.7, 0.7, 0.7, 0.2])
    truth = np.array([1, 1, 0, 0, 1], dtype=bool)
    assert threshold_for_precision(truth, scores, 0.9).threshold == pytest.approx(0.9)
    choice = threshold_for_precision(truth, scores, 0.5)  # 2/4 at 0.7, 3/5 at 0.2
    assert choice.threshold == pytest.approx(0.2) and choice.flagged == 5


def test_unreachable_target_says_so_and_names_the_best():
    scores = np.array([0.9, 0.8, 0.3, 0.1])
    truth = np.array([0, 0, 1, 0], dtype=bool)  # precision at 0.9, 0.8, 0.3, 0.1: 0, 0, 1/3, 1/4
    choice = threshold_for_precision(truth, scores, 0.5)
    assert not choice.reached and choice.threshold is None and choice.flagged == 0
    assert choice.best_precision == pytest.approx(1 / 3) and choice.best_threshold == pytest.approx(0.3)
    assert "NOT REACHED" in str(choice) and "0.333" in str(choice)
    assert choice.to_dict()["precision"] is None  # JSON-ready, no NaN


def test_curve_matches_a_brute_force_count():
    curve = precision_recall_by_threshold(TRUTH, SCORES)
    for t, p, r, f in zip(curve["threshold"], curve["precision"], curve["recall"], curve["flagged"]):
        flag = t <= SCORES
        assert f == flag.sum()
        assert p == pytest.approx(TRUTH[flag].mean())
        assert r == pytest.approx(TRUTH[flag].sum() / TRUTH.sum())


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 20), st.booleans()), min_size=1, max_size=40),
    st.floats(0.05, 1.0),
)
def test_choice_agrees_with_brute_force(rows, target):
    scores = np.array([s / 20 for s, _ in rows])
    truth = np.array([y for _, y in rows], dtype=bool)
    if not truth.any():
        with pytest.raises(ValueError, match="no positive"):
            threshold_for_precision(truth, scores, target)
        return
    ok = [t for t in np.unique(scores) if truth[scores >= t].mean() >= target - 1e-12]
    choice = threshold_for_precision(truth, scores, target)
    if not ok:
        assert not choice.reached
    else:
        assert choice.reached and choice.threshold == pytest.approx(min(ok))
        flag = scores >= choice.threshold
        assert choice.precision == pytest.approx(truth[flag].mean())
        assert choice.recall == pytest.approx(truth[flag].sum() / truth.sum())


@pytest.mark.parametrize(
    ("truth", "scores", "target", "message"),
    [
        ([True, False], [0.5], 0.9, "equal length"),
        ([True, False], [0.5, float("nan")], 0.9, r"scores\[1\] is nan"),
        ([True, False], [0.5, 0.1], 0.0, r"target precision must be in \(0, 1\]"),
        ([True, False], [0.5, 0.1], 1.5, r"target precision must be in \(0, 1\]"),
        ([False, False], [0.5, 0.1], 0.9, "no positive rows"),
        (["a", "b"], [0.5, 0.1], 0.9, "boolean"),
        ([], [], 0.9, "no rows"),
    ],
)
def test_bad_input_is_named(truth, scores, target, message):
    with pytest.raises(ValueError, match=message):
        threshold_for_precision(truth, scores, target)


def test_model_with_the_threshold_predicts_what_the_choice_promised(small_model, corpus):
    """The threshold found on P(attack) gives, through Model.with_thresholds and predict, the
    precision and recall the choice reported (same >= convention end to end)."""
    sample = corpus.iloc[::7]
    report = yaiba.evaluate(small_model, sample.text, sample.label, target_precision=0.95, worst=0)
    choice = report.threshold
    assert choice.reached
    predicted = np.array(small_model.with_thresholds({"attack": choice.threshold}).predict(list(sample.text)))
    truth = sample.label.to_numpy() == "attack"
    flagged = predicted == "attack"
    assert flagged.sum() == choice.flagged
    assert truth[flagged].mean() == pytest.approx(choice.precision)
    assert truth[flagged].sum() / truth.sum() == pytest.approx(choice.recall)
