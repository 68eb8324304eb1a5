"""Pre-post nudge: None for acceptable drafts, a gentle note with spans otherwise; `yaiba nudge`."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import yaiba
from yaiba.cli.main import main
from yaiba.safety.nudging import KIND_CONFIDENCE, SUGGESTIONS, Nudge, load_rule

ATTACK = "お前みたいなクズは生きてる価値ない。死ね"
CRITICISM = "今日の継投は遅すぎた。7回の頭で代えるべきだったと思う"


def test_acceptable_draft_gets_none_and_a_hurtful_one_a_gentle_note(small_model):
    t = load_rule().threshold
    assert yaiba.nudge(CRITICISM, model=small_model, threshold=t) is None
    got = yaiba.nudge(ATTACK, model=small_model, threshold=t)
    assert isinstance(got, Nudge)
    assert got.message.startswith("送信する前に") and got.probability >= t
    assert got.suggestion in (SUGGESTIONS.get(got.kind), SUGGESTIONS[None])
    kind_p = small_model.kind_estimator.predict_proba([ATTACK])[0]
    assert got.kind == small_model.kinds_[int(np.argmax(kind_p))]
    assert (got.suggestion == SUGGESTIONS[got.kind]) == (kind_p.max() >= KIND_CONFIDENCE)
    assert got.spans and all(0 <= a < b <= len(ATTACK) for a, b in got.spans)
    for (a, b), ph in zip(got.spans, got.phrases):
        assert ATTACK[a:b] == ph.text and f"『{ph.text}』" in got.message
    marked = got.render(ATTACK)
    assert all(f"【{ATTACK[a:b]}】" in marked for a, b in got.spans)
    assert json.loads(json.dumps(got.to_dict(), ensure_ascii=False))["spans"]


def test_the_rule_is_p_attack_at_or_above_the_threshold(small_model):
    for text in (ATTACK, CRITICISM, "あいつの顔キモすぎ"):
        p = float(small_model.score([text])[0])
        assert yaiba.nudge(text, model=small_model, threshold=p) is not None
        above = float(np.nextafter(np.float32(p), np.float32(2)))
        if above <= 1.0:
            assert yaiba.nudge(text, model=small_model, threshold=above) is None


def test_nudge_points_at_a_disguised_word_in_the_original_text(small_model):
    draft = "お前みたいなｸｽﾞは生きてる価値ない。死\u200bね"
    got = yaiba.nudge(draft, model=small_model, threshold=0.0)
    assert got is not None
    texts = [draft[a:b] for a, b in got.spans]
    assert any("ｸｽﾞ" in s or "死\u200bね" in s or "価値" in s for s in texts), texts


def test_empty_drafts_and_bad_input(small_model):
    assert yaiba.nudge("", model=small_model, threshold=0.0) is None
    assert yaiba.nudge("   ", model=small_model, threshold=0.0) is None
    with pytest.raises(TypeError, match="draft"):
        yaiba.nudge(None, model=small_model)
    with pytest.raises(ValueError, match="threshold"):
        yaiba.nudge(ATTACK, model=small_model, threshold=1.5)


def test_default_model_and_shipped_rule():
    assert yaiba.nudge(CRITICISM) is None
    assert yaiba.nudge(ATTACK) is not None


def test_cli_nudge_from_argument_and_stdin(model_path, capsys):
    assert main(["nudge", ATTACK, "--model", str(model_path), "--threshold", "0.0"]) == 0
    out = capsys.readouterr().out
    assert "送信する前に" in out and "【" in out
    assert main(["nudge", CRITICISM, "--model", str(model_path), "--threshold", "1.0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) is None
    assert main(["nudge", "x", "--threshold", "2"]) == 2
    proc = subprocess.run(
        [sys.executable, "-m", "yaiba.cli", "nudge", "--model", str(model_path), "--threshold", "0", "--json"],
        input=ATTACK,
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["spans"]


@pytest.mark.datasets
def test_dev_set_nudge_rates_meet_the_issue_targets(datasets):
    """Target check (issue 8) for the shipped model and rule: at most 5 % of criticism rows
    nudged, at least 90 % of attack rows. The rule was chosen on the project's corpus by
    cross-validation, never on this file."""
    dev = pd.read_csv(datasets / "criticism_vs_attack" / "dev.csv", dtype=str, keep_default_na=False)
    model = yaiba.load()
    fired = np.array([yaiba.nudge(t, model=model) is not None for t in dev.text])
    assert fired[(dev.label == "criticism").to_numpy()].mean() <= 0.05
    assert fired[(dev.label == "attack").to_numpy()].mean() >= 0.90


def test_a_long_draft_is_nudged_in_bounded_memory_with_spans_in_the_draft(small_model):
    import tracemalloc

    filler = "雨やっと止んだ。洗濯物干そ。今日は駅前のパン屋に寄ってから帰る予定。"
    attack = "お前みたいなクズは生きてる価値ない。さっさと死ね"
    body = filler * (200_000 // len(filler) + 1)
    at = 150_000 - 150_000 % len(filler)
    draft = (body[:at] + attack + body[at:])[:200_000]
    tracemalloc.start()
    try:
        got = yaiba.nudge(draft, model=small_model, threshold=0.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 300 * 2**20, f"peak {peak / 2**20:.0f} MiB"
    assert got is not None and got.spans
    for (a, b), ph in zip(got.spans, got.phrases):
        assert 0 <= a < b <= len(draft) and draft[a:b] == ph.text
    assert any(at <= a and b <= at + len(attack) for a, b in got.spans)
