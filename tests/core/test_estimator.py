"""The estimator inside a model is a scikit-learn estimator: clone, params, CV, grid search."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score

from yaiba import AttackClassifier


@pytest.fixture(scope="module")
def sample(corpus):
    part = corpus.iloc[::6]
    return list(part.text), list(part.label)


def small(**kw) -> AttackClassifier:
    return AttackClassifier(n_features=2**16, calibrate=False, **kw)


def test_clone_and_params_round_trip():
    est = AttackClassifier(C=2.5, char_ngrams=(2, 4))
    params = est.get_params()
    assert params["C"] == 2.5 and params["char_ngrams"] == (2, 4)
    copy = clone(est)
    assert copy is not est and copy.get_params() == params
    assert est.set_params(C=9.0) is est and est.C == 9.0


def test_unfitted_estimator_raises_not_fitted():
    with pytest.raises(NotFittedError):
        AttackClassifier().predict(["テスト"])


def test_fit_predict_and_the_model_inside(small_model):
    est = small_model.estimator
    assert isinstance(est, AttackClassifier)
    assert list(est.classes_) == list(small_model.classes_)
    np.testing.assert_array_equal(est.predict_proba(["テスト"]), small_model.predict_proba(["テスト"]))
    assert est.decision_function(["テスト"]).shape == (1, len(est.classes_))


def test_cross_val_score(sample):
    texts, labels = sample
    scores = cross_val_score(small(), texts, labels, cv=3, scoring="f1_macro")
    assert scores.shape == (3,)
    assert np.all(scores > 1 / 3)  # better than guessing among three classes


def test_grid_search(sample):
    texts, labels = sample
    search = GridSearchCV(small(), {"C": [0.5, 4.0]}, cv=2, scoring="f1_macro").fit(texts, labels)
    assert search.best_params_["C"] in (0.5, 4.0)
    assert set(search.predict(texts[:5])) <= set(labels)


def test_binary_decision_function_is_one_column(sample):
    texts, labels = sample
    y = ["attack" if y == "attack" else "other" for y in labels]
    est = small().fit(texts, y)
    assert est.decision_function(texts[:3]).shape == (3,)
    assert cross_val_score(small(), texts, y, cv=2, scoring="roc_auc").min() > 0.5


def test_fit_rejects_a_bare_string():
    with pytest.raises(TypeError, match="single str"):
        AttackClassifier().fit("テスト", ["a"])
