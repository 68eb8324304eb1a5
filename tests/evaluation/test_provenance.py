"""Evaluation reports say where their numbers come from, name worst errors by id, and are
written without matplotlib (issue 13, item 4)."""

from __future__ import annotations

import hashlib
import json
import sys
import warnings
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import yaiba
from yaiba.evaluation.provenance import rows_sha256

MATPLOTLIB = ("matplotlib", "matplotlib.figure", "matplotlib.backends", "matplotlib.backends.backend_agg")


@pytest.fixture
def no_matplotlib(monkeypatch):
    """matplotlib cannot be imported (as when the plots extra is not installed)."""
    for name in MATPLOTLIB:
        monkeypatch.setitem(sys.modules, name, None)


def _ids(n):
    return [f"post-{i:03d}" for i in range(n)]


def test_provenance_of_an_evaluation_in_memory(small_model, noisy):
    texts, labels, _ = noisy
    rep = yaiba.evaluate(small_model, texts, labels, worst=0)
    p = rep.provenance
    assert p["yaiba"] == yaiba.__version__
    created = datetime.fromisoformat(p["created"])
    assert created.utcoffset() == timedelta(0) and p["created"].endswith("+00:00")
    assert p["model"]["path"] is None and p["model"]["sha256"] is None  # never a file
    assert p["data"] == {"path": None, "rows": len(texts), "sha256": rows_sha256(texts, labels), "digest_of": "rows"}
    assert rep.to_dict()["provenance"] == p
    assert "model: in memory" in str(rep)


def test_provenance_names_the_model_and_data_files(small_model, model_path, noisy, tmp_path):
    texts, labels, _ = noisy
    data = tmp_path / "dev.csv"
    data.write_text("text,label\n" + "".join(f'"{t}",{y}\n' for t, y in zip(texts, labels)), encoding="utf-8")
    rep = yaiba.evaluate(small_model, texts, labels, worst=0, model_source=model_path, data_source=data)
    m, d = rep.provenance["model"], rep.provenance["data"]
    assert m["path"] == str(model_path) and m["sha256"] == hashlib.sha256(model_path.read_bytes()).hexdigest()
    assert m["written_by"] == yaiba.__version__
    assert d == {
        "path": str(data),
        "rows": len(texts),
        "sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
        "digest_of": "file",
    }
    shipped = yaiba.evaluate(small_model, texts[:6], labels[:6], worst=0, model_source="default")
    assert shipped.provenance["model"]["path"] == "default"
    default_file = shipped.provenance["model"]["file"]
    assert shipped.provenance["model"]["sha256"] == hashlib.sha256(Path(default_file).read_bytes()).hexdigest()


def test_worst_errors_are_named_by_id(small_model, noisy, report):
    texts, labels, _ = noisy
    rep = yaiba.evaluate(small_model, texts, labels, worst=5, ids=_ids(len(texts)))
    assert [e.row for e in rep.worst_errors] == [e.row for e in report.worst_errors]  # the same errors
    assert [e.id for e in rep.worst_errors] == [f"post-{e.row:03d}" for e in rep.worst_errors]
    text = str(rep)
    assert all(f"  id post-{e.row:03d}: " in text for e in rep.worst_errors)
    assert [d["id"] for d in rep.to_dict()["worst_errors"]] == [e.id for e in rep.worst_errors]
    assert all(e.id is None and f"  row {e.row}: " in str(report) for e in report.worst_errors)
    with pytest.raises(ValueError, match="ids"):
        yaiba.evaluate(small_model, texts, labels, ids=["a"])


def test_save_without_matplotlib_writes_json_and_html(small_model, noisy, tmp_path, no_matplotlib):
    texts, labels, _ = noisy
    rep = yaiba.evaluate(small_model, texts, labels, worst=3, ids=_ids(len(texts)))
    with pytest.warns(UserWarning, match=r"pip install 'yaiba\[plots\]'"):
        html_path = rep.save(tmp_path / "rep")
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == ["index.html", "report.json"]
    saved = json.loads((tmp_path / "rep" / "report.json").read_text(encoding="utf-8"))
    assert saved["plots"] == {} and saved["macro_f1"] == pytest.approx(rep.metrics["macro_f1"])
    assert saved["provenance"] == rep.provenance
    html = html_path.read_text(encoding="utf-8")
    assert "<img" not in html and "yaiba[plots]" in html
    assert "<h2>Provenance</h2>" in html and f"<b>id {rep.worst_errors[0].id}</b>" in html
    with pytest.raises(ImportError, match="matplotlib"):
        rep.save(tmp_path / "strict", plots=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rep.save(tmp_path / "none", plots=False)  # asked for no plots: no warning
    assert sorted(p.name for p in (tmp_path / "none").iterdir()) == ["index.html", "report.json"]
