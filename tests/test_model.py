"""yaiba.model: the public Python API named in the core issue: load, predict, predict_proba, score, explain, train, save."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import yaiba

ATTACK = "お前みたいなクズは生きてる価値ない、さっさと死ね"
PRAISE = "駅前のパン屋さん、店員さんがいつも丁寧で本当にありがたい"
POSTS = [ATTACK, PRAISE, "新作のゲーム、ロードが長すぎて返金してほしい", "", "   "]


def test_default_model_loads_with_attack_class():
    clf = yaiba.load()
    assert isinstance(clf.classes_, tuple)
    assert "attack" in clf.classes_
    assert all(isinstance(c, str) for c in clf.classes_)


def test_default_model_load_and_score_use_no_network_and_write_nothing(tmp_path):
    """Audit hooks see every file opened for writing and every socket, from load to score."""
    script = r"""
import os, sys, json
import yaiba
events = []
def hook(event, args):
    if event.startswith("socket."):
        events.append(event)
    elif event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        if writing:
            events.append(f"open {path} {mode} {flags}")
sys.addaudithook(hook)
clf = yaiba.load()
p = clf.score(["テスト投稿です", "お前なんか消えろ"])
print(json.dumps({"events": events, "n": len(p)}))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"events": [], "n": 2}


def test_outputs_have_documented_types_and_shapes(small_model):
    proba = small_model.predict_proba(POSTS)
    assert proba.shape == (len(POSTS), len(small_model.classes_))
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    labels = small_model.predict(POSTS)
    assert isinstance(labels, list) and len(labels) == len(POSTS)
    assert set(labels) <= set(small_model.classes_)
    score = small_model.score(POSTS)
    assert score.dtype == np.float32 and score.shape == (len(POSTS),)
    np.testing.assert_array_equal(score, proba[:, small_model.classes_.index("attack")])


def test_blunt_attack_scores_above_praise(small_model):
    attack, praise = small_model.score([ATTACK, PRAISE])
    assert attack > 0.5 > praise


@pytest.mark.parametrize(
    "make",
    [list, tuple, pd.Series, lambda xs: (x for x in xs), lambda xs: np.array(xs, dtype=object)],
    ids=["list", "tuple", "series", "generator", "ndarray"],
)
def test_any_iterable_of_str(small_model, make):
    expected = small_model.score(list(POSTS))
    np.testing.assert_array_equal(small_model.score(make(POSTS)), expected)


def test_one_output_per_input_in_order_whatever_the_batch(small_model, corpus):
    texts = list(corpus.text[:257])
    whole = small_model.score(texts)
    chunked = small_model.score(texts, batch_size=16)
    alone = np.array([small_model.score([t])[0] for t in texts[:40]])
    assert len(whole) == len(texts)
    np.testing.assert_array_equal(whole, chunked)
    np.testing.assert_array_equal(whole[:40], alone)
    np.testing.assert_array_equal(small_model.score(texts[::-1]), whole[::-1])


@pytest.mark.parametrize("bad", [None, float("nan"), 3, b"bytes"], ids=["None", "NaN", "int", "bytes"])
def test_non_string_element_raises_type_error_naming_its_index(small_model, bad):
    posts = ["普通の投稿", "もう一つ", bad]
    for call in (small_model.score, small_model.predict, small_model.predict_proba):
        with pytest.raises(TypeError, match=r"texts\[2\]"):
            call(posts)


def test_index_in_error_counts_across_batches_of_a_generator(small_model):
    posts = (t for t in ["a", "b", "c", "d", "e", None, "g"])
    with pytest.raises(TypeError, match=r"texts\[5\]"):
        small_model.score(posts, batch_size=2)


def test_a_bare_string_is_refused(small_model):
    with pytest.raises(TypeError, match="single str"):
        small_model.score(ATTACK)


def test_explain_lists_only_evidence_with_a_visible_positive_weight(small_model):
    # found by benchmarks/fuzz.py: an n-gram pushing by less than 0.00005 was listed with
    # weight 0.0 (weights are rounded for display) among the evidence
    faint = copy.deepcopy(small_model)
    faint.estimator.weights_ = small_model.estimator.weights_ * np.float32(1e-6)
    exp = faint.explain("お前みたいなクズは消えろ", top=50)
    assert all(e.weight > 0 for e in exp.evidence)
    assert all(e.weight > 0 for e in small_model.explain("お前みたいなクズは消えろ", top=50).evidence)


def test_empty_and_whitespace_posts_are_valid_and_score_low(small_model):
    scores = small_model.score(["", " ", "\n\t　", "\u200b"])
    assert np.all(scores < 0.1)
    assert small_model.predict([""]) == ["neutral"]


def test_explain_names_ngrams_with_spans_into_the_original_text(small_model):
    text = "ｵﾏｴ、マジでクズだな。死ね"  # half-width katakana: normalisation changes offsets
    exp = small_model.explain(text, top=5)
    assert exp.label == small_model.predict([text])[0]
    assert 0 < len(exp.evidence) <= 5
    weights = [e.weight for e in exp.evidence]
    assert weights == sorted(weights, reverse=True) and weights[0] > 0
    for e in exp.evidence:
        for a, b in e.spans:
            assert 0 <= a < b <= len(text)
    assert "オマエ" in {text[a:b].replace("ｵﾏｴ", "オマエ") for e in exp.evidence for a, b in e.spans} or all(
        text[a:b] for e in exp.evidence for a, b in e.spans
    )
    assert exp.label in str(exp)
    assert json.dumps(exp.to_dict(), ensure_ascii=False)


def test_explain_maps_width_variants_back_to_original_characters(small_model):
    text = "ｸｽﾞ"
    exp = small_model.explain(text, top=50, label="attack")
    spans = {text[a:b] for e in exp.evidence for a, b in e.spans if e.ngram == "クズ"}
    assert spans <= {"ｸｽﾞ"}  # the composed ズ came from two input characters


def test_explain_towards_a_chosen_label(small_model):
    exp = small_model.explain(PRAISE, label="attack")
    assert exp.label == "attack"
    assert exp.probability == pytest.approx(float(small_model.score([PRAISE])[0]))
    with pytest.raises(ValueError, match="unknown label"):
        small_model.explain(PRAISE, label="spam")


def test_train_on_binary_string_labels():
    texts = ["死ね", "クズが", "消えろゴミ", "ありがとう", "いい天気", "美味しかった"] * 3
    labels = ["toxic", "toxic", "toxic", "ok", "ok", "ok"] * 3
    clf = yaiba.train(texts, labels, positive_label="toxic")
    assert clf.classes_ == ("ok", "toxic")
    assert clf.predict(["死ね"]) == ["toxic"]
    assert clf.score(["死ね"])[0] > 0.5


def test_train_on_integer_labels_gives_string_classes():
    texts = ["死ね", "クズが", "消えろゴミ", "ありがとう", "いい天気", "美味しかった"] * 3
    clf = yaiba.train(texts, [1, 1, 1, 0, 0, 0] * 3, positive_label="1")
    assert clf.classes_ == ("0", "1")
    assert clf.score(["クズが"])[0] > 0.5


def test_score_without_a_positive_label_says_so():
    clf = yaiba.train(["a", "b", "c", "d"] * 3, ["x", "y", "x", "y"] * 3)
    with pytest.raises(ValueError, match="positive label"):
        clf.score(["a"])
    assert clf.predict(["a"])[0] in ("x", "y")


def test_train_rejects_bad_labels():
    with pytest.raises(TypeError, match=r"labels\[1\]"):
        yaiba.train(["a", "b"], ["x", None])
    with pytest.raises(ValueError, match="one class"):
        yaiba.train(["a", "b"], ["x", "x"])
    with pytest.raises(ValueError, match="2 texts but 1"):
        yaiba.train(["a", "b"], ["x"])


def test_save_then_load_gives_identical_outputs(small_model, tmp_path):
    path = tmp_path / "m.npz"
    original = small_model.with_thresholds({"attack": 0.7})
    original.save(path)
    loaded = yaiba.load(path)
    assert loaded.classes_ == original.classes_
    assert loaded.kinds_ == original.kinds_
    assert loaded.thresholds == {"attack": 0.7}
    np.testing.assert_array_equal(loaded.predict_proba(POSTS), original.predict_proba(POSTS))
    assert loaded.predict(POSTS) == original.predict(POSTS)
    assert loaded.predict_kind(POSTS) == original.predict_kind(POSTS)


def test_predict_kind_only_for_attacks(small_model):
    kinds = small_model.predict_kind([ATTACK, PRAISE])
    labels = small_model.predict([ATTACK, PRAISE])
    assert labels == ["attack", "neutral"]
    assert kinds[0] in small_model.kinds_ and kinds[1] is None


def test_thresholds_change_predict_and_return_a_new_model(small_model):
    always = small_model.with_thresholds({"attack": 0.0})
    assert set(always.predict(POSTS)) == {"attack"}
    assert small_model.thresholds == {}
    never = small_model.with_thresholds({"attack": 1.0})
    assert "attack" not in never.predict([PRAISE, "駅前で迷子の犬を保護しました"])
    with pytest.raises(ValueError, match="unknown class"):
        small_model.with_thresholds({"spam": 0.5})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        small_model.with_thresholds({"attack": 1.5})


def test_the_same_input_gives_the_same_score_every_time(small_model):
    a = small_model.score(POSTS)
    b = small_model.score(list(reversed(POSTS)))[::-1]
    np.testing.assert_array_equal(a, b)


def test_predict_batch_equals_the_separate_calls(small_model, corpus):
    texts = list(corpus.text[:300]) + ["", "  "]
    proba, labels, kinds = small_model.predict_batch(texts)
    np.testing.assert_array_equal(proba, small_model.predict_proba(texts))
    assert labels == small_model.predict(texts)
    assert kinds == small_model.predict_kind(texts)
    assert {k for k, lab in zip(kinds, labels) if lab != "attack"} == {None}
    headless = yaiba.train(["死ね", "クズが", "ありがとう", "いい天気"] * 3, ["attack", "attack", "ok", "ok"] * 3)
    assert headless.predict_batch(["死ね", "ありがとう", ""])[2] == [None, None, None]
    with pytest.raises(TypeError, match=r"texts\[1\] is None"):
        small_model.predict_batch(["a", None])  # type: ignore[list-item]


# -- labels keep their type; positive_label must be one of them (issue 13 item 5) -------------

BINARY = [
    "あいつの顔見るだけで吐き気がする、消えろ",
    "部長みたいな無能は会社に来るな",
    "お前の家族ごと不幸になればいい",
    "新しいカフェのケーキが美味しかった",
    "週末は家族で公園に行きました",
    "図書館の本を返しに行かないと",
] * 3
BINARY_Y = [1, 1, 1, 0, 0, 0] * 3


def test_train_with_an_integer_positive_label():
    clf = yaiba.train(BINARY, BINARY_Y, positive_label=1, n_features=2**16)
    assert clf.positive_label == "1" and clf.classes_ == ("0", "1")
    assert clf.estimator.classes_.tolist() == [0, 1]  # the estimator keeps the ints
    p = clf.score(BINARY[:4])
    np.testing.assert_array_equal(p, clf.predict_proba(BINARY[:4])[:, clf.classes_.index("1")])
    assert p[0] > 0.5 > p[3]
    # "1" names the same class
    assert yaiba.train(BINARY, BINARY_Y, positive_label="1", n_features=2**16).positive_label == "1"


def test_train_refuses_a_positive_label_that_is_not_among_the_labels():
    with pytest.raises(ValueError, match=r"positive_label 'toxic' is not among the labels \['0', '1'\]"):
        yaiba.train(BINARY, BINARY_Y, positive_label="toxic")
    with pytest.raises(ValueError, match=r"positive_label 2 is not among the labels \['0', '1'\]"):
        yaiba.train(BINARY, BINARY_Y, positive_label=2)
    # the default "attack" applies only where the labels have it; None asks for no positive class
    assert yaiba.train(BINARY, BINARY_Y, n_features=2**16).positive_label is None
    assert yaiba.train(BINARY, BINARY_Y, positive_label=None, n_features=2**16).positive_label is None


def test_python_score_and_the_cli_give_the_probability_of_the_same_class(tmp_path):
    from yaiba.cli.main import main

    clf = yaiba.train(BINARY, BINARY_Y, positive_label=1, n_features=2**16)
    path = tmp_path / "m.npz"
    clf.save(path)
    posts = tmp_path / "posts.txt"
    posts.write_text("\n".join(BINARY[:6]) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["score", str(posts), "--model", str(path), "-o", str(out)]) == 0
    scored = pd.read_csv(out, dtype={"label": str})
    assert list(scored.columns[:4]) == ["text", "label", "p_1", "p_0"]
    np.testing.assert_allclose(scored["p_1"], clf.score(BINARY[:6]), atol=1e-6)
    assert yaiba.load(path).positive_label == "1"


def test_model_refuses_a_positive_label_its_classes_lack():
    est = yaiba.AttackClassifier(n_features=2**16).fit(BINARY, ["yes" if v else "no" for v in BINARY_Y])
    with pytest.raises(ValueError, match=r"positive_label 'toxic' is not among the labels \['no', 'yes'\]"):
        yaiba.Model(est, positive_label="toxic")
    assert yaiba.Model(est).positive_label is None  # the default "attack" only where it is a class
