"""Driving phrases (yaiba.core.attribution): bounded memory for long posts, offsets into the original."""

from __future__ import annotations

import tracemalloc

from yaiba.core import attribution
from yaiba.core.attribution import driving_phrases

FILLER = "雨やっと止んだ。洗濯物干そ。今日は駅前のパン屋に寄ってから帰る予定。"
ATTACK = "お前みたいなクズは生きてる価値ない。さっさと死ね"
BUDGET = 300 * 2**20  # bytes: the whole call, whatever the length of the post


def long_post(n: int, at: int) -> tuple[str, int]:
    """An ``n``-character post of harmless filler with ATTACK inserted at about ``at``."""
    filler = FILLER * (n // len(FILLER) + 1)
    at -= at % len(FILLER)
    text = (filler[:at] + ATTACK + filler[at:])[:n]
    return text, at


def test_a_long_post_is_attributed_in_bounded_memory_with_offsets_into_the_original(small_model):
    text, at = long_post(200_000, 170_000)
    col = small_model.classes_.index("attack")
    tracemalloc.start()
    try:
        phrases = driving_phrases(small_model.estimator, text, col)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < BUDGET, f"peak {peak / 2**20:.0f} MiB"
    assert phrases
    for p in phrases:
        assert 0 <= p.start < p.end <= len(text) and text[p.start : p.end] == p.text
    # the window examined is the one holding the attack, far from the start of the post
    assert any(at <= p.start and p.end <= at + len(ATTACK) for p in phrases), (at, phrases)


def test_the_cap_is_documented_and_short_posts_are_attributed_whole(small_model):
    assert attribution.MAX_CHARS == 20_000
    assert "MAX_CHARS" in (attribution.__doc__ or "") and "MAX_CHARS" in (driving_phrases.__doc__ or "")
    col = small_model.classes_.index("attack")
    text, at = long_post(attribution.MAX_CHARS, 3_000)
    phrases = driving_phrases(small_model.estimator, text, col)
    assert any(at <= p.start and p.end <= at + len(ATTACK) for p in phrases)
    assert all(text[p.start : p.end] == p.text for p in phrases)
