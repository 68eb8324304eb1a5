"""Readable segments of a post: bunsetsu-like phrases with spans into the original text.

A post is normalised (with offsets), tagged by MeCab (unidic-lite, with parts of speech), and
cut into segments the way a Japanese reader groups words: an independent word (noun, verb,
adjective, adverb, ...) and the particles, auxiliaries and suffixes that follow it
(``クズだから``, ``死ね``, ``拡散しとく``). Compound nouns stay together; punctuation ends a
segment and is never part of one. Each segment carries its span in the ORIGINAL text, so width
variants (``ｸｽﾞ``), zero-width characters (``ク\\u200bズ``) and spaces inside a word
(``死 ね``) are covered by the span of the word they belong to.
"""

from __future__ import annotations

from dataclasses import dataclass

from yaiba.text.normalize import normalize_with_offsets
from yaiba.text.tokenizer import mecab_pieces, pos_tagger

_INDEPENDENT = {"名詞", "代名詞", "動詞", "形容詞", "形状詞", "副詞", "連体詞", "接続詞", "感動詞", "接頭辞"}
_BREAK = {"補助記号", "空白"}


@dataclass(frozen=True)
class Segment:
    """One phrase of a post: ``original[start:end]`` is what the writer typed."""

    start: int
    end: int
    text: str


def _tokens(norm: str) -> list[tuple[int, int, str, str]]:
    """(start, end, pos1, pos2) of each MeCab token of normalised text, in order."""
    tagger = pos_tagger()
    out: list[tuple[int, int, str, str]] = []
    offset = 0
    for piece in mecab_pieces(norm):
        pos = 0
        for node in tagger(piece):
            surface = node.surface
            at = piece.find(surface, pos)
            if at < 0 or not surface:  # MeCab never rewrites surfaces; stay safe anyway
                continue
            feature = node.feature
            pos1 = feature[0] if len(feature) > 0 else ""
            pos2 = feature[1] if len(feature) > 1 else ""
            out.append((offset + at, offset + at + len(surface), pos1, pos2))
            pos = at + len(surface)
        offset += len(piece)
    return out


def _starts_segment(pos1: str, pos2: str, prev: tuple[str, str] | None) -> bool:
    if pos1 not in _INDEPENDENT:
        return prev is None
    if prev is None:
        return True
    if prev[0] == "接頭辞":  # お + 電話
        return False
    if pos1 == "名詞" and prev[0] == "名詞":  # compound nouns: 給食 センター
        return False
    if pos2 == "非自立可能" and prev[0] in ("動詞", "助詞", "名詞", "助動詞"):  # 拡散 し, 消え て ほしい
        return False
    if pos1 == "形状詞" and pos2 == "助動詞語幹":  # お前 みたい な
        return False
    return True


def segments(text: str, normalizer: int) -> list[Segment]:
    """Cut ``text`` into readable phrases with spans into ``text`` itself.

    Parameters
    ----------
    text : str
        The post as written.
    normalizer : int
        Normaliser version (``model.featurizer.normalizer``).
    """
    norm, spans = normalize_with_offsets(text, normalizer)
    found: list[list[int]] = []
    prev: tuple[str, str] | None = None
    last_end = -1
    for a, b, pos1, pos2 in _tokens(norm):
        if pos1 in _BREAK:
            prev = None
            continue
        if found and prev is not None and not _starts_segment(pos1, pos2, prev) and _joinable(norm, last_end, a):
            found[-1][1] = b
        else:
            found.append([a, b])
        prev = (pos1, pos2)
        last_end = b
    out = []
    for a, b in found:
        start, end = int(spans[a, 0]), int(spans[b - 1, 1])
        if end > start:
            out.append(Segment(start, end, text[start:end]))
    return out


def _joinable(norm: str, end: int, start: int) -> bool:
    """Tokens join into one segment when only spaces lie between them (``死 ね``)."""
    return not norm[end:start].strip()
