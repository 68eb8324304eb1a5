"""The one-line errors the README promises, where there were tracebacks; SIGHUP; --n-jobs.

Every failure here is one line on stderr with the documented exit code (1 data, 2 usage),
never a traceback, and leaves no output or temporary file behind.
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
from pathlib import Path

import pytest

import yaiba.core.parallel as parallel
import yaiba.io.posts as posts
from yaiba.cli.main import main
from yaiba.testing import write_csv

ATTACK = "お前みたいなクズは生きてる価値ない"
CALM = "店員さんの対応が丁寧で嬉しかった"
SCRIPT = Path(sys.executable).parent / "yaiba"


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("codec", ["rot13", "base64", "zlib"])
def test_a_codec_that_is_not_a_text_encoding_is_a_usage_error(model_path, tmp_path, capsys, codec):
    src = write_csv(tmp_path / "in.csv", [(1, CALM)])
    assert main(["score", str(src), "--encoding", codec, "--model", str(model_path)]) == 2
    assert "not a text encoding" in capsys.readouterr().err
    assert main(["train", str(src), "-o", str(tmp_path / "m.npz"), "--encoding", codec]) == 2


def test_an_input_that_is_a_folder(model_path, tmp_path, capsys):
    folder = tmp_path / "posts.csv"
    folder.mkdir()
    assert main(["score", str(folder), "-o", str(tmp_path / "out.csv"), "--model", str(model_path)]) == 1
    assert "posts.csv" in _one_line(capsys)
    assert main(["train", str(folder), "-o", str(tmp_path / "m.npz")]) == 1
    assert "posts.csv" in _one_line(capsys)


def test_permission_denied_on_the_input(model_path, tmp_path, capsys, monkeypatch):
    """As root every file is readable: the denial is simulated where the file is opened."""
    src = write_csv(tmp_path / "secret.csv", [(1, CALM)])

    def denied(path, *args, **kwargs):
        if os.fspath(path) == str(src):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return open(path, *args, **kwargs)

    monkeypatch.setattr(posts, "open", denied, raising=False)
    assert main(["score", str(src), "-o", str(tmp_path / "out.csv"), "--model", str(model_path)]) == 1
    err = _one_line(capsys)
    assert "secret.csv" in err and "Permission denied" in err
    assert not (tmp_path / "out.csv").exists()


def test_permission_denied_on_the_output_folder(model_path, tmp_path, capsys, monkeypatch):
    src = write_csv(tmp_path / "in.csv", [(1, CALM)])

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / ".out.csv.x.part"))

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    assert main(["score", str(src), "-o", str(tmp_path / "out.csv"), "--model", str(model_path)]) == 1
    err = _one_line(capsys)
    assert "out.csv" in err and "Permission denied" in err


def test_training_on_a_header_only_file(tmp_path, capsys):
    src = tmp_path / "empty.csv"
    src.write_text("text,label\n", encoding="utf-8")
    out = tmp_path / "m.npz"
    assert main(["train", str(src), "-o", str(out)]) == 1
    assert "empty.csv" in _one_line(capsys) and not out.exists()


def test_training_on_a_label_that_is_a_json_list(tmp_path, capsys):
    src = tmp_path / "l.jsonl"
    src.write_text('{"text": "a", "label": "x"}\n{"text": "b", "label": [1]}\n', encoding="utf-8")
    assert main(["train", str(src), "-o", str(tmp_path / "m.npz")]) == 1
    assert "line 2" in _one_line(capsys)


def test_eval_report_onto_an_existing_file(model_path, tmp_path, capsys):
    src = write_csv(tmp_path / "dev.csv", [(ATTACK, "attack"), (CALM, "neutral")], header=("text", "label"))
    report = tmp_path / "report"
    report.write_text("not a folder\n", encoding="utf-8")
    assert main(["eval", str(model_path), str(src), "--report", str(report)]) == 2
    assert "report" in _one_line(capsys)
    assert report.read_text(encoding="utf-8") == "not a folder\n"


def test_n_jobs_starts_workers_at_the_default_batch_size(model_path, tmp_path, monkeypatch):
    """A file smaller than one reader batch (2048) still goes to the workers with --n-jobs 2,
    and gives the rows of the in-process run, in order."""
    texts = [f"{t} {i}" for i in range(60) for t in (ATTACK, CALM)]
    src = write_csv(tmp_path / "in.csv", list(enumerate(texts)))
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert main(["score", str(src), "-o", str(one), "--model", str(model_path)]) == 0
    started: list[int] = []
    real = parallel._new_executor

    def counting(model, workers):
        started.append(workers)
        return real(model, workers)

    parallel.shutdown()
    monkeypatch.setattr(parallel, "_new_executor", counting)
    try:
        assert main(["score", str(src), "-o", str(two), "--model", str(model_path), "--n-jobs", "2"]) == 0
    finally:
        parallel.shutdown()
    assert started == [2]
    assert two.read_bytes() == one.read_bytes()


def test_a_bad_n_jobs_is_a_usage_error(model_path, tmp_path, capsys):
    src = write_csv(tmp_path / "in.csv", [(1, CALM)])
    assert main(["score", str(src), "--n-jobs", "0", "--model", str(model_path)]) == 2
    assert "--n-jobs" in _one_line(capsys)
