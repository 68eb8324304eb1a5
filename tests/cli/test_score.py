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
from yaiba.testing import write_csv

POSTS = [
    "お前みたいなクズは生きてる価値ない",
    "店員さんの対応が丁寧で嬉しかった",
    "新機能、使いにくいので元に戻してほしい",
]
ATTACK = "お前みたいなクズは生きてる価値ない"
SCRIPT = Path(sys.executable).parent / "yaiba"
LONE = ["a\ud800b", "\udfff", ATTACK + "\ud83d"]  # lone halves of surrogate pairs


def _read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_score_csv_keeps_rows_and_order_and_adds_columns(model_path, tmp_path):
    src = write_csv(tmp_path / "in.csv", [(i, t) for i, t in enumerate(POSTS)] + [(9, ""), (10, "もう一件")])
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
    src = write_csv(tmp_path / "in.csv", list(enumerate(POSTS)))
    out = tmp_path / "out.csv"
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path), "--threshold", "0"]) == 0
    assert {r["label"] for r in _read_csv(out)} == {"attack"}
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path), "--threshold", "1.5"]) == 2


def test_existing_label_column_needs_a_prefix(model_path, tmp_path):
    src = write_csv(tmp_path / "lab.csv", [(POSTS[0], "attack")], header=("text", "label"))
    out = tmp_path / "out.csv"
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path)]) == 2
    assert not out.exists()
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path), "--prefix", "yaiba_"]) == 0
    row = _read_csv(out)[0]
    assert row["label"] == "attack" and row["yaiba_label"] in ("attack", "criticism", "neutral")


def test_data_errors_exit_1_with_file_and_column(model_path, tmp_path, capsys):
    src = write_csv(tmp_path / "in.csv", [(1, "x")], header=("id", "body"))
    assert main(["score", str(src), "--model", str(model_path)]) == 1
    err = capsys.readouterr().err
    assert "in.csv" in err and "'text'" in err and "--text-col" in err
    assert main(["score", str(tmp_path / "missing.csv"), "--model", str(model_path)]) == 1
    bad_model = tmp_path / "bad.npz"
    bad_model.write_bytes(b"not a model")
    assert main(["score", str(src), "--text-col", "body", "--model", str(bad_model)]) == 1
    assert "bad.npz" in capsys.readouterr().err


def test_table_output_and_progress_bar(model_path, tmp_path, capsys):
    src = write_csv(tmp_path / "in.csv", list(enumerate(POSTS)))
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


# -- stdin: CSV and JSONL told from the first line (issue 13, item 4) ------------------------


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))


def test_stdin_csv_is_read_as_csv_not_as_posts(model_path, monkeypatch, capsys):
    """``cat posts.csv | yaiba score - --text-col text`` scored the header and the raw lines."""
    _stdin(monkeypatch, f"id,text\n7,{ATTACK}\n8,{POSTS[1]}\n")
    assert main(["score", "-", "--text-col", "text", "--model", str(model_path)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["id"], r["text"]) for r in rows] == [("7", ATTACK), ("8", POSTS[1])]
    assert rows[0]["label"] == "attack"


def test_stdin_jsonl_is_read_as_jsonl_and_written_as_jsonl(model_path, monkeypatch, capsys):
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(POSTS)]
    _stdin(monkeypatch, "\n".join(lines) + "\n")
    assert main(["score", "-", "--model", str(model_path)]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(r["id"], r["text"]) for r in rows] == list(enumerate(POSTS))
    assert rows[0]["label"] == "attack" and rows[0]["error"] is None


@pytest.mark.parametrize(
    "first",
    ["id,body", "post_id\tbody\tuser", '{"text": "unterminated', "[1, 2, 3]"],
    ids=["csv-header-without-text", "tsv-header", "broken-json-object", "json-array"],
)
def test_stdin_that_looks_like_a_header_or_json_but_is_neither_is_a_usage_error(model_path, monkeypatch, capsys, first):
    _stdin(monkeypatch, f"{first}\n1,{ATTACK}\n")
    assert main(["score", "-", "--model", str(model_path)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and "--in-format" in err and "stdin" in err, err
    assert captured.out == ""


@pytest.mark.parametrize("first", ["[速報] 新作の発表がありました", "はい,そうです", "text is what I write", "{笑}"])
def test_plain_text_on_stdin_stays_plain_text(model_path, monkeypatch, capsys, first):
    if first == "{笑}":  # a brace that is not JSON: the format cannot be told
        _stdin(monkeypatch, f"{first}\n{ATTACK}\n")
        assert main(["score", "-", "--model", str(model_path)]) == 2
        capsys.readouterr()
        _stdin(monkeypatch, f"{first}\n{ATTACK}\n")
        assert main(["score", "-", "--in-format", "txt", "--model", str(model_path)]) == 0
    else:
        _stdin(monkeypatch, f"{first}\n{ATTACK}\n")
        assert main(["score", "-", "--model", str(model_path)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["text"] for r in rows] == [first, ATTACK]


def test_in_format_overrides_the_first_line(model_path, monkeypatch, capsys):
    _stdin(monkeypatch, f"id,text\n1,{ATTACK}\n")
    assert main(["score", "-", "--in-format", "txt", "--model", str(model_path)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["text"] for r in rows] == ["id,text", f"1,{ATTACK}"]


# -- output formats: only what can be written (issue 13, item 4) -----------------------------


@pytest.mark.parametrize("name", ["out.parquet", "out.xlsx", "out.json", "OUT.XLS"])
def test_an_output_extension_that_cannot_be_written_is_refused(model_path, tmp_path, capsys, name):
    src = write_csv(tmp_path / "in.csv", list(enumerate(POSTS)))
    out = tmp_path / name
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path)]) == 2
    err = capsys.readouterr().err.strip()
    ext = Path(name).suffix.lower()
    assert len(err.splitlines()) == 1 and f"cannot write {ext} files" in err
    assert ".csv" in err and ".jsonl" in err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_out_format_must_agree_with_the_extension(model_path, tmp_path, capsys):
    src = write_csv(tmp_path / "in.csv", list(enumerate(POSTS)))
    out = tmp_path / "out.csv"
    assert main(["score", str(src), "-o", str(out), "--out-format", "jsonl", "--model", str(model_path)]) == 2
    assert "does not match" in capsys.readouterr().err and not out.exists()
    # agreeing, or a name that implies no format: fine
    assert main(["score", str(src), "-o", str(out), "--out-format", "csv", "--model", str(model_path)]) == 0
    plain = tmp_path / "scored.txt"
    assert main(["score", str(src), "-o", str(plain), "--out-format", "table", "--model", str(model_path)]) == 0
    assert plain.read_text(encoding="utf-8").split()[:2] == ["row", "label"]
    bare = tmp_path / "scored"
    assert main(["score", str(src), "-o", str(bare), "--out-format", "jsonl", "--model", str(model_path)]) == 0
    assert json.loads(bare.read_text(encoding="utf-8").splitlines()[0])["text"] == POSTS[0]


def test_a_tsv_output_is_tab_separated(model_path, tmp_path):
    src = write_csv(tmp_path / "in.csv", list(enumerate(POSTS)))
    out = tmp_path / "out.tsv"
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path)]) == 0
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, dialect="excel-tab"))
    assert [r["text"] for r in rows] == POSTS and rows[0]["label"] == "attack"


# -- the progress bar (issue 13, item 4) -----------------------------------------------------


def test_progress_bar_has_a_total_and_time_left_for_a_file(model_path, tmp_path, capsys):
    src = write_csv(tmp_path / "in.csv", [(i, f"{t} {i}") for i in range(40) for t in POSTS])
    out = tmp_path / "out.csv"
    argv = ["score", str(src), "-o", str(out), "--model", str(model_path), "--batch-size", "16", "--progress"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    # e.g. "100%|██████████| 6.75k/6.75k [00:00<00:00, 42.1kB/s, 120 posts]": share, size, time left
    assert last.startswith("100%|"), last
    assert "<" in last and "120 posts" in last and "B/s" in last, last


def test_quiet_and_no_progress_show_no_bar(model_path, tmp_path, capsys):
    src = write_csv(tmp_path / "in.csv", list(enumerate(POSTS)))
    for flag in ("--quiet", "--no-progress", "-q"):
        assert main(["score", str(src), "-o", str(tmp_path / "o.csv"), "--model", str(model_path), flag]) == 0
        assert capsys.readouterr().err == "", flag
    # --quiet wins over --progress, and also drops the note about JSONL to CSV
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": POSTS[0]}) + "\n", encoding="utf-8")
    argv = ["score", str(src), "-o", str(tmp_path / "o.csv"), "--model", str(model_path), "--progress", "-q"]
    assert main(argv) == 0
    assert capsys.readouterr().err == ""


def test_the_real_command_shows_a_bar_on_a_terminal_only(model_path, tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    src = write_csv(tmp_path / "in.csv", list(enumerate(POSTS)))
    argv = [str(SCRIPT), "score", str(src), "-o", str(tmp_path / "o.csv"), "--model", str(model_path)]
    piped = subprocess.run(argv, capture_output=True, timeout=120)
    assert piped.returncode == 0 and piped.stderr == b""  # stderr is not a terminal: no bar
    leader, follower = pty.openpty()
    # a new pseudo-terminal is 0 columns wide, where tqdm draws nothing: give it a real size
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    try:
        proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=follower, timeout=120)
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(leader)
    assert proc.returncode == 0
    assert b"100%|" in seen and b"3 posts" in seen, seen
