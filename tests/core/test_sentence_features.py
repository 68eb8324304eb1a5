"""Sentence rows cut out of one featurisation pass equal the sentences featurised alone."""

from __future__ import annotations

import numpy as np
import pytest

from yaiba.core.features import Featurizer
from yaiba.text.sentences import sentence_spans

POSTS = [
    "この采配は最悪。説明してほしい\n「死ね。」と言われた。お前はバカだ！！",
    "一文だけ",
    "天気がいい。散歩した。 お前はクズ。",
    "",
    "今日は雨。\n\nお前は本当にクズだな。消えろ",
    "二つ目まで。それだけ",
    "ｼﾈ。ｼﾈ。ｼﾈ",  # normalisation joins across nothing here: still lines up
    "かわいい(*´З`)！\n\n顔文字は(｡･Д･｡)ﾉ←これ？ 本当に？",
]


@pytest.fixture(scope="module")
def featurizer() -> Featurizer:
    from yaiba.text.lexicon import default_lexicon

    return Featurizer(n_features=2**16, lexicon=default_lexicon(), normalizer=2)


def test_the_posts_matrix_is_the_plain_transform(featurizer):
    got = featurizer.transform_sentences(POSTS).posts.tocsr()
    want = featurizer.transform(POSTS)
    got.sum_duplicates()
    want.sum_duplicates()
    assert (got != want).nnz == 0


def test_each_sentence_row_equals_the_sentence_featurised_alone(featurizer):
    sf = featurizer.transform_sentences(POSTS, spans=True, min_sentences=2)
    assert len(sf.owner) == len(sf.spans) == sf.sentences.shape[0] > 0
    texts = [POSTS[i][a:b] for i, (a, b) in zip(sf.owner, sf.spans)]
    alone = featurizer.transform(texts).toarray()
    rows = sf.sentences.tocsr().toarray()
    np.testing.assert_allclose(rows, alone, rtol=1e-6, atol=1e-7)


def test_rows_come_post_by_post_in_text_order_for_posts_with_enough_sentences(featurizer):
    sf = featurizer.transform_sentences(POSTS, spans=True, min_sentences=3)
    expected = [(i, span) for i, p in enumerate(POSTS) if len(sentence_spans(p)) >= 3 for span in sentence_spans(p)]
    assert list(zip(sf.owner.tolist(), sf.spans)) == expected
    assert 5 not in sf.owner  # two sentences: below min_sentences
    # without spans=True the rows are the same, only their offsets are left out
    quick = featurizer.transform_sentences(POSTS, min_sentences=3)
    assert quick.spans == [] and np.array_equal(quick.owner, sf.owner)
    assert (quick.sentences.tocsr() != sf.sentences.tocsr()).nnz == 0


def test_a_post_whose_sentences_normalise_differently_is_featurised_sentence_by_sentence(featurizer):
    # the ｡ of a kaomoji split by sentence ends: its pieces normalise differently from the whole
    post = "笑(+。+)\nつぎ。さいご"
    sf = featurizer.transform_sentences([post, "ふつう。です。ね"], spans=True)
    texts = [[post, "ふつう。です。ね"][i][a:b] for i, (a, b) in zip(sf.owner, sf.spans)]
    np.testing.assert_allclose(sf.sentences.toarray(), featurizer.transform(texts).toarray(), rtol=1e-6, atol=1e-7)


def test_a_post_whose_tokens_do_not_match_its_text_leaves_the_other_posts_rows_unchanged(featurizer, monkeypatch):
    """Were MeCab ever to drop a character (not seen for any code point), only that post's
    sentences are featurised on their own; its neighbours keep the rows of any other batch."""
    import yaiba.core.features as features

    # the first post's sentences tokenise differently in the post than alone (MeCab's context
    # across a line break), so its cut-out rows differ from rows featurised alone
    posts = ["晴れ\n散歩した\n草生える\nまじかよ", "雨。読書。料理。昼寝。", "雪。寒い。鍋。早寝。"]
    before = featurizer.transform_sentences(posts, spans=True)
    real = features.wakati_batch

    def dropping(norm):
        return [t.replace("読", "", 1) if "読" in t else t for t in real(norm)]

    monkeypatch.setattr(features, "wakati_batch", dropping)
    after = featurizer.transform_sentences(posts, spans=True)
    assert np.array_equal(after.owner, before.owner) and after.spans == before.spans
    rows_before, rows_after = before.sentences.tocsr(), after.sentences.tocsr()
    for r, post in enumerate(after.owner):
        if post != 1:
            assert (rows_before[r] != rows_after[r]).nnz == 0
    one = [r for r, p in enumerate(after.owner) if p == 1]  # featurised alone (same tokenizer)
    alone = featurizer.transform([posts[1][a:b] for a, b in (after.spans[r] for r in one)]).toarray()
    np.testing.assert_allclose(rows_after[one].toarray(), alone, rtol=1e-6, atol=1e-7)
