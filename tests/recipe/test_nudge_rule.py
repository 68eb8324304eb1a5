"""The nudge rule: the threshold chosen by grouped cross-validation, and the shipped rule kept
in step with the corpus it was derived on."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from yaiba.recipe.nudge_rule import choose_threshold, derive_threshold
from yaiba.safety.nudging import load_rule

ROOT = Path(__file__).resolve().parents[2]


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
    record = derive_threshold(
        sample.text.tolist(), sample.label.tolist(), sample.pair_id.tolist(), folds=3, n_features=2**16, calibrate=False
    )
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
