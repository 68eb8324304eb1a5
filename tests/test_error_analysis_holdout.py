"""notebooks/02_error_analysis.ipynb scores RTP-LX only on the rows the shipped model never saw.

Issue 13 item 4: the notebook reported ROC-AUC on all 865 RTP-LX rows, 689 of which trained the
shipped model. Its recipe (``yaiba.recipe.default_model.rtp_holdout``) holds out the rows whose
``Index`` is a multiple of 5. This runs the notebook's set-up cell and its RTP-LX cell (the
whole notebook runs in tests/test_notebooks.py) and checks which rows were scored.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import yaiba
from yaiba.recipe.default_model import rtp_holdout

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "02_error_analysis.ipynb"
nbformat = pytest.importorskip("nbformat")


def _cells():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return [c for c in nb.cells if c.cell_type == "code"], [c for c in nb.cells if c.cell_type == "markdown"]


def test_rtp_lx_is_scored_on_held_out_rows_only(datasets, tmp_path, monkeypatch):
    code, _ = _cells()
    setup = code[0].source
    rtp_cell = next(c.source for c in code if "RTP_LX_JA.json" in c.source)
    monkeypatch.chdir(NOTEBOOK.parent)
    monkeypatch.setenv("YAIBA_DATASETS", str(datasets))
    monkeypatch.setenv("YAIBA_REPORTS", str(tmp_path))
    monkeypatch.setenv("YAIBA_NOTEBOOK_ROWS", "0")  # every held-out row: there are only 176
    ns: dict = {}
    exec(compile(setup, "setup", "exec"), ns)
    exec(compile(rtp_cell, "rtp_lx", "exec"), ns)
    scored, report = ns["rtp"], ns["rtp_report"]
    every = yaiba.datasets.load_rtp_lx(datasets)
    held = every[rtp_holdout(every["id"])]
    assert sorted(scored.Index.astype(str)) == sorted(held["id"])  # exactly the held-out rows
    assert report.metrics["n"] == len(held) == report.provenance["data"]["rows"]
    assert report.worst_errors and all(int(e.id) % 5 == 0 for e in report.worst_errors)
    assert int(report.is_positive.sum()) == int((held["label"] == "attack").sum())


def test_the_notebook_says_which_rows_it_scores():
    _, text = _cells()
    words = "\n".join(c.source for c in text)
    assert "held-out" in words and "Index % 5 == 0" in words and "689" in words
