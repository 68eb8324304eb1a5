"""Pre-post nudge: None for acceptable drafts, a gentle note with spans otherwise; the rule."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import yaiba
from yaiba.cli.main import main
from yaiba.recipe.nudge_rule import choose_threshold, derive_threshold
from yaiba.safety.nudging import KIND_CONFIDENCE, SUGGESTIONS, Nudge, load_rule

ROOT = Path(__file__).resolve().parents[1]
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
        input=ATTACK, capture_output=True, text=True, encoding="utf-8",
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["spans"]


# -- the rule -----------------------------------------------------------------------------

def test_choose_threshold_keeps_the_widest_margin_on_both_targets():
    crit = np.linspace(0.0, 0.5, 100)  # criticism scores never reach 0.5
    att = np.linspace(0.6, 1.0, 100)  # attacks all above 0.6
    t, rates = choose_threshold(crit, att, max_criticism=0.05, min_attack=0.90)
    assert 0.5 < t < 1.0 and rates["criticism_nudged"] == 0 and rates["attack_nudged"] >= 0.95
    assert rates["slack"] == pytest.approx(0.05)  # the most either target allows
    # overlap: the 10 highest criticism scores sit among the attacks
    crit = np.concatenate([np.linspace(0.0, 0.4, 90), np.linspace(0.7, 0.9, 10)])
    t, rates = choose_threshold(crit, att, max_criticism=0.05, min_attack=0.90)
    c, a = (crit >= t).mean(), (att >= t).mean()
    assert (c, a) == (rates["criticism_nudged"], rates["attack_nudged"])
    slack = min(0.05 - c, a - 0.90)
    for other in np.linspace(0.01, 0.99, 99):
        assert min(0.05 - (crit >= other).mean(), (att >= other).mean() - 0.90) <= slack + 1e-12
    with pytest.raises(ValueError):
        choose_threshold(np.array([]), att)


def test_derive_threshold_runs_grouped_cross_validation(corpus):
    sample = pd.concat([g.head(60) for _, g in corpus.groupby("label")])
    record = derive_threshold(sample.text.tolist(), sample.label.tolist(), sample.pair_id.tolist(),
                              folds=3, n_features=2**16, calibrate=False)
    assert 0.0 < record["threshold"] < 1.0
    assert record["rows"] == {"attack": 60, "criticism": 60, "neutral": 60}
    cv = record["cross_validation"]
    assert 0.0 <= cv["criticism_nudged"] <= 1.0 and 0.0 <= cv["attack_nudged"] <= 1.0
    assert record["train_options"] == {"n_features": 2**16, "calibrate": False}


def test_shipped_rule_was_derived_on_the_current_corpus():
    """Fails when data/ changed after the rule was derived: rerun `make nudge-rule`."""
    rule = load_rule()
    assert 0.0 < rule.threshold < 1.0
    cv = rule.record["cross_validation"]
    assert cv["criticism_nudged"] <= rule.record["targets"]["max_criticism_nudged"]
    for source in rule.record["data"]:
        path = ROOT / source["path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == source["sha256"], (
            f"{source['path']} changed since the nudge rule was derived; run `make nudge-rule`"
        )


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
