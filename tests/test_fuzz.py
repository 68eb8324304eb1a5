"""Property tests over arbitrary Unicode (surrogates, NUL and controls included) for the
normaliser, the MeCab wrapper, the model's scoring and explanations, and ``yaiba score``.

The "ci" profile (default) is quick and derandomised; HYPOTHESIS_PROFILE=fuzz runs many more
examples. benchmarks/fuzz.py runs the same checks for a time budget.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from yaiba.cli.main import main
from yaiba.testing import check_cli, check_model, check_normalizer, check_tokenizer, strategies

TEXT, TEXTS = strategies()
# the slow properties (a model, a command) get a fifth of the profile's examples
FEW = settings(max_examples=max(4, settings.default.max_examples // 5))


@given(TEXT)
def test_normalizer_never_fails_and_batches_like_one_by_one(text):
    check_normalizer(text)


@given(TEXT)
def test_tokenizer_keeps_every_character_in_bounded_pieces(text):
    check_tokenizer(text)


@given(st.text(st.characters(exclude_categories=()), min_size=2049, max_size=6000))
@FEW
def test_tokenizer_on_long_arbitrary_text(text):
    check_tokenizer(text)


@given(TEXTS)
def test_model_scores_are_finite_probabilities_and_deterministic(small_model, texts):
    check_model(small_model, texts, explain=1)


@given(TEXTS, st.sampled_from(["csv", "jsonl", "txt"]))
@FEW
def test_cli_keeps_every_row_in_order_with_the_api_scores(small_model, model_path, texts, fmt):
    with tempfile.TemporaryDirectory() as d:
        check_cli(main, small_model, model_path, Path(d), texts, fmt)


def test_check_cli_keeps_byte_order_marks_after_the_first(small_model, model_path, tmp_path):
    """Found by benchmarks/fuzz.py: a text file whose first post starts with several U+FEFF.
    Only the first is a byte order mark; the harness used to drop one twice."""
    check_cli(main, small_model, model_path, tmp_path, ["\ufeff\ufeff\ufeffクズ", "二行目"], "txt")
