"""The project's labelled corpus, whose schema lives in yaiba.recipe.corpus: schema, label and
kind sets, no duplicates, minimal pairs.

Reposts and quotes (data/corpus_reposts.csv): endorsing an attack is an attack, condemning
it or reporting it as its victim is not. Schema checks, and held-out behaviour of a model
trained with these rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import yaiba
from yaiba.recipe.corpus import COLUMNS, FORMS, KINDS, TARGETS

ROOT = Path(__file__).resolve().parents[2]


def test_schema_and_value_sets(corpus):
    assert tuple(corpus.columns) == COLUMNS
    assert len(corpus) >= 1500
    assert set(corpus.label) == set(KINDS)
    for label, kinds in KINDS.items():
        assert set(corpus.kind[corpus.label == label]) == kinds, label
    assert set(corpus.target) <= TARGETS
    assert set(corpus.form) <= FORMS
    assert corpus.id.is_unique


def test_no_text_is_duplicated_or_blank(corpus):
    stripped = corpus.text.str.strip()
    assert (stripped != "").all()
    assert stripped.is_unique


def test_minimal_pairs_pair_an_attack_with_a_non_attack(corpus):
    paired = corpus[corpus.pair_id != ""]
    assert len(paired) / len(corpus) >= 0.35
    criticism_pairs = 0
    for pair_id, group in paired.groupby("pair_id"):
        labels = set(group.label)
        assert "attack" in labels and labels - {"attack"}, pair_id
        criticism_pairs += "criticism" in labels
    assert criticism_pairs >= 0.75 * paired.pair_id.nunique()  # guideline R12 (v1.1)


# -- reposts and quotes (data/corpus_reposts.csv) -------------------------------------------

STANCE = {"counter_speech", "victim_report"}


@pytest.fixture(scope="module")
def reposts(corpus) -> pd.DataFrame:
    """data/corpus_reposts.csv, or its rows (ids r0001...) once merged into data/corpus.csv."""
    path = ROOT / "data" / "corpus_reposts.csv"
    if path.exists():
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    return corpus[corpus.id.str.match(r"r\d{4}$")].reset_index(drop=True)


@pytest.fixture(scope="module")
def main_corpus(corpus) -> pd.DataFrame:
    """The corpus without the repost rows."""
    return corpus[~corpus.id.str.match(r"r\d{4}$")].reset_index(drop=True)


def test_schema_ids_and_value_sets(reposts, main_corpus):
    corpus = main_corpus
    assert list(reposts.columns) == ["id", "text", "label", "kind", "target", "pair_id", "form"]
    assert len(reposts) >= 100
    assert reposts.id.str.fullmatch(r"r\d{4}").all() and reposts.id.is_unique
    assert (reposts.pair_id.str.fullmatch(r"R\d{3}") | (reposts.pair_id == "")).all()
    for label, kind in zip(reposts.label, reposts.kind):
        assert kind in KINDS[label], (label, kind)
    assert set(reposts.target) <= TARGETS and set(reposts.form) <= FORMS
    assert set(reposts.form[reposts.kind == "repost_attack"]) <= {"repost", "quote"}
    texts = reposts.text.str.strip()
    assert (texts != "").all() and texts.is_unique
    assert not set(texts) & set(corpus.text.str.strip())  # nothing repeated from the main corpus
    assert not set(reposts.id) & set(corpus.id)


def test_every_pair_quotes_one_attack_to_endorse_and_to_condemn(reposts):
    paired = reposts[reposts.pair_id != ""]
    assert len(paired) / len(reposts) >= 0.9
    for pair_id, group in paired.groupby("pair_id"):
        kinds = group.kind.tolist()
        assert kinds.count("repost_attack") == 1, pair_id
        assert any(k in STANCE for k in kinds), pair_id  # the condemning / victim's member
        assert "criticism" in set(group.label), pair_id  # spreading criticism stays criticism


def _split(reposts: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    pairs = sorted(set(reposts.pair_id) - {""})
    held_out = set(np.random.default_rng(seed).permutation(pairs)[: len(pairs) // 2])
    return reposts[~reposts.pair_id.isin(held_out)], reposts[reposts.pair_id.isin(held_out)]


def _pair_scores(model: yaiba.Model, rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.assign(p=model.score(rows.text.tolist()))
    endorse = rows[rows.kind == "repost_attack"].set_index("pair_id").p
    condemn = rows[rows.kind.isin(STANCE)].groupby("pair_id").p.max()
    spread_criticism = rows[rows.label == "criticism"].groupby("pair_id").p.max()
    return pd.DataFrame({"endorse": endorse, "condemn": condemn, "criticism": spread_criticism})


def test_held_out_endorsements_rank_above_condemnations_and_the_rows_teach_it(main_corpus, reposts):
    """Half of the minimal pairs are held out. A model trained on the corpus plus the other
    half must rank the endorsing member above the condemning (or victim's) member, and above
    the member that spreads criticism, in most held-out pairs; and it must separate endorse
    from condemn by more than the same recipe trained on the corpus alone."""
    corpus = main_corpus
    train_rows, held_out = _split(reposts)
    assert len(held_out.pair_id.unique()) >= 15
    recipe = {"n_features": 2**18, "calibrate": False}
    base = yaiba.train(corpus.text.tolist(), corpus.label.tolist(), **recipe)
    both = pd.concat([corpus, train_rows])
    model = yaiba.train(both.text.tolist(), both.label.tolist(), **recipe)
    with_rows, without = _pair_scores(model, held_out), _pair_scores(base, held_out)
    assert (with_rows.endorse > with_rows.condemn).mean() >= 0.75
    assert (with_rows.endorse > with_rows.criticism).mean() >= 0.75
    gap_with = (with_rows.endorse - with_rows.condemn).mean()
    gap_without = (without.endorse - without.condemn).mean()
    assert gap_with > gap_without, (gap_with, gap_without)
