"""The notebooks run top to bottom (on small samples) and are committed without outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
ALL = sorted(NOTEBOOKS.glob("*.ipynb"))
nbformat = pytest.importorskip("nbformat")


def test_the_notebooks_exist():
    assert [p.name for p in ALL] == ["01_train_your_own.ipynb", "02_error_analysis.ipynb"]


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {i} has outputs: clear them before committing"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"


def _run(path: Path, tmp_path: Path, monkeypatch) -> None:
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("YAIBA_NOTEBOOK_ROWS", "150")
    monkeypatch.setenv("YAIBA_REPORTS", str(tmp_path / "reports"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors


def test_train_your_own_runs(tmp_path, monkeypatch):
    _run(NOTEBOOKS / "01_train_your_own.ipynb", tmp_path, monkeypatch)
    reports = tmp_path / "reports"
    assert (reports / "my-model.npz").is_file()
    assert (reports / "held-out" / "index.html").is_file()
    assert (reports / "held-out" / "precision_recall.png").read_bytes()[:4] == b"\x89PNG"


def test_error_analysis_runs(datasets, tmp_path, monkeypatch):
    monkeypatch.setenv("YAIBA_DATASETS", str(datasets))
    _run(NOTEBOOKS / "02_error_analysis.ipynb", tmp_path, monkeypatch)
    for name in ("dev", "rtp_lx"):
        assert (tmp_path / "reports" / "error-analysis" / name / "index.html").is_file()
