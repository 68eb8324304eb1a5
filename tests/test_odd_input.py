"""Odd and long posts through normalise -> score -> explain: nothing raises, every post gets one
finite probability, and MeCab never sees a piece longer than tokenizer.MAX_PIECE."""

from __future__ import annotations

import json

import numpy as np
import pytest

from yaiba.testing import check_model, check_normalizer, check_tokenizer, spy_on_mecab
from yaiba.text.normalize import normalize
from yaiba.text.tokenizer import MAX_PIECE

ODD = {
    "empty": "",
    "nul": "お前\x00なんか\x00",
    "only-nul": "\x00\x00",
    "c0-c1-controls": "".join(map(chr, range(1, 32))) + "\x7f\x80\x85\x9f" + "クズ",
    "ansi-escape": "\x1b[31mお前\x1b[0m",
    "lone-high-surrogate": "\ud800",
    "lone-low-surrogate": "お前\udfffなんか",
    "reversed-pair": "\udc00\ud800",
    "half-of-an-emoji": "最低\ud83d",
    "rtl-override": "\u202eお前なんか消えろ\u202c",
    "bidi-isolates-and-marks": "\u2066し\u2069\u200fね\u200e\u061c",
    "zero-width": "し\u200bね\u200c\u200d\u2060\ufeff",
    "combining-marks": "e" + "\u0301\u0316" * 200,
    "kana-voicing-marks": "か\u3099き\u309aく" + "\u3099" * 50,
    "zwj-emoji-family": "👨\u200d👩\u200d👧\u200d👦" * 300,
    "flags-skin-tones-keycaps": "🇯🇵👍🏽1\ufe0f\u20e3🏳️\u200d🌈",
    "tag-characters": "\U000e0067\U000e0062\U000e007f",
    "half-width-kana": "ｼﾈ ｸｽﾞ ﾊﾞｶ ｷﾓｲ",
    "full-width-ascii": "ＳＨＩＮＥ！ｓｈｉｎｅ１２３",
    "ideographic-space": "\u3000\u3000お前\u3000なんか\u3000",
    "odd-line-breaks": "a\u2028b\u2029c\x0bd\x0ce\r\nf\rg",
    "mixed-scripts": "Привет مرحبا 你好 こんにちは שלום 안녕 ไทย हिन्दी 🙂",
    "case-and-nfkc-length-changes": "ßİﬁ㍿ǅΣΑΣ ﷺ Ⅻ ⑳ ㈱",
    "non-characters-private-use": "\ufffe\uffff\U0010ffff\ue000\U000f0000",
    "one-char-repeated": "死" * 5000,
    "no-sentence-end": "あ" * (MAX_PIECE * 3 + 7),
    "whitespace-only": " \t\n\r\u3000\u00a0",
}


@pytest.mark.parametrize("text", ODD.values(), ids=ODD.keys())
def test_odd_input_normalises_scores_and_explains(small_model, text):
    check_normalizer(text)
    check_tokenizer(text)
    check_model(small_model, [text, "普通の投稿です", text], explain=1)
    e = small_model.explain(text, top=50)
    assert e.text == text  # the caller's text, unchanged; spans index into it
    print(e)  # the moderator's view is printable whatever the input
    json.dumps(e.to_dict(), ensure_ascii=False).encode("utf-8", "surrogatepass")


def test_all_odd_inputs_in_one_batch_score_like_one_by_one(small_model):
    texts = list(ODD.values())
    batch = small_model.predict_proba(texts, batch_size=5)
    alone = np.vstack([small_model.predict_proba([t]) for t in texts])
    np.testing.assert_array_equal(batch, alone)
    assert small_model.predict_kind(texts) == [small_model.predict_kind([t])[0] for t in texts]


def test_a_multi_megabyte_post_scores_to_one_finite_probability(small_model):
    """A 2.5 MB post of mixed content: one finite score in [0, 1]; the short posts around it
    score as they do alone. (Time and memory are measured in benchmarks/long_input.py.)"""
    unit = "あいつは本当に最低な人間だ。説明しろ!! 👨\u200d👩\u200d👧 Ｗｗｗ ｸｽﾞ" + "あ" * 40 + "\n"
    post = unit * (2_500_000 // len(unit.encode()))
    assert len(post.encode()) > 2_000_000
    short = ["お前なんか消えろ", "店員さんの対応が丁寧で嬉しかった"]
    scores = small_model.score([short[0], post, short[1]])
    assert scores.shape == (3,) and np.isfinite(scores).all()
    assert 0.0 <= scores[1] <= 1.0
    np.testing.assert_array_equal(scores[[0, 2]], small_model.score(short))


@pytest.mark.parametrize(
    "post",
    [
        "お前は本当に最低だ。" * 5_000,  # sentence ends everywhere
        "あ" * 50_000,  # none: cut at the character limit
        "死ね " * 15_000,  # spaces only
        ("👨\u200d👩\u200d👧" + "e\u0301" * 3) * 6_000,  # astral characters and marks
    ],
    ids=["sentences", "no-boundary", "spaces", "emoji-and-marks"],
)
def test_mecab_never_sees_more_than_max_chunk_characters(small_model, post):
    """Every path to MeCab (batch scoring, explanations) cuts long posts into pieces of at
    most MAX_PIECE characters, and the pieces put together are the whole normalised post."""
    with spy_on_mecab() as spy:
        small_model.score([post, "短い投稿"])
    assert spy.lengths and max(spy.lengths) <= MAX_PIECE
    assert "".join(spy.pieces[:-1]) == normalize(post)  # the short post is the last piece
    with spy_on_mecab() as spy:
        small_model.explain(post[: 3 * MAX_PIECE])
    assert spy.lengths and max(spy.lengths) <= MAX_PIECE
