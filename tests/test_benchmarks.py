"""The speed and quality benchmarks run and print one JSON object that CI can read (numbers not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.parametrize(
    "script,args,key",
    [
        ("throughput.py", ["--posts", "300", "--repeat", "1"], "ratios"),
        ("latency.py", ["--posts", "20"], "results"),
        ("load.py", ["--repeat", "2"], "results"),
        ("memory.py", ["--posts", "300"], "results"),
        ("cache.py", ["--posts", "300"], "results"),
        ("long_posts.py", [], "results"),
    ],
)
def test_benchmark_prints_json(script, args, key, datasets, model_path):
    out = subprocess.run(
        [sys.executable, str(BENCH / script), *args, "--json", "--datasets", str(datasets), "--model", str(model_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert key in result and result["machine"]["cores"] >= 1
    if script == "memory.py":
        assert result["results"]["rows_match"] is True
    if script == "cache.py":
        assert result["results"]["identical_scores"] is True
    if script == "long_posts.py":
        assert set(result["results"]["lines"]) == {"0", "2", "5", "10"}


def test_obfuscation_and_targets_benchmarks_print_json(datasets, model_path):
    for script, extra in (("obfuscation.py", []), ("targets.py", ["--skip-retrain"])):
        out = subprocess.run(
            [
                sys.executable,
                str(BENCH / script),
                "--json",
                "--datasets",
                str(datasets),
                "--model",
                str(model_path),
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert out.returncode == 0, out.stderr
        result = json.loads(out.stdout.strip().splitlines()[-1])
        if script == "obfuscation.py":
            assert set(result["results"]) >= {"all", "width", "spacing", "symbols", "zero_width", "kana"}
            new_groups = {"classic", "new_variants", "lookalikes", "ellipsis", "homoglyph", "romaji", "fuseji"}
            assert set(result["results"]) >= new_groups | {"emoji_pad", "lookalike_city", "lookalike_quiz"}
            assert result["results"]["lookalikes"]["n_not_attack"] >= 300
            assert 0 <= result["results"]["all"]["recall_variants"] <= 1
        else:
            assert set(result["met"]) >= {"dev_attack_f1", "rtp_lx_holdout_roc_auc", "nishika_pr_auc_attack"}


def test_robustness_benchmarks_print_json(model_path):
    """benchmarks/long_input.py and benchmarks/fuzz.py, at toy sizes (numbers not asserted)."""
    runs = [
        ("long_input.py", ["--sizes", "0.01", "0.02", "--kinds", "odd-mix", "--explain-sizes", "0.005"]),
        ("fuzz.py", ["--minutes", "0.05", "--engine", "hypothesis", "--artifacts", "{tmp}"]),
    ]
    for script, args in runs:
        with tempfile.TemporaryDirectory() as tmp:
            args = [a.replace("{tmp}", tmp) for a in args]
            out = subprocess.run(
                [sys.executable, str(BENCH / script), *args, "--json", "--model", str(model_path)],
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert out.returncode == 0, out.stderr[-2000:]
            result = json.loads(out.stdout.strip().splitlines()[-1])
            assert result["machine"]["cores"] >= 1
            if script == "long_input.py":
                assert len(result["rows"]) == 3 and result["all_finite_in_0_1"] is True
                assert set(result["time_exponent"]) == {"score/odd-mix", "explain/japanese"}
            else:
                assert result["inputs"] > 0 and result["failures"] == []


def test_real_post_benchmark_prints_json_with_intervals(datasets, model_path, tmp_path):
    """benchmarks/real.py on a stratified 150-post subset of the real-post development set."""
    errors = tmp_path / "errors.jsonl"
    out = subprocess.run(
        [
            sys.executable,
            str(BENCH / "real.py"),
            "--posts",
            "150",
            "--bootstrap",
            "50",
            "--json",
            "--datasets",
            str(datasets),
            "--model",
            str(model_path),
            "--compare",
            str(model_path),
            "--errors",
            str(errors),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert 140 <= result["posts"] <= 160 and sum(result["label_counts"].values()) == result["posts"]
    for key in ("attack_f1", "attack_pr_auc", "macro_f1", "criticism_to_attack", "neutral_to_attack", "recall_insult"):
        low, high = result["results"][key]["ci95"]
        assert low <= result["results"][key]["value"] <= high
    same = result["compare"]["results"]["attack_f1"]  # the model compared with itself
    assert same["difference"] == 0 and same["difference_ci95"] == [0, 0]
    wrong = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert all(e["label"] != e["predicted"] and "text" not in e for e in wrong)
