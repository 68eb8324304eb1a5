"""`yaiba score`: in-process through main(argv), and the real command for stdout and signals."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from yaiba.cli.main import main

POSTS = [
    "お前みたいなクズは生きてる価値ない",
    "店員さんの対応が丁寧で嬉しかった",
    "新機能、使いにくいので元に戻してほしい",
]
ATTACK = "お前みたいなクズは生きてる価値ない"
SCRIPT = Path(sys.executable).parent / "yaiba"
LONE = ["a\ud800b", "\udfff", ATTACK + "\ud83d"]  # lone halves of surrogate pairs


def _csv(path, rows, header=("id", "text")):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_score_csv_keeps_rows_and_order_and_adds_columns(model_path, tmp_path):
    src = _csv(tmp_path / "in.csv", [(i, t) for i, t in enumerate(POSTS)] + [(9, ""), (10, "もう一件")])
    out = tmp_path / "out.csv"
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path)]) == 0
    rows = _read_csv(out)
    assert [r["id"] for r in rows] == ["0", "1", "2", "9", "10"]
    assert list(rows[0])[:2] == ["id", "text"]
    for col in ("label", "p_attack", "p_criticism", "p_neutral", "kind", "error"):
        assert col in rows[0]
    assert rows[0]["label"] == "attack" and rows[0]["kind"]
    assert rows[3]["error"].startswith("missing text") and rows[3]["p_attack"] == ""
    assert all(r["error"] == "" for r in rows if r["id"] != "9")
    assert float(rows[0]["p_attack"]) > 0.5 > float(rows[1]["p_attack"])


def test_score_jsonl_flags_bad_rows_in_place(model_path, tmp_path):
    lines = [
        json.dumps({"text": POSTS[0], "src": "a"}, ensure_ascii=False),
        "{not json",
        json.dumps({"text": None}),
        json.dumps({"text": 5}),
        json.dumps({"other": "x"}),
        json.dumps({"text": ""}),
        json.dumps({"text": POSTS[1]}, ensure_ascii=False),
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path)]) == 0
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(lines)
    assert rows[0]["src"] == "a" and rows[0]["label"] == "attack" and rows[0]["error"] is None
    assert "invalid JSON at line 2" in rows[1]["error"] and rows[1]["raw"] == "{not json"
    assert "missing text" in rows[2]["error"] and "line 3" in rows[2]["error"]
    assert "int, not a string" in rows[3]["error"]
    assert "missing text" in rows[4]["error"]
    assert rows[5]["error"] is None and rows[5]["p_attack"] < 0.1  # "" is a valid, empty post
    assert rows[6]["label"] != "attack"


def test_score_text_from_stdin_to_stdout(model_path, monkeypatch, capsys):
    data = ("\n".join(POSTS) + "\n").encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    assert main(["score", "-", "--model", str(model_path)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["text"] for r in rows] == POSTS
    assert rows[0]["label"] == "attack"


def test_threshold_option_sets_the_attack_cut(model_path, tmp_path):
    src = _csv(tmp_path / "in.csv", list(enumerate(POSTS)))
    out = tmp_path / "out.csv"
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path), "--threshold", "0"]) == 0
    assert {r["label"] for r in _read_csv(out)} == {"attack"}
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path), "--threshold", "1.5"]) == 2


def test_existing_label_column_needs_a_prefix(model_path, tmp_path):
    src = _csv(tmp_path / "lab.csv", [(POSTS[0], "attack")], header=("text", "label"))
    out = tmp_path / "out.csv"
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path)]) == 2
    assert not out.exists()
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path), "--prefix", "yaiba_"]) == 0
    row = _read_csv(out)[0]
    assert row["label"] == "attack" and row["yaiba_label"] in ("attack", "criticism", "neutral")


def test_data_errors_exit_1_with_file_and_column(model_path, tmp_path, capsys):
    src = _csv(tmp_path / "in.csv", [(1, "x")], header=("id", "body"))
    assert main(["score", str(src), "--model", str(model_path)]) == 1
    err = capsys.readouterr().err
    assert "in.csv" in err and "'text'" in err and "--text-col" in err
    assert main(["score", str(tmp_path / "missing.csv"), "--model", str(model_path)]) == 1
    bad_model = tmp_path / "bad.npz"
    bad_model.write_bytes(b"not a model")
    assert main(["score", str(src), "--text-col", "body", "--model", str(bad_model)]) == 1
    assert "bad.npz" in capsys.readouterr().err


def test_table_output_and_progress_bar(model_path, tmp_path, capsys):
    src = _csv(tmp_path / "in.csv", list(enumerate(POSTS)))
    assert main(["score", str(src), "--model", str(model_path), "--out-format", "table", "--progress"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].split()[:3] == ["row", "label", "p_attack"] and len(lines) == 1 + len(POSTS)
    assert "posts" in captured.err


# -- the real command: odd characters on stdout, unknown encodings, signals ------------------


def _surrogate_jsonl(path: Path) -> None:
    # json.dumps escapes lone surrogates as \udXXX: valid JSON that decodes to them again
    path.write_text("".join(json.dumps({"text": t, "id": i}) + "\n" for i, t in enumerate(LONE)), encoding="ascii")


def test_unknown_encoding_is_a_usage_error(model_path, tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("text\nx\n", encoding="utf-8")
    assert main(["score", str(src), "--encoding", "no-such-codec", "--model", str(model_path)]) == 2
    assert "unknown encoding 'no-such-codec'" in capsys.readouterr().err


def test_lone_surrogates_to_stdout_of_the_real_command(model_path, tmp_path):
    src = tmp_path / "s.jsonl"
    _surrogate_jsonl(src)
    done = subprocess.run(
        [str(SCRIPT), "score", str(src), "--model", str(model_path)], capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(x) for x in done.stdout.decode("utf-8").splitlines()]
    assert [r["text"] for r in rows] == LONE


@pytest.mark.parametrize(
    "sig,code,word",
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated"), (signal.SIGHUP, 129, "SIGHUP")],
)
def test_interrupted_run_leaves_no_partial_output(model_path, tmp_path, sig, code, word):
    """Stream posts into ``yaiba score - -o out.csv``; once it has written part of its output,
    signal it. The exit code is documented, the old out.csv is untouched, no temp file stays."""
    out = tmp_path / "out.csv"
    out.write_text("the previous complete result\n", encoding="utf-8")
    proc = subprocess.Popen(
        [str(SCRIPT), "score", "-", "-o", str(out), "--model", str(model_path), "--batch-size", "64"],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        # a shell's background job inherits SIGINT ignored, and Python keeps it ignored: give
        # the command the default disposition a terminal's Ctrl-C would meet
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        for i in range(3000):  # ~120 kB of output: some of it is flushed to the temporary file
            proc.stdin.write(f"{ATTACK} {i}\n".encode())
        proc.stdin.flush()
        deadline = time.monotonic() + 120
        while not any(p.name.endswith(".part") and p.stat().st_size > 0 for p in tmp_path.iterdir()):
            assert proc.poll() is None and time.monotonic() < deadline, "no partial output appeared"
            time.sleep(0.05)
        proc.send_signal(sig)  # stdin stays open: the run cannot have finished
        rc = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdin.close()
    assert rc == code
    assert word in proc.stderr.read().decode()
    assert out.read_text(encoding="utf-8") == "the previous complete result\n"
    assert sorted(os.listdir(tmp_path)) == ["out.csv"]
