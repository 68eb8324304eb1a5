"""Long library runs log their progress with ``logging`` (never print): training, cross-validation
and evaluation (issue 13, item 4). Nothing is shown unless the application configures logging."""

from __future__ import annotations

import logging

import yaiba


def _messages(caplog, prefix):
    return [r.getMessage() for r in caplog.records if r.name.startswith(prefix) and r.levelno == logging.INFO]


def test_train_logs_its_steps(corpus, caplog, capsys):
    sample = corpus.iloc[::20]
    with caplog.at_level(logging.INFO, logger="yaiba"):
        yaiba.train(sample.text, sample.label, kinds=sample.kind, n_features=2**12)
    said = _messages(caplog, "yaiba.")
    assert any(m.startswith("training the label head on") for m in said)
    assert any(m.startswith("training the kind head on") for m in said)
    assert any(m.startswith(f"featurising {len(sample):,} posts") for m in said)
    assert any(m.startswith("fitting") for m in said) and any(m.startswith("calibrating") for m in said)
    assert any(m.startswith(f"trained on {len(sample):,} posts in") for m in said)
    assert capsys.readouterr() == ("", "")  # logged, not printed


def test_cross_validate_logs_each_fold(corpus, caplog, capsys):
    sample = corpus.iloc[::30]
    with caplog.at_level(logging.INFO, logger="yaiba"):
        yaiba.cross_validate(sample.text, sample.label, folds=3, n_features=2**12, calibrate=False)
    said = _messages(caplog, "yaiba.evaluation.crossval")
    assert [m.split(":")[0] for m in said[:-1]] == ["fold 1/3", "fold 2/3", "fold 3/3"]
    assert said[-1].startswith(f"cross-validated {len(sample):,} posts in 3 folds")
    assert capsys.readouterr() == ("", "")


def test_evaluate_logs_scoring_and_explaining(small_model, noisy, caplog, capsys):
    texts, labels, _ = noisy
    with caplog.at_level(logging.INFO, logger="yaiba"):
        yaiba.evaluate(small_model, texts, labels, worst=2)
    said = _messages(caplog, "yaiba.evaluation.evaluate")
    assert said[0] == f"scoring {len(texts)} posts"
    assert "explaining the 2 most confident errors" in said
    assert said[-1].startswith(f"evaluated {len(texts)} posts in")
    assert capsys.readouterr() == ("", "")


def test_nothing_is_shown_without_a_logging_setup(small_model, noisy, capfd):
    """INFO records stay silent unless the application (or ``yaiba`` CLI) shows them."""
    texts, labels, _ = noisy
    yaiba.evaluate(small_model, texts[:5], labels[:5], worst=0)
    assert "scoring" not in capfd.readouterr().err
