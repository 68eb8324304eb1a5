"""Normaliser version 3: evasions undone only where a death wish is the likely reading, new
evasion spellings, and linear time on adversarial posts."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yaiba.text.normalize import LATEST, normalize, normalize_batch, normalize_with_offsets

v3_text = st.text(
    st.sampled_from(
        "あのこの市氏はがの問題正解あと残り4〇○◯●ね、。!！ｗw死殺しシすネ…‥・.＊*🔥👍 タヒ口コ"
        "shinekorsuyoulѕоαΚkill前お君"
    ),
    max_size=40,
)


@pytest.mark.parametrize(
    "text",
    [
        "あの市ね、財政が…",
        "この問題は○ね",
        "正解は〇ね",
        "あと4ね！",
        "やまだ氏ね、",
        "横浜市ね、人口が多いのは",
        "ヤマダ氏ね。",
        "残り4ね",
        "スコアは3-4ね",
        "○○ねって書いておいて",
        "少し ねむい",
        "だし…ねぇ",
        "rise and shine",
        "sunshine",
        "sine wave",
        "cosine similarity",
        "skill your",
        "привет мир",
    ],
)
def test_v3_leaves_ordinary_japanese_alone(text):
    norm = normalize(text)
    assert "死ね" not in norm and "殺す" not in norm
    assert norm == normalize(text, version=1) or "死" not in norm


@pytest.mark.parametrize(
    "text,expected",
    [
        ("あの市ね、財政が…", "あの市ね、財政が.."),
        ("この問題は○ね", "この問題は○ね"),
        ("正解は〇ね", "正解は〇ね"),
        ("あと4ね！", "あと4ね!"),
        ("やまだ氏ね、", "やまだ氏ね、"),
    ],
)
def test_v3_keeps_the_look_alike_characters(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("お前4ね", "お前死ね"),
        ("マジで氏ね", "マジで死ね"),
        ("タヒね", "死ね"),
        ("〇ねよ", "死ねよ"),
        ("し ね", "しね"),
        ("お前は〇ね", "お前は死ね"),
        ("二度と配信すんな、市ねよ", "二度と配信すんな、死ねよ"),
        ("今すぐ氏ね", "今すぐ死ね"),
        ("コ口シテやる", "コロシテやる"),
    ],
)
def test_v3_still_undoes_classic_evasions(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("死…ね", "死ね"),
        ("死・・ね", "死ね"),
        ("死……ね", "死ね"),
        ("お前し…ね", "お前しね"),
        ("\u0455hine", "死ね"),  # Cyrillic ѕ
        ("k\u043erosu", "殺す"),  # Cyrillic о
        ("\u039a\u0399LL YOU", "殺す"),  # Greek Κ Ι
        ("shine", "死ね"),
        ("お前shine", "お前死ね"),
        ("SINE!!", "死ね!!"),
        ("korosuぞ", "殺すぞ"),
        ("i will kill you", "i will 殺す"),
        ("死●", "死ね"),
        ("殺＊", "殺す"),
        ("殺＊ぞ", "殺すぞ"),
        ("死〇〇", "死ね"),
        ("死🔥ね", "死ね"),
        ("死👍🏽ね", "死ね"),
        ("殺🔪す", "殺す"),
        ("死★ね", "死ね"),
    ],
)
def test_v3_undoes_new_evasions(text, expected):
    assert normalize(text) == expected


def test_v3_is_latest_and_older_versions_are_unchanged():
    assert LATEST == 3
    assert normalize("あの市ね、", version=2) == "あの死ね、"  # version 2 is what shipped models use
    assert normalize("死…ね", version=2) == "死..ね"
    assert normalize("\u0455hine", version=2) == "\u0455hine"


@given(st.lists(v3_text, max_size=6))
@settings(max_examples=300, deadline=None)
def test_v3_batch_equals_one_by_one(texts):
    assert normalize_batch(texts, 3) == [normalize(t, 3) for t in texts]


@given(v3_text)
@settings(max_examples=300, deadline=None)
def test_v3_offsets_twin_agrees(text):
    norm, spans = normalize_with_offsets(text, 3)
    assert norm == normalize(text, 3)
    assert spans.shape == (len(norm), 2)
    assert all(0 <= a < b <= len(text) for a, b in spans)


@pytest.mark.parametrize("unit", ["コ口", "死ね", "4ね", "〇ねよ", "死🔥", "殺●", "\u0455hine ", "し…ね"])
def test_v3_time_is_linear_with_a_small_constant(unit):
    """About 1 MB of one adversarial unit repeated normalises in well under a second per MB."""

    def seconds(n: int) -> float:
        text = unit * (n // len(unit))
        best = float("inf")
        for _ in range(2):
            start = time.perf_counter()
            normalize(text)
            best = min(best, time.perf_counter() - start)
        return best

    small, large = seconds(30_000), seconds(300_000)
    assert large < 1.5
    assert large < 25 * small + 0.05  # ten times the text, not a hundred times the time


def test_v3_look_alike_kanji_step_is_faster_than_version_2():
    """コ口 repeated: version 2 calls Python with context look-ups per character, version 3 decides in the regex."""
    text = "コ口" * 150_000

    def seconds(version: int) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            normalize(text, version)
            best = min(best, time.perf_counter() - start)
        return best

    assert normalize(text, 3) == normalize(text, 2) == "コロ" * 150_000
    assert seconds(3) < 0.85 * seconds(2)
