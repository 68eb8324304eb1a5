"""Sentence spans of a post, as offsets into the original text.

A sentence ends after a run of 。！？!?｡ (with the closing brackets right after it) or at a
line break. Terminators inside 「」 or 『』 do not end a sentence (「死ね。」と言われた is one
sentence); a line break always does, so an unclosed quote cannot swallow the rest of a post.
Periods ("." and "．") are not terminators: they are also separators of evasions (し.ね).
Spans exclude the white space around a sentence; a post of white space only has none.
"""

from __future__ import annotations

import re

TERMINATORS = "。！？!?｡"
_OPEN, _CLOSE = "「『", "」』"
# a candidate end: a terminator run (with closing brackets) or a line break
_END = re.compile(f"[{TERMINATORS}]+[」』）)】〕]*|\\r\\n|[\\n\\r\\u2028\\u2029\\x85]")
_HAS_END = re.compile(f"[{TERMINATORS}\\n\\r\\u2028\\u2029\\x85]")
_QUOTE = re.compile(f"[{_OPEN}{_CLOSE}]")
_SPACE = " \t\n\r\f\v\u3000\u2028\u2029\x85"


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and (text[start].isspace() or text[start] in _SPACE):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _SPACE):
        end -= 1
    return (start, end) if end > start else None


def _quote_depth_at(text: str, start: int, end: int, depth: int) -> int:
    for q in _QUOTE.findall(text, start, end):
        depth = depth + 1 if q in _OPEN else max(depth - 1, 0)
    return depth


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text``: ``text[start:end]`` is the sentence."""
    if not _HAS_END.search(text):
        whole = _strip(text, 0, len(text))
        return [whole] if whole else []
    spans: list[tuple[int, int]] = []
    start = 0
    depth = 0
    scanned = 0
    for m in _END.finditer(text):
        line_break = m.group()[0] not in TERMINATORS
        depth = _quote_depth_at(text, scanned, m.start(), depth)
        scanned = m.start()
        if line_break:
            depth = 0
        elif depth > 0:
            continue  # a terminator inside a quote
        span = _strip(text, start, m.end())
        if span:
            spans.append(span)
        start = m.end()
    tail = _strip(text, start, len(text))
    if tail:
        spans.append(tail)
    return spans


def has_several(text: str) -> bool:
    """Quick test: may ``text`` hold more than one sentence? (False means certainly not.)"""
    return _HAS_END.search(text.rstrip(_SPACE + TERMINATORS + "」』）)】〕")) is not None
