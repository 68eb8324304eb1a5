"""yaiba.cross_validate: stratified folds, fixed seeds, per-fold and mean metrics, out-of-fold scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import StratifiedKFold

import yaiba

FAST = {"n_features": 2**16, "calibrate": False}


@pytest.fixture(scope="module")
def sample(corpus):
    """120 corpus rows, 40 per label."""
    return pd.concat([g.iloc[:40] for _, g in corpus.groupby("label")], ignore_index=True)


@pytest.fixture(scope="module")
def cv(sample):
    return yaiba.cross_validate(sample.text, sample.label, folds=3, kinds=sample.kind, **FAST)


def test_folds_partition_the_data_and_every_row_is_scored_once(cv, sample):
    assert [f["fold"] for f in cv.folds] == [0, 1, 2]
    assert sum(f["n_test"] for f in cv.folds) == len(sample)
    assert all(f["n_train"] + f["n_test"] == len(sample) for f in cv.folds)
    assert cv.classes == ("attack", "criticism", "neutral") and cv.positive == "attack"
    assert cv.oof_proba.shape == (len(sample), 3)
    np.testing.assert_allclose(cv.oof_proba.sum(axis=1), 1.0, atol=1e-5)
    assert cv.labels.tolist() == sample.label.tolist()  # input order kept


def test_mean_and_std_are_over_the_folds(cv):
    for key in ("macro_f1", "accuracy", "f1_attack", "f1_criticism", "f1_neutral", "roc_auc", "pr_auc"):
        values = [f[key] for f in cv.folds]
        assert all(0.0 <= v <= 1.0 for v in values)
        assert cv.mean[key] == pytest.approx(np.mean(values))
        assert cv.std[key] == pytest.approx(np.std(values, ddof=1))
    assert "kind_accuracy" in cv.mean
    assert cv.pooled["n"] == len(cv.labels)
    text = str(cv)
    assert "mean" in text and "macro_f1" in text and len(text.splitlines()) == 1 + 3 + 2


def test_out_of_fold_scores_come_from_a_model_that_never_saw_the_row(cv, sample):
    """Rebuild fold 0 by hand: the same seed gives the same split, and the model trained on the
    other folds gives exactly the recorded out-of-fold probabilities."""
    y = sample.label.to_numpy()
    train_idx, test_idx = next(StratifiedKFold(3, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
    assert cv.folds[0]["n_test"] == len(test_idx)
    model = yaiba.train(sample.text.iloc[train_idx], y[train_idx], **FAST)
    proba = model.predict_proba(sample.text.iloc[test_idx])
    np.testing.assert_allclose(cv.oof_proba[test_idx], proba, atol=1e-6)


def test_same_seed_same_result_other_seed_other_folds(cv, sample):
    again = yaiba.cross_validate(sample.text, sample.label, folds=3, kinds=sample.kind, **FAST)
    np.testing.assert_array_equal(again.oof_proba, cv.oof_proba)
    assert again.folds == cv.folds
    other = yaiba.cross_validate(sample.text, sample.label, folds=3, random_state=1, **FAST)
    assert not np.array_equal(other.oof_proba, cv.oof_proba)


def test_threshold_from_out_of_fold_scores(cv):
    choice = cv.threshold_for_precision(0.8)
    score = cv.oof_proba[:, 0]
    truth = cv.labels == "attack"
    if choice.reached:
        flagged = score >= choice.threshold
        assert truth[flagged].mean() >= 0.8 and choice.flagged == flagged.sum()
    else:
        assert all(truth[score >= t].mean() < 0.8 for t in np.unique(score))


def test_too_few_rows_of_a_class_is_named(sample):
    texts = list(sample.text[:10])
    labels = ["attack"] * 8 + ["neutral"] * 2
    with pytest.raises(ValueError, match="class 'neutral' has 2 row"):
        yaiba.cross_validate(texts, labels, folds=3, **FAST)
    with pytest.raises(ValueError, match="folds must be an integer >= 2"):
        yaiba.cross_validate(texts, labels, folds=1, **FAST)
    with pytest.raises(ValueError, match="one class"):
        yaiba.cross_validate(texts, ["attack"] * 10, folds=3, **FAST)
    with pytest.raises(ValueError, match="got 10 texts but 9 labels"):
        yaiba.cross_validate(texts, labels[:9], folds=3, **FAST)
