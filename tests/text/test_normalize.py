"""Normalisation: batch and single paths agree, offsets point back into the input."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yaiba.text.normalize import nfkc, normalize, normalize_batch, normalize_with_offsets

# arbitrary Unicode, including surrogates, controls and NUL
any_text = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=40)
japanese = st.text(
    st.sampled_from(
        "あいうえおかがきぎくぐアイウカガｶﾞｼﾈ死ね殺す　 ！？!?ｗw草😡\u200b\u3099\n\t.・_ー〜ぇ口力4〇氏タヒ杀"
    ),
    max_size=40,
)


@given(st.lists(st.one_of(any_text, japanese), max_size=8), st.sampled_from([1, 2]))
@settings(max_examples=300, deadline=None)
def test_batch_equals_one_by_one(texts, version):
    assert normalize_batch(texts, version) == [normalize(t, version) for t in texts]


@given(st.one_of(any_text, japanese), st.sampled_from([1, 2]))
@settings(max_examples=300, deadline=None)
def test_offsets_twin_gives_the_same_text_and_valid_spans(text, version):
    norm, spans = normalize_with_offsets(text, version)
    assert norm == normalize(text, version)
    assert spans.shape == (len(norm), 2)
    for a, b in spans:
        assert 0 <= a < b <= len(text)


@given(st.one_of(any_text, japanese))
@settings(max_examples=300, deadline=None)
def test_fast_nfkc_equals_unicodedata(text):
    clean = "".join(c for c in text if not 0xD800 <= ord(c) <= 0xDFFF)
    assert nfkc(clean) == unicodedata.normalize("NFKC", clean)


def test_width_case_spaces_controls_and_elongation():
    assert normalize("ＡＢＣ　ｼﾈ！！") == "abc シネ!!"
    assert normalize("  a \n\n b\t") == "a b"
    assert normalize("し\u200bね\u200d\ufeff") == "しね"
    assert normalize("しねええええええ", version=1) == "しねえええ"
    assert normalize("ｗｗｗｗｗｗ", version=1) == "www"
    assert normalize("a\x00b\x07c") == "abc"
    assert normalize("\ud800x") == "\ufffdx"
    assert normalize("ｶﾞｷ") == "ガキ"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("今すぐｼ.ﾈ", "今すぐシネ"),  # symbols between characters
        ("死_ん_でくれ", "死んでくれ"),
        ("ｼ ﾝ ﾃﾞくれ", "シンデくれ"),  # spaces between Japanese characters
        ("殺すーーーーーぞ", "殺すぞ"),  # elongation
        ("死ねぇぇぇぇーよ", "死ねよ"),
        ("しねええええええ", "しね"),  # the vowel ね ends in, repeated
        ("コ口シテやる", "コロシテやる"),  # kanji 口 passing for katakana ロ
        ("人間の力スだな", "人間のカスだな"),
        ("杀すぞ", "殺すぞ"),
        ("タヒね", "死ね"),
        ("4ね", "死ね"),
        ("〇ね", "死ね"),
        ("まじで氏ね", "まじで死ね"),
    ],
)
def test_version_2_undoes_common_evasions(text, expected):
    assert normalize(text, version=2) == expected


@pytest.mark.parametrize(
    "text",
    ["4ねん生", "田中氏ね、", "4.5倍", "ドラマ二話目", "i am a boy", "タヒチ旅行", "ラーメン"],
)
def test_version_2_leaves_look_alikes_alone(text):
    assert normalize(text, version=2) == normalize(text, version=1)


def test_offsets_of_composed_and_removed_characters():
    norm, spans = normalize_with_offsets("ｶﾞｷ\u200bだ")
    assert norm == "ガキだ"
    assert [tuple(s) for s in spans] == [(0, 2), (2, 3), (4, 5)]
