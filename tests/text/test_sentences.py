"""Sentence spans: offsets into the original text, quotes kept whole, line breaks always end."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from yaiba.text.sentences import may_hold, sentence_spans, sentence_texts


def cut(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def test_terminators_and_line_breaks_end_sentences_and_offsets_point_into_the_text():
    text = "この采配は最悪。説明してほしい！\n  次は頑張れ？？ よろしく"
    assert cut(text) == ["この采配は最悪。", "説明してほしい！", "次は頑張れ？？", "よろしく"]


def test_a_terminator_inside_quotes_does_not_end_the_sentence_but_a_line_break_does():
    assert cut("「死ね。」と言われた。つらい") == ["「死ね。」と言われた。", "つらい"]
    assert cut("『もう来るな！』って何様？") == ["『もう来るな！』って何様？"]
    # an unclosed quote cannot swallow the rest of the post
    assert cut("「閉じない引用。\n次の行") == ["「閉じない引用。", "次の行"]


def test_closing_brackets_after_a_terminator_stay_with_the_sentence():
    assert cut("ひどい話だ。）次へ") == ["ひどい話だ。）", "次へ"]


def test_periods_and_the_half_width_full_stop_do_not_end_sentences():
    # "." separates evasions (し.ね); ｡ appears in kaomoji (｡･Д･｡)
    assert cut("し.ね.よ") == ["し.ね.よ"]
    assert cut("かわいい(｡･Д･｡)ﾉ") == ["かわいい(｡･Д･｡)ﾉ"]


def test_white_space_only_has_no_sentence_and_one_sentence_is_the_stripped_post():
    assert sentence_spans("") == []
    assert sentence_spans(" \n\u3000 ") == []
    assert cut("  一文だけ  ") == ["一文だけ"]
    assert not may_hold("一文だけ", 2) and not may_hold("一つ目。二つ目", 3)
    assert may_hold("一つ目。二つ目", 2)


@given(st.text(st.sampled_from("あい死ね。！？!?\n 「」『』）\u3000.｡"), max_size=40))
@settings(max_examples=300, deadline=None)
def test_spans_are_ordered_disjoint_stripped_and_cover_every_visible_character(text):
    spans = sentence_spans(text)
    covered = set()
    last = 0
    for a, b in spans:
        assert last <= a < b <= len(text)
        assert not text[a].isspace() and not text[b - 1].isspace()
        covered.update(range(a, b))
        last = b
    assert {i for i, c in enumerate(text) if not c.isspace()} <= covered
    assert [t.strip() for t in sentence_texts(text)] == [text[a:b] for a, b in spans]
    assert may_hold(text, len(spans))  # never rules out what is there
