"""Long posts: an attack sentence is not diluted by harmless ones, and sentences are exposed."""

from __future__ import annotations

import numpy as np
import pytest

import yaiba
from yaiba.text.sentences import sentence_spans

HARMLESS = (
    "今日は朝から雨が降っていた。駅前のパン屋さんが新しくなっていた。最近は寝る前に本を読んでいる。"
    "週末は家の掃除をする予定だ。昼ごはんは近所の定食屋で食べた。電車が少し遅れていた。"
    "夜になると風が涼しい。コーヒーを淹れる練習をしている。図書館の本の返却日が近い。スーパーでみかんが安かった。"
)
ATTACK = "お前みたいな無能は黙ってろ"
CRITICISM = "この監督の采配は最悪で、説明責任を果たしていない。"


@pytest.fixture(scope="module")
def shipped() -> yaiba.Model:
    return yaiba.load()


def test_an_attack_after_ten_harmless_sentences_is_still_flagged(shipped):
    assert shipped.predict([ATTACK]) == ["attack"]
    buried = HARMLESS + ATTACK
    assert shipped.predict([buried]) == ["attack"]
    whole_only = yaiba.Model(
        shipped.estimator.set_params(sentence_margin=None), positive_label="attack", thresholds=shipped.thresholds
    )
    try:
        assert whole_only.predict([buried]) != ["attack"]  # what sentence scoring fixes
    finally:
        shipped.estimator.set_params(sentence_margin=yaiba.AttackClassifier().sentence_margin)


def test_criticism_after_harmless_sentences_is_not_made_an_attack_and_rows_sum_to_one(shipped):
    proba = shipped.predict_proba([HARMLESS + CRITICISM, HARMLESS + ATTACK])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    labels = shipped.labels_from_proba(proba)
    assert labels[0] != "attack" and labels[1] == "attack"  # only attacks are looked for sentence by sentence
    # the estimator's own path agrees with the model's batched one
    np.testing.assert_array_equal(shipped.estimator.predict_proba([HARMLESS + CRITICISM, HARMLESS + ATTACK]), proba)


def test_the_deciding_sentence_sets_p_attack_and_the_post_splits_the_rest(shipped):
    buried = HARMLESS + ATTACK
    a, b = shipped.deciding_sentence(buried)
    assert buried[a:b] == ATTACK
    assert shipped.deciding_sentence(ATTACK) is None  # one sentence: the post decides
    col = shipped.classes_.index("attack")
    # P(attack) is the sentence's, its log-odds lowered by margin / (n - 1)
    n = len(sentence_spans(buried))
    z = shipped.estimator.logits_from_matrix(shipped.features([ATTACK]))[0].astype(np.float64)
    z[col] -= shipped.estimator.sentence_margin / (n - 1)
    expected = np.exp(z - z.max())[col] / np.exp(z - z.max()).sum()
    got = shipped.predict_proba([buried])[0]
    assert got[col] == pytest.approx(expected, rel=1e-4)
    # criticism and neutral keep the whole post's proportions
    whole = shipped.estimator.proba_from_matrix(shipped.features([buried]))[0]
    rest = [i for i in range(len(got)) if i != col]
    np.testing.assert_allclose(got[rest] / got[rest].sum(), whole[rest] / whole[rest].sum(), rtol=1e-4)


def test_kind_reasons_and_explanations_point_into_the_deciding_sentence(shipped):
    buried = HARMLESS + ATTACK
    start = buried.index(ATTACK)
    assert shipped.predict_kind([buried]) == shipped.predict_kind([ATTACK])
    reason = shipped.reasons([buried])[0]
    assert reason is not None and reason.phrases
    assert all(p.start >= start and buried[p.start : p.end] == p.text for p in reason.phrases)
    evidence = shipped.explain(buried).evidence
    assert evidence and all(a >= start for e in evidence for a, _ in e.spans)


def test_sentence_scores_give_offsets_and_the_probabilities_of_each_sentence_alone(shipped):
    posts = [HARMLESS + "\n" + ATTACK, "一文だけの投稿", "", "短い。二文"]
    scores = shipped.sentence_scores(posts)
    assert len(scores) == 4 and scores[2] == []
    for post, sentences in zip(posts, scores):
        texts = [s.text for s in sentences]
        assert texts == [post[s.start : s.end] for s in sentences]
        if texts:
            alone = shipped.estimator.proba_from_matrix(shipped.features(texts))
            for s, row in zip(sentences, alone):
                assert list(s.proba) == list(shipped.classes_)
                np.testing.assert_allclose(list(s.proba.values()), row, rtol=1e-5, atol=1e-7)
    assert scores[0][-1].text == ATTACK and scores[0][-1].proba["attack"] > 0.5
    assert [s.text for s in scores[3]] == ["短い。", "二文"]


def test_the_cache_tells_apart_posts_that_differ_only_in_line_breaks(shipped):
    one_line = HARMLESS.replace("。", "、") + ATTACK
    lines = HARMLESS.replace("。", "\n") + ATTACK  # the same after normalisation, but 11 sentences
    cached = shipped.with_cache(16)
    for _ in range(2):
        np.testing.assert_array_equal(cached.predict_proba([lines, one_line]), shipped.predict_proba([lines, one_line]))


def test_a_model_file_keeps_a_sentence_margin_other_than_the_default(small_model, tmp_path):
    est = small_model.estimator
    old = est.sentence_margin
    try:
        for margin in (None, 2.5):
            est.set_params(sentence_margin=margin)
            small_model.save(tmp_path / "m.npz")
            assert yaiba.load(tmp_path / "m.npz").estimator.sentence_margin == margin
    finally:
        est.set_params(sentence_margin=old)


def test_one_pass_gives_the_same_predictions_and_sentences_as_the_two_calls(shipped):
    posts = [HARMLESS + ATTACK, "短い。二文", "", "一文だけ", HARMLESS.replace("。", "\n") + CRITICISM]
    for model in (shipped, shipped.with_cache(8)):
        pred, sentences = model.predict_batch_with_sentences(posts)
        want = model.predict_batch(posts)
        np.testing.assert_array_equal(pred.proba, want.proba)
        assert pred.labels == want.labels and pred.kinds == want.kinds
        assert sentences == model.sentence_scores(posts)
    batched = list(shipped.predict_batches_with_sentences(posts * 3, batch_size=4, n_jobs=2))
    assert sum(len(s) for _, s in batched) == 15
    np.testing.assert_array_equal(np.vstack([p.proba for p, _ in batched]), shipped.predict_proba(posts * 3))
