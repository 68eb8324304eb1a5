"""n-gram explanations (yaiba.core.explain): bounded memory for long posts, spans into the original."""

from __future__ import annotations

import tracemalloc

from yaiba.core import explain as explain_module
from yaiba.core.explain import explain

FILLER = "雨やっと止んだ。洗濯物干そ。今日は駅前のパン屋に寄ってから帰る予定。"
ATTACK = "お前みたいなクズは生きてる価値ない。さっさと死ね"
BUDGET = 300 * 2**20  # bytes


def long_post(n: int, at: int) -> tuple[str, int]:
    filler = FILLER * (n // len(FILLER) + 1)
    at -= at % len(FILLER)
    return (filler[:at] + ATTACK + filler[at:])[:n], at


def test_a_long_post_is_explained_in_bounded_memory_with_spans_into_the_original(small_model):
    text, at = long_post(200_000, 120_000)
    tracemalloc.start()
    try:
        exp = explain(small_model.estimator, text, label="attack", top=20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < BUDGET, f"peak {peak / 2**20:.0f} MiB"
    assert exp.text == text and exp.evidence
    spans = [s for e in exp.evidence for s in e.spans]
    assert all(0 <= a <= b <= len(text) for a, b in spans)
    # evidence comes from one window of at most MAX_CHARS characters, the one with the attack
    assert max(b for _, b in spans) - min(a for a, _ in spans) <= explain_module.MAX_CHARS
    assert any(at <= a and b <= at + len(ATTACK) and "クズ" in text[a:b] for a, b in spans)
    assert "MAX_CHARS" in (explain.__doc__ or "") and explain_module.MAX_CHARS == 20_000


def test_a_short_post_is_explained_whole(small_model):
    text = "今日の采配は最悪。" + ATTACK
    exp = explain(small_model.estimator, text, label="attack", top=5)
    assert exp.evidence
    for e in exp.evidence:
        for a, b in e.spans:
            assert 0 <= a < b <= len(text)
    assert explain_module.focus(small_model.estimator, text, 0) == 0
