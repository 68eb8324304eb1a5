"""The evaluation report: strict JSON, and the HTML of a worst error."""

from __future__ import annotations

import json

import pytest


def test_to_dict_is_strict_json(report):
    d = json.loads(json.dumps(report.to_dict(), ensure_ascii=False, allow_nan=False))
    assert {"per_class", "macro_f1", "confusion_matrix", "attack"} <= set(d)  # the metrics' keys stay
    assert d["threshold"]["threshold"] == pytest.approx(report.threshold.threshold)
    assert len(d["worst_errors"]) == 5 and d["worst_errors"][0]["evidence"]
    assert d["curves"]["roc"]["area"] == pytest.approx(report.roc.area)
    assert "curves" not in report.to_dict(curves=False)


def test_error_html_escapes_the_post_and_marks_the_evidence():
    from yaiba.core.explain import Evidence, Explanation
    from yaiba.evaluation.report import WorstError, error_html

    text = "<b>x</b> クズ & クズ"
    ev = (Evidence("クズ", "word", 1.2, ((9, 11), (14, 16))), Evidence("ズ", "char", 0.3, ((10, 11),)))
    e = WorstError(
        row=3,
        text=text,
        label="neutral",
        predicted="attack",
        confidence=0.9,
        p_positive=0.9,
        explanation=Explanation(text, "attack", 0.9, {"attack": 0.9}, ev),
    )
    html = error_html(e)
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert html.count("<mark>クズ</mark>") == 2 and "&amp;" in html  # overlapping spans merged


def test_report_files_keep_their_mode_and_a_link_is_never_written_through(report, tmp_path):
    import os
    import stat

    from yaiba.errors import DataError
    from yaiba.evaluation.report import write_report

    folder = tmp_path / "rep"
    folder.mkdir()
    (folder / "report.json").write_text("old", encoding="utf-8")
    os.chmod(folder / "report.json", 0o640)
    write_report(report, folder, plots=False)
    assert stat.S_IMODE(os.stat(folder / "report.json").st_mode) == 0o640
    assert json.loads((folder / "report.json").read_text(encoding="utf-8"))["notes"] is not None
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (folder / "index.html").unlink()
    (folder / "index.html").symlink_to(victim)
    with pytest.raises(DataError, match="symbolic link"):
        write_report(report, folder, plots=False)
    assert victim.read_text(encoding="utf-8") == "keep me"
    # a plot's file too (matplotlib is in the dev extra)
    (folder / "index.html").unlink()
    png = next(iter(write_report(report, folder).parent.glob("*.png")))
    png.unlink()
    png.symlink_to(victim)
    with pytest.raises(DataError, match="symbolic link"):
        write_report(report, folder)
    assert victim.read_text(encoding="utf-8") == "keep me"
