"""Reason codes: kind, phrases as offsets into the original post, a Japanese line per kind."""

from __future__ import annotations

import itertools

import pytest

from yaiba.reasons import KIND_MESSAGES, Phrase, message_for
from yaiba.text.normalize import normalize

BASE = "お前は本当にクズだな。死ね"
VARIANTS = {
    "half-width kana": "お前は本当にｸｽﾞだな。死ね",
    "zero-width": "お前は本当にク\u200bズだな。死\u200dね",
    "full-width and spaces": "お前は本当に　クズ　だな！　死ね",
    "bidi and variation selectors": "お前は\u202a本当に\u202cクズ\ufe0fだな。死ね",
}
CRITICISM = "今日の継投は遅すぎた。7回の頭で代えるべきだった"


def test_one_reason_per_attack_prediction_and_none_otherwise(small_model):
    texts = [BASE, CRITICISM, "雨やっと止んだ。洗濯物干そ", "森岡は無能なｸｽﾞ。脳みそ空っぽ"]
    labels = small_model.predict(texts)
    kinds = small_model.predict_kind(texts)
    got = small_model.reasons(texts)
    assert len(got) == len(texts)
    for text, label, kind, reason in zip(texts, labels, kinds, got):
        if label != "attack":
            assert reason is None
            continue
        assert reason.text == text
        assert reason.kind == kind
        assert reason.probability == pytest.approx(float(small_model.score([text])[0]), abs=1e-6)
        assert reason.message == message_for(kind, reason.phrases)
    assert got[0] is not None and got[1] is None


def test_phrases_are_slices_of_the_original_text_strongest_first(small_model):
    (reason,) = small_model.reasons(["森岡は無能なｸｽﾞ。脳みその代わりにおがくずでも詰まってんじゃねーの"])
    assert reason is not None and 1 <= len(reason.phrases) <= 3
    weights = [p.weight for p in reason.phrases]
    assert weights == sorted(weights, reverse=True) and weights[-1] > 0
    spans = sorted(reason.spans)
    for (_, b), (c, _) in itertools.pairwise(spans):
        assert b <= c  # phrases never overlap
    for p in reason.phrases:
        assert 0 <= p.start < p.end <= len(reason.text)
        assert reason.text[p.start : p.end] == p.text
        assert p.text == p.text.strip() and p.text[0] not in "。、"


def test_blanking_the_reported_phrases_lowers_the_attack_score(small_model):
    texts = [
        BASE,
        "RT @abc: 早瀬ミオは顔も声もキモい、存在がうるさい ←まじでこれ。拡散希望",
        "ハコブネの記者全員死ね。一人残らず",
    ]
    for text, reason in zip(texts, small_model.reasons(texts)):
        assert reason is not None, text
        out, pos = [], 0
        for a, b in sorted(reason.spans):
            out += [text[pos:a], " "]
            pos = b
        blanked = "".join(out) + text[pos:]
        assert small_model.score([blanked])[0] < small_model.score([text])[0], (text, blanked)


def test_a_blunt_insult_is_pointed_at(small_model):
    (reason,) = small_model.reasons([BASE])
    found = {normalize(p.text) for p in reason.phrases}
    assert any("クズ" in f or "死ね" in f for f in found), found


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_spans_cover_the_original_characters_of_disguised_words(small_model, name):
    """A variant that normalises to the base post has the same phrases, and each span covers
    exactly the characters the writer typed for them: the half-width ｸｽﾞ is three characters
    whose slice normalises back to クズ (a span ending before ﾞ would read クス)."""
    variant = VARIANTS[name]
    assert normalize(variant) == normalize(BASE) or name == "full-width and spaces"
    (base,) = small_model.reasons([BASE])
    (got,) = small_model.reasons([variant])
    assert got is not None
    if normalize(variant) == normalize(BASE):
        assert [normalize(p.text) for p in got.phrases] == [normalize(p.text) for p in base.phrases]
    for p in got.phrases:
        assert variant[p.start : p.end] == p.text
    if name == "half-width kana":
        texts = [p.text for p in got.phrases]
        assert any("ｸｽﾞ" in t for t in texts) or not any("クズ" in normalize(p.text) for p in base.phrases)
        assert all("ｸｽ" not in t or "ｸｽﾞ" in t for t in texts)  # the dakuten is never cut off


def test_message_names_the_kind_and_quotes_the_phrases():
    phrases = (Phrase(6, 8, "クズ", 2.0), Phrase(11, 13, "死ね", 1.0))
    msg = message_for("insult", phrases)
    assert msg == "人格や容姿・能力をおとしめる侮辱表現（『クズ』、『死ね』）が含まれています"
    assert message_for("made_up_kind", phrases).startswith("誹謗中傷にあたる可能性の高い表現（『クズ』")
    assert message_for("threat", ()) == KIND_MESSAGES["threat"].format(q="")
    long = Phrase(0, 40, "あ" * 40, 1.0)
    assert "…』" in message_for("insult", (long,))
    for kind, template in KIND_MESSAGES.items():
        assert "{q}" in template and "\n" not in template, kind


def test_every_attack_kind_of_the_model_has_its_own_message(small_model):
    assert set(small_model.kinds_) <= set(KIND_MESSAGES)


def test_bad_input_is_refused_with_the_position(small_model):
    with pytest.raises(TypeError, match=r"texts\[1\] is None"):
        small_model.reasons(["死ね", None])
    with pytest.raises(ValueError, match="max_phrases"):
        small_model.reasons(["死ね"], max_phrases=0)
    assert small_model.reasons([]) == []
    assert small_model.reasons([""]) == [None]
