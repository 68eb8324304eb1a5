"""The project's labelled corpus: schema, label and kind sets, no duplicates, minimal pairs."""

from __future__ import annotations

from yaiba.recipe.corpus import COLUMNS, FORMS, KINDS, TARGETS


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
    assert criticism_pairs >= 0.8 * paired.pair_id.nunique()
