"""`yaiba train` and `yaiba eval` (with --report and --target-precision), in-process."""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest

import yaiba
from yaiba.cli.main import main
from yaiba.testing import write_csv


@pytest.fixture(scope="module")
def labelled(corpus, tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "sample.csv"
    corpus.iloc[::8].to_csv(path, index=False)  # about 240 rows, all three labels
    return path


def test_eval_keeps_its_output_and_adds_threshold_calibration_and_errors(model_path, labelled, capsys):
    assert (
        main(["eval", str(model_path), str(labelled), "--by", "kind", "--target-precision", "0.9", "--worst", "3"]) == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("rows: ")  # the existing report comes first, unchanged
    assert "macro-F1" in out and "confusion matrix" in out and "by kind: share predicted attack" in out
    assert "expected calibration error" in out
    assert "threshold on P(attack) for precision >= 0.9" in out


def test_eval_json_has_the_old_keys_and_the_new_ones(model_path, labelled, capsys):
    assert main(["eval", str(model_path), str(labelled), "--json", "--by", "kind", "--target-precision", "0.95"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert {"n", "accuracy", "macro_f1", "per_class", "confusion_matrix", "attack", "by_group", "group_col"} <= set(d)
    assert {"calibration", "threshold", "worst_errors"} <= set(d)
    assert d["threshold"]["target_precision"] == 0.95 and "curves" not in d
    assert len(d["worst_errors"]) <= 10


def test_eval_report_folder(model_path, labelled, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "report"
    assert main(["eval", str(model_path), str(labelled), "--report", str(out), "--target-precision", "0.9"]) == 0
    assert "index.html" in capsys.readouterr().err
    assert {p.name for p in out.iterdir()} >= {
        "index.html",
        "report.json",
        "roc.png",
        "precision_recall.png",
        "reliability.png",
        "confusion.png",
        "scores.png",
    }
    assert (out / "roc.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_threshold_override_and_usage_errors(model_path, labelled, capsys):
    assert main(["eval", str(model_path), str(labelled), "--json", "--threshold", "0", "--worst", "0"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["per_class"]["attack"]["recall"] == 1.0 and d["per_class"]["neutral"]["predicted_attack"] == 1.0
    assert main(["eval", str(model_path), str(labelled), "--target-precision", "0"]) == 2
    assert main(["eval", str(model_path), str(labelled), "--worst", "-1"]) == 2
    assert "usage error" in capsys.readouterr().err


def test_train_with_target_precision_stores_the_threshold(labelled, tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", str(labelled), "-o", str(model), "--target-precision", "0.9", "--cv-folds", "3"]) == 0
    err = capsys.readouterr().err
    assert "threshold for attack: P >= " in err and "out-of-fold precision" in err
    clf = yaiba.load(model)
    t = clf.thresholds["attack"]
    record = clf.info["threshold"]
    assert record["threshold"] == t and record["folds"] == 3 and record["target_precision"] == 0.9
    assert record["precision"] >= 0.9 and 0 < record["recall"] <= 1
    # the same out-of-fold scores give the same threshold through the Python API
    data = pd.read_csv(labelled, dtype=str, keep_default_na=False)
    cv = yaiba.cross_validate(data.text, data.label, folds=3)
    assert cv.threshold_for_precision(0.9).threshold == pytest.approx(t)
    # score uses the stored threshold; --threshold overrides it
    posts = tmp_path / "posts.csv"
    data[["text"]].to_csv(posts, index=False)
    scored = tmp_path / "scored.csv"
    for extra, cut in (([], t), (["--threshold", "0.5"], 0.5), (["--threshold", "0.97"], 0.97)):
        assert main(["score", str(posts), "-o", str(scored), "--model", str(model), *extra]) == 0
        with open(scored, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        p = np.array([float(r["p_attack"]) for r in rows])  # rounded to 6 decimals in the file
        flagged = np.array([r["label"] == "attack" for r in rows])
        clear = np.abs(p - cut) > 1e-5
        assert np.array_equal(flagged[clear], (p >= cut)[clear]), extra
        assert (p >= cut).any() and (p < cut).any()


def test_train_refuses_an_unreachable_target_and_writes_nothing(tmp_path, capsys):
    # every post is the same text, half attack: every threshold has precision 0.5
    data = tmp_path / "same.csv"
    pd.DataFrame({"text": ["この人の発言はおかしい"] * 20, "label": ["attack", "neutral"] * 10}).to_csv(
        data, index=False
    )
    model = tmp_path / "m.npz"
    assert main(["train", str(data), "-o", str(model), "--target-precision", "0.9", "--cv-folds", "5"]) == 1
    err = capsys.readouterr().err
    assert "no threshold on out-of-fold P(attack) reaches precision 0.9" in err and "best 0.500" in err
    assert not model.exists()
    assert main(["train", str(data), "-o", str(model), "--target-precision", "0.9", "--positive-label", "spam"]) == 2
    assert main(["train", str(data), "-o", str(model), "--target-precision", "1.5"]) == 2


def test_train_then_eval(tmp_path, corpus, capsys):
    data = tmp_path / "train.csv"
    corpus.iloc[::4].to_csv(data, index=False)
    model = tmp_path / "m.npz"
    assert (
        main(["train", str(data), "--text-col", "text", "--label-col", "label", "--kind-col", "kind", "-o", str(model)])
        == 0
    )
    assert main(["eval", str(model), str(data), "--text-col", "text", "--label-col", "label", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["per_class"]) == {"attack", "criticism", "neutral"}
    assert 0 <= report["macro_f1"] <= 1
    assert {"roc_auc", "pr_auc"} <= set(report["attack"])
    assert report["confusion_matrix"]["labels"] == ["attack", "criticism", "neutral"]
    assert main(["eval", str(model), str(data)]) == 0
    assert "macro-F1" in capsys.readouterr().out


def test_train_names_the_row_with_a_missing_label(tmp_path, capsys):
    data = write_csv(tmp_path / "t.csv", [("a", "x"), ("b", "")], header=("text", "label"))
    assert main(["train", str(data), "-o", str(tmp_path / "m.npz")]) == 1
    err = capsys.readouterr().err
    assert "t.csv" in err and "line 3" in err and "'label'" in err


# -- eval: provenance, ids, reports without matplotlib, progress log (issue 13, item 4) -------


def _sha256(path):
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_eval_json_and_table_carry_provenance(model_path, labelled, capsys):
    from datetime import datetime, timedelta, timezone

    assert main(["eval", str(model_path), str(labelled), "--json", "--worst", "2"]) == 0
    p = json.loads(capsys.readouterr().out)["provenance"]
    assert p["model"]["path"] == str(model_path) and p["model"]["sha256"] == _sha256(model_path)
    assert p["model"]["written_by"] == yaiba.__version__
    rows = len(pd.read_csv(labelled, dtype=str, keep_default_na=False))
    assert p["data"] == {"path": str(labelled), "rows": rows, "sha256": _sha256(labelled), "digest_of": "file"}
    assert p["yaiba"] == yaiba.__version__
    created = datetime.fromisoformat(p["created"])
    assert created.utcoffset() == timedelta(0)
    assert abs(datetime.now(timezone.utc) - created) < timedelta(days=1)
    assert main(["eval", "default", str(labelled), "--worst", "0"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("rows: ")  # the evaluation first, provenance at the end
    assert "provenance:" in text and "model: default (the shipped model), sha256 " in text
    assert f"data: {labelled}, {rows:,} rows, sha256 {_sha256(labelled)}" in text


def test_eval_names_worst_errors_by_id(model_path, labelled, tmp_path, capsys):
    assert main(["eval", str(model_path), str(labelled), "--json", "--worst", "3", "--threshold", "0"]) == 0
    errors = json.loads(capsys.readouterr().out)["worst_errors"]
    data = pd.read_csv(labelled, dtype=str, keep_default_na=False)
    assert len(errors) == 3
    for e in errors:  # the corpus has an 'id' column: used without being asked for
        assert e["id"] == data.id.iloc[e["row"]]
    assert main(["eval", str(model_path), str(labelled), "--worst", "3", "--threshold", "0"]) == 0
    text = capsys.readouterr().out
    assert f"  id {errors[0]['id']}: " in text and "  row " not in text
    # --id-col names another column; it must exist
    other = tmp_path / "post_no.csv"
    data.assign(post_no=[f"P{i}" for i in range(len(data))]).to_csv(other, index=False)
    argv = ["eval", str(model_path), str(other), "--json", "--worst", "1", "--threshold", "0", "--id-col", "post_no"]
    assert main(argv) == 0
    [e] = json.loads(capsys.readouterr().out)["worst_errors"]
    assert e["id"] == f"P{e['row']}"
    assert main(["eval", str(model_path), str(labelled), "--id-col", "nope"]) == 1
    assert "'nope'" in capsys.readouterr().err
    # no id column: rows by number
    no_id = tmp_path / "no_id.csv"
    data[["text", "label"]].to_csv(no_id, index=False)
    assert main(["eval", str(model_path), str(no_id), "--json", "--worst", "1", "--threshold", "0"]) == 0
    assert json.loads(capsys.readouterr().out)["worst_errors"][0]["id"] is None


def test_eval_report_without_matplotlib_prints_the_evaluation_and_writes_the_rest(model_path, labelled, tmp_path):
    """Without matplotlib, ``yaiba eval --report`` exited 1 and printed none of the evaluation."""
    import subprocess
    import sys

    out = tmp_path / "report"
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from yaiba.cli.main import main\n"
        f"sys.exit(main(['eval', {str(model_path)!r}, {str(labelled)!r}, '--report', {str(out)!r}, '--worst', '2']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rows: ") and "macro-F1" in done.stdout
    assert "pip install 'yaiba[plots]'" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "report.json"]
    saved = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert saved["plots"] == {} and any("matplotlib" in n for n in saved["notes"])
    assert saved["provenance"]["data"]["sha256"] == _sha256(labelled)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "<img" not in html and "yaiba[plots]" in html and "Provenance" in html


def test_train_and_eval_log_progress_on_stderr_unless_quiet(labelled, model_path, tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", str(labelled), "-o", str(model)]) == 0
    err = capsys.readouterr().err
    assert "yaiba train: featurising" in err and "yaiba train: fitting" in err and "calibrating" in err
    assert main(["train", str(labelled), "-o", str(model), "--quiet"]) == 0
    assert "featurising" not in capsys.readouterr().err
    assert main(["eval", str(model_path), str(labelled), "--worst", "2"]) == 0
    err = capsys.readouterr().err
    assert "yaiba eval: scoring" in err and "yaiba eval: evaluated" in err
    assert main(["eval", str(model_path), str(labelled), "-q"]) == 0
    assert capsys.readouterr().err == ""
