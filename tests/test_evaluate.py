"""yaiba.evaluate: metrics, calibration, worst errors, and the report folder with real plots."""

from __future__ import annotations

import json
import re
import struct

import numpy as np
import pandas as pd
import pytest

import yaiba
from yaiba.evaluation.curves import reliability
from yaiba.evaluation.metrics import classification_metrics

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def noisy(corpus):
    """90 corpus rows (30 per label) with the labels of 12 rows rotated, so the model (trained
    on the corpus) makes confident 'errors' on exactly those rows and few others."""
    sample = pd.concat([g.iloc[:30] for _, g in corpus.groupby("label")], ignore_index=True)
    labels = sample.label.tolist()
    rotate = {"attack": "criticism", "criticism": "neutral", "neutral": "attack"}
    flipped = list(range(0, 90, 8))[:12]
    for i in flipped:
        labels[i] = rotate[labels[i]]
    return sample.text.tolist(), labels, flipped


@pytest.fixture(scope="module")
def report(small_model, noisy):
    texts, labels, _ = noisy
    return yaiba.evaluate(small_model, texts, labels, target_precision=0.9, worst=5)


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


def test_to_dict_is_strict_json(report):
    d = json.loads(json.dumps(report.to_dict(), ensure_ascii=False, allow_nan=False))
    assert {"per_class", "macro_f1", "confusion_matrix", "attack"} <= set(d)  # the metrics' keys stay
    assert d["threshold"]["threshold"] == pytest.approx(report.threshold.threshold)
    assert len(d["worst_errors"]) == 5 and d["worst_errors"][0]["evidence"]
    assert d["curves"]["roc"]["area"] == pytest.approx(report.roc.area)
    assert "curves" not in report.to_dict(curves=False)


def _png_size(path):
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def test_report_folder_has_real_plots_and_a_linked_page(report, tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.image import imread

    out = tmp_path / "rep"
    html_path = report.save(out)
    assert html_path == out / "index.html"
    for name in ("roc", "precision_recall", "reliability", "scores", "confusion"):
        png = out / f"{name}.png"
        assert png.is_file(), name
        assert 5_000 < png.stat().st_size < 500_000, (name, png.stat().st_size)
        assert _png_size(png) == (500, 400)
        pixels = imread(png)  # (400, 500, 4) floats in [0, 1]
        assert pixels.shape[:2] == (400, 500)
        rgb = pixels[..., :3].reshape(-1, 3)
        dark = (rgb.sum(axis=1) < 1.5).mean()  # axes, ticks, text, lines
        assert 0.005 < dark < 0.6, (name, dark)
        assert len(np.unique(np.round(rgb, 2), axis=0)) > 20, name  # drawn, not a flat image
    html = html_path.read_text(encoding="utf-8")
    links = re.findall(r"src='([^']+)'", html)
    assert sorted(links) == sorted(f"{n}.png" for n in ("roc", "precision_recall", "reliability", "scores", "confusion"))
    assert all((out / link).is_file() for link in links)
    assert html.count("class='err'") == 5
    saved = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert saved["macro_f1"] == pytest.approx(report.metrics["macro_f1"])


def test_error_html_escapes_the_post_and_marks_the_evidence():
    from yaiba.evaluation.report import WorstError
    from yaiba.core.explain import Evidence, Explanation
    from yaiba.evaluation.report import error_html

    text = "<b>x</b> クズ & クズ"
    ev = (Evidence("クズ", "word", 1.2, ((9, 11), (14, 16))), Evidence("ズ", "char", 0.3, ((10, 11),)))
    e = WorstError(row=3, text=text, label="neutral", predicted="attack", confidence=0.9, p_positive=0.9,
                   explanation=Explanation(text, "attack", 0.9, {"attack": 0.9}, ev))
    html = error_html(e)
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert html.count("<mark>クズ</mark>") == 2 and "&amp;" in html  # overlapping spans merged


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
    rep = yaiba.evaluate(small_model, ["新作、値段の割に内容が薄い", "説明が足りない"], ["criticism", "criticism"],
                         target_precision=0.9)
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


def test_reliability_and_ece_on_known_scores():
    # bin [0.0, 0.1): 10 rows at 0.05, one positive -> |0.1 - 0.05|; bin [0.9, 1.0]: 10 rows
    # at 0.95, nine positive -> |0.9 - 0.95|; ECE = 0.5 * 0.05 + 0.5 * 0.05 = 0.05
    p = np.r_[np.full(10, 0.05), np.full(10, 0.95)]
    y = np.r_[np.arange(10) == 0, np.arange(10) != 0]
    r = reliability(y, p, bins=10)
    assert r.ece == pytest.approx(0.05)
    assert r.counts.tolist() == [10, 0, 0, 0, 0, 0, 0, 0, 0, 10]
    assert r.observed[0] == pytest.approx(0.1) and r.observed[-1] == pytest.approx(0.9)
    assert np.isnan(r.observed[1])
    assert reliability([False] * 4, [1.0] * 4, bins=5).ece == pytest.approx(1.0)  # 1.0 falls in the last bin
    assert reliability([True, False], [0.5, 0.5], bins=2).ece == pytest.approx(0.0)
    with pytest.raises(ValueError, match="probabilities"):
        reliability([True], [1.5])
