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


# -- labels keep their type (issue 13 item 5) -------------------------------------------------

NAMES = ("田中", "佐藤", "鈴木", "高橋", "山本", "伊藤")
INSULTS = ("クズ", "役立たず", "ゴミ", "無能")
ENDINGS = ("さっさと消えろ", "二度と顔を出すな", "生きてる価値ない", "口を開くな")
THANKS = ("資料の共有", "丁寧な説明", "昨日の差し入れ", "会議の準備")


def binary_posts() -> tuple[list[str], list[int]]:
    """48 original posts: attacks on a person (1) and thanks to a person (0)."""
    texts, y = [], []
    for i, name in enumerate(NAMES):
        for j, insult in enumerate(INSULTS):
            texts.append(f"{name}みたいな{insult}は{ENDINGS[(i + j) % len(ENDINGS)]}")
            y.append(1)
        for thing in THANKS:
            texts.append(f"{name}さん、{thing}ありがとうございました")
            y.append(0)
    return texts, y


@pytest.mark.parametrize("scoring", ["f1", "accuracy", "average_precision"])
def test_grid_search_with_integer_labels_scores_and_predicts_ints(scoring):
    """0/1 labels stay ints: scikit-learn's scorers compare predictions and classes_ with y
    (they failed or gave nan when the estimator turned the labels into "0"/"1")."""
    texts, y = binary_posts()
    search = GridSearchCV(small(), {"C": [0.5, 4.0]}, cv=3, scoring=scoring).fit(texts, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and np.all((scores >= 0) & (scores <= 1))
    assert search.best_estimator_.classes_.tolist() == [0, 1]
    pred = search.predict(texts[:8])
    assert pred.dtype.kind == "i" and set(pred.tolist()) <= {0, 1}


@pytest.mark.parametrize(
    ("labels", "kind", "python_type"),
    [
        ([1, 0], "i", int),
        (np.array([1, 0], dtype=np.int32), "i", int),
        ([True, False], "b", bool),
        (["yes", "no"], "U", str),
    ],
)
def test_classes_and_predictions_keep_the_type_of_y(labels, kind, python_type):
    texts, y = binary_posts()
    mapped = [labels[0] if v else labels[1] for v in y]
    est = small().fit(texts, mapped)
    assert est.classes_.dtype.kind == kind
    assert all(type(c) is python_type for c in est.classes_.tolist())
    pred = est.predict(texts[:4])
    assert pred.dtype.kind == kind and pred.tolist() == [mapped[i] for i in range(4)]
    # an empty post goes to the non-attack class, of the same type
    assert est.predict([""]).tolist() == [labels[1] if kind != "U" else "no"]


def test_labels_of_mixed_types_are_refused():
    texts, _ = binary_posts()
    with pytest.raises(TypeError, match=r"mix label types: int \(y\[0\]\), str \(y\[1\]\)"):
        small().fit(texts[:4], [0, "1", 0, 1])
    with pytest.raises(TypeError, match="mix label types"):
        small().fit(texts[:4], [True, 1, False, 0])
    with pytest.raises(TypeError, match=r"y\[2\] is float"):
        small().fit(texts[:4], [0, 1, 0.5, 1])
