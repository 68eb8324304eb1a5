"""The yaiba command itself: usage errors, --help of every option, the installed console script,\n``python -m yaiba`` and ``yaiba info``."""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import yaiba
from yaiba.cli.main import main, parser


def test_usage_errors_exit_2(capsys):
    assert main([]) == 2
    assert main(["score"]) == 2
    assert main(["frobnicate"]) == 2
    assert main(["--help"]) == 0


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "yaiba"
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("yaiba ")


# -- every option says what it does and what it defaults to (issue 13, item 4) ---------------


def _subcommands():
    p = parser()
    sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices.items())


def _options(sub_parser):
    return [a for a in sub_parser._actions if not isinstance(a, (argparse._HelpAction, argparse._VersionAction))]


def test_every_argument_of_every_subcommand_has_help():
    missing = [
        f"{name} {'/'.join(a.option_strings) or a.dest}"
        for name, sub_parser in _subcommands()
        for a in _options(sub_parser)
        if not (a.help or "").strip() or a.help == argparse.SUPPRESS
    ]
    assert missing == []


def test_every_option_taking_a_value_shows_its_default():
    """Shown by the help layout ``(default: VALUE)``, or said in the help text itself when the
    default is not a value (None: the shipped model, the model's threshold, ...)."""
    from yaiba.cli.common import HelpFormatter

    unclear = []
    for name, sub_parser in _subcommands():
        assert issubclass(sub_parser.formatter_class, HelpFormatter), name
        layout = sub_parser.formatter_class(prog=name)
        for a in _options(sub_parser):
            if not a.option_strings or a.nargs == 0 or a.required:
                continue
            shown = layout._get_help_string(a) % {"default": a.default}
            if "default" not in shown:
                unclear.append(f"{name} {'/'.join(a.option_strings)}")
    assert unclear == []


def test_help_text_shows_defaults(capsys):
    assert main(["score", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 2048)" in text and "(default: utf-8)" in text and "(default: text)" in text
    assert main(["eval", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 10)" in text and "yaiba[plots]" in text


# -- python -m yaiba (issue 13, item 4) ----------------------------------------------------------


def test_python_dash_m_yaiba_runs_the_command(model_path, tmp_path):
    version = subprocess.run([sys.executable, "-m", "yaiba", "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.strip() == f"yaiba {yaiba.__version__}"
    scored = subprocess.run(
        [sys.executable, "-m", "yaiba", "score", "-", "--model", str(model_path)],
        input="お前みたいなクズは生きてる価値ない\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert scored.returncode == 0, scored.stderr
    assert scored.stdout.splitlines()[0].startswith("text,label,p_attack")
    usage = subprocess.run([sys.executable, "-m", "yaiba", "frobnicate"], capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "usage: yaiba" in usage.stderr


# -- yaiba info [MODEL] (issue 13, item 4) ---------------------------------------------------


def test_info_of_a_model_file_reports_its_record(model_path, capsys):
    assert main(["info", str(model_path), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    m = d["model"]
    assert d["yaiba"] == yaiba.__version__ and "scikit-learn" in d["environment"]
    assert m["path"] == str(model_path) and m["sha256"] == hashlib.sha256(model_path.read_bytes()).hexdigest()
    assert m["written_by"] == yaiba.__version__ and m["bytes"] == model_path.stat().st_size
    assert m["classes"] == ["attack", "criticism", "neutral"] and m["positive_label"] == "attack"
    assert m["info"]["training"]["n_rows"] == yaiba.load(model_path).info["training"]["n_rows"]
    assert main(["info", str(model_path)]) == 0
    text = capsys.readouterr().out
    assert f"model: {model_path}" in text and f"sha256 {m['sha256']}" in text
    assert "n_rows:" in text and "label_counts:" in text


def test_info_of_the_shipped_model_reports_what_the_model_card_says_it_holds(capsys):
    """models/README.md: the file records the sources, the label mapping, the threshold, a
    SHA-256 of the training rows and the metrics."""
    assert main(["info"]) == 0
    text = capsys.readouterr().out
    info = yaiba.load().info
    assert "model: default" in text and "written by: yaiba" in text
    assert "thresholds: attack >= 0.5" in text
    for key in ("training:", "recipe:", "sources:", "public_label_mapping:", "data_sha256:", "metrics:"):
        assert key in text, key
    assert info["recipe"]["data_sha256"] in text
    assert f"{info['metrics']['rtp_lx_holdout']['roc_auc']:.4g}" in text
    assert main(["info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"]["info"] == json.loads(json.dumps(info))


def test_info_of_a_missing_or_broken_model_is_a_data_error(tmp_path, capsys):
    assert main(["info", str(tmp_path / "nope.npz")]) == 1
    assert "nope.npz" in capsys.readouterr().err
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    assert main(["info", str(bad)]) == 1
    assert "bad.npz" in capsys.readouterr().err
