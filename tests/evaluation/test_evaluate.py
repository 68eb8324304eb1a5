"""yaiba.evaluate: metrics, worst errors, threshold and calibration, binary mode, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import yaiba
from yaiba.evaluation.metrics import classification_metrics


def test_metrics_are_classification_metrics_of_the_predictions(small_model, noisy, report):
    texts, labels, _ = noisy
    proba = small_model.predict_proba(texts)
    predicted = small_model.predict(texts)
    assert report.predicted == predicted
    expected = classification_metrics(labels, predicted, proba, small_model.classes_, "attack")
    assert report.metrics == expected
    np.testing.assert_allclose(report.scores, proba[:, small_model.classes_.index("attack")], rtol=1e-6)
    assert report.is_positive.tolist() == [y == "attack" for y in labels]
    assert report.roc.area == pytest.approx(expected["attack"]["roc_auc"])
    assert report.pr.area == pytest.approx(expected["attack"]["pr_auc"])


def test_worst_errors_are_the_most_confident_wrong_rows(small_model, noisy, report):
    texts, labels, flipped = noisy
    proba = small_model.predict_proba(texts)
    predicted = small_model.predict(texts)
    col = {c: i for i, c in enumerate(small_model.classes_)}
    wrong = [i for i in range(len(texts)) if predicted[i] != labels[i]]
    assert len(wrong) >= 5 and set(flipped) & set(wrong)
    rows = [e.row for e in report.worst_errors]
    assert len(rows) == 5 and set(rows) <= set(wrong)
    conf = [e.confidence for e in report.worst_errors]
    assert conf == sorted(conf, reverse=True)
    for i in set(wrong) - set(rows):  # nothing left out was more confident
        assert proba[i, col[predicted[i]]] <= conf[-1] + 1e-7
    for e in report.worst_errors:
        assert e.text == texts[e.row] and e.label == labels[e.row] and e.predicted == predicted[e.row]
        assert e.confidence == pytest.approx(float(proba[e.row, col[e.predicted]]))
        assert e.explanation.label == e.predicted and e.explanation.text == e.text


def test_threshold_and_calibration_are_reported(report):
    t = report.threshold
    assert t.target_precision == 0.9 and t.reached
    flagged = report.scores >= t.threshold
    assert report.is_positive[flagged].mean() >= 0.9
    assert 0.0 <= report.ece <= 1.0
    assert report.calibration.counts.sum() == len(report.scores)
    text = str(report)
    assert "macro-F1" in text and "expected calibration error" in text and "precision >= 0.9" in text
    assert "worst errors" in text


def test_binary_mode_collapses_other_labels(small_model, noisy):
    texts, labels, _ = noisy
    binary_labels = ["attack" if y == "attack" else "not attack" for y in labels]
    rep = yaiba.evaluate(small_model, texts, binary_labels, binary=True, worst=3)
    assert set(rep.metrics["per_class"]) == {"attack", "not_attack"}
    assert set(rep.predicted) <= {"attack", "not_attack"}
    expected = [p if p == "attack" else "not_attack" for p in small_model.predict(texts)]
    assert rep.predicted == expected
    assert all(e.predicted != e.label for e in rep.worst_errors)


def test_one_outcome_only_gives_a_note_and_no_curves(small_model, tmp_path):
    rep = yaiba.evaluate(
        small_model, ["新作、値段の割に内容が薄い", "説明が足りない"], ["criticism", "criticism"], target_precision=0.9
    )
    assert rep.roc is None and rep.calibration is None and rep.threshold is None
    assert any("no 'attack' rows" in n for n in rep.notes)
    pytest.importorskip("matplotlib")
    rep.save(tmp_path)
    assert (tmp_path / "confusion.png").is_file() and not (tmp_path / "roc.png").exists()


def test_bad_input_is_refused(small_model):
    with pytest.raises(ValueError, match="no rows"):
        yaiba.evaluate(small_model, [], [])
    with pytest.raises(ValueError, match="got 2 texts but 1 labels"):
        yaiba.evaluate(small_model, ["a", "b"], ["attack"])
    with pytest.raises(TypeError, match=r"texts\[1\] is None"):
        yaiba.evaluate(small_model, ["a", None], ["attack", "neutral"])
