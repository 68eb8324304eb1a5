"""MeCab tokens: long posts reach MeCab in bounded chunks, and no text is lost."""

from __future__ import annotations

from yaiba.text.tokenizer import MAX_PIECE, mecab_pieces, wakati


def test_long_posts_reach_mecab_in_bounded_chunks():
    text = "あいつは本当に最低な人間だ。" * 2000
    pieces = mecab_pieces(text)
    assert "".join(pieces) == text
    assert max(len(p) for p in pieces) <= MAX_PIECE
    no_breaks = "あ" * (3 * MAX_PIECE + 5)
    assert "".join(mecab_pieces(no_breaks)) == no_breaks
    tokens = wakati(text).split(" ")
    assert tokens.count("最低") == 2000
