"""benchmarks/accuracy.py: one table plus one JSON object, every model on the same folds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "accuracy.py"
DATASETS = {"inspection_ai", "rtp_lx", "nishika", "cva_3class", "cva_attack"}


def _run(*args: str, datasets: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--datasets", str(datasets), *args], capture_output=True, text=True, timeout=900
    )


def test_quick_json_covers_every_dataset_and_model(datasets):
    out = _run("--quick", "--json", datasets=datasets)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)  # --json: the JSON object and nothing else
    models = {"yaiba", "tfidf_lr"} | ({"fasttext"} if "fasttext" not in report["skipped_models"] else set())
    got = {(r["dataset"], r["model"]) for r in report["results"]}
    assert got == {(d, m) for d in DATASETS for m in models}
    for r in report["results"]:
        assert r["folds"] == 3 and len(r["per_fold"]) == 3 and r["n"] <= 200
        for key in ("f1", "pr_auc", "roc_auc"):
            assert 0.0 <= r[f"{key}_mean"] <= 1.0, (r["dataset"], r["model"], key)
    for d in DATASETS:  # the same folds for every model
        folds = {
            tuple((f["n_test"], f["test_attack"]) for f in r["per_fold"])
            for r in report["results"]
            if r["dataset"] == d
        }
        assert len(folds) == 1, d


def test_table_then_json(datasets):
    out = _run("--only", "cva_3class", "--models", "tfidf_lr", "--max-rows", "60", "--folds", "2", datasets=datasets)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["dataset", "n", "attack"] and "PR-AUC" in lines[0] and "ROC-AUC" in lines[0]
    assert lines[2].split()[:2] == ["cva_3class", "60"] and "tfidf_lr" in lines[2]
    report = json.loads(lines[-1])
    assert [r["model"] for r in report["results"]] == ["tfidf_lr"]
    assert "2-fold" in report["protocol"]


def test_unknown_names_are_refused(datasets, tmp_path):
    assert "unknown model" in _run("--models", "bert", datasets=datasets).stderr
    assert "unknown dataset" in _run("--only", "nope", "--quick", datasets=datasets).stderr
    missing = _run("--quick", datasets=tmp_path / "absent")
    assert missing.returncode == 1 and "not found" in missing.stderr
