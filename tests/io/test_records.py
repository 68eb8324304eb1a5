"""What one input record may do to a run (yaiba.io.posts): an overlong record, fields that
clash with the added columns, undecodable bytes, duplicate or header-only CSV headers, and
labels that are not labels. One line of error, never a traceback; other rows are kept."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from yaiba.cli.main import main
from yaiba.errors import DataError
from yaiba.io.posts import Reader, read_labelled

ATTACK = "お前みたいなクズは生きてる価値ない"
CALM = "店員さんの対応が丁寧で嬉しかった"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _read_all(path: Path, fmt: str, cap: int) -> list:
    with Reader(str(path), fmt, "text", max_record=cap) as reader:
        return [r for rows in reader.batches(3) for r in rows]


# -- one record longer than the limit: an error row, the others kept -------------------------


def test_an_overlong_csv_record_is_one_error_row_and_the_rest_is_kept(tmp_path):
    big = "あ" * 5000
    quoted = "x" * 3000 + "\n" + 'say ""hi"", then' + "\n" + "y" * 3000  # a field over three lines
    src = tmp_path / "big.csv"
    with open(src, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerows([("id", "text"), ("1", ATTACK), ("2", big), ("3", CALM), ("4", quoted), ("5", "最後")])
    rows = _read_all(src, "csv", cap=1000)
    assert [r.fields[0] for r in rows] == ["1", "2", "3", "4", "5"]
    assert [r.text for r in rows] == [ATTACK, None, CALM, None, "最後"]
    assert "line 3" in rows[1].error and "1,000 characters" in rows[1].error
    assert "line 5" in rows[3].error  # the record that starts on line 5 (it spans 5-7)
    assert rows[4].line == 8  # line numbers go on after the skipped record


@pytest.mark.parametrize("fmt", ["jsonl", "txt"])
def test_an_overlong_line_is_one_error_row(tmp_path, fmt):
    texts = [ATTACK, "い" * 4000, CALM]
    src = tmp_path / f"big.{fmt}"
    if fmt == "jsonl":
        src.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts), encoding="utf-8")
    else:
        src.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    rows = _read_all(src, fmt, cap=1000)
    assert [r.text for r in rows] == [ATTACK, None, CALM]
    assert "line 2" in rows[1].error and [r.line for r in rows] == [1, 2, 3]


def test_records_within_the_limit_are_read_whole(tmp_path):
    src = tmp_path / "ok.csv"
    text = "う" * 990
    src.write_text(f"text\n{text}\n", encoding="utf-8")
    assert [r.text for r in _read_all(src, "csv", cap=1000)] == [text]


# -- JSONL fields that clash with the added columns, like a CSV 'label' column ---------------


@pytest.mark.parametrize("field", ["label", "p_attack", "kind", "error"])
def test_jsonl_with_an_added_field_is_refused_unless_prefixed(model_path, tmp_path, capsys, field):
    src = tmp_path / "in.jsonl"
    lines = [{"text": CALM}, {"text": ATTACK, field: "mine"}]
    src.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    argv = ["score", str(src), "-o", str(out), "--model", str(model_path), "--batch-size", "1"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert field in err and "line 2" in err and "--prefix" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]  # no output, no temp file
    assert main([*argv, "--prefix", "yaiba_"]) == 0
    scored = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert scored[1][field] == "mine" and "yaiba_label" in scored[1]


# -- undecodable bytes name their line -------------------------------------------------------


def _cp932_csv(path: Path, ascii_rows: int) -> None:
    rows = [("id", "text")] + [(f"a{i}", f"plain post {i}") for i in range(ascii_rows)] + [("j", "表示がおかしい")]
    with open(path, "w", encoding="cp932", newline="") as fh:
        csv.writer(fh).writerows(rows)


@pytest.mark.parametrize("ascii_rows", [0, 5, 700])
def test_a_decode_error_names_the_line(model_path, tmp_path, capsys, ascii_rows):
    src = tmp_path / "sjis.csv"
    _cp932_csv(src, ascii_rows)
    assert main(["score", str(src), "-o", str(tmp_path / "o.csv"), "--model", str(model_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"line {ascii_rows + 2}" in err and "--encoding cp932" in err


# -- CSV headers -------------------------------------------------------------------------------


def test_duplicate_column_names_are_refused(model_path, tmp_path, capsys):
    src = tmp_path / "dup.csv"
    src.write_text("id,text,text\n1,a,b\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path)]) == 1
    err = capsys.readouterr().err
    assert "duplicate" in err and "'text'" in err and not out.exists()


@pytest.mark.parametrize("out_name", ["out.csv", "out.txt"])
def test_a_header_only_csv_gives_a_header_only_output(model_path, tmp_path, out_name):
    src = tmp_path / "empty.csv"
    src.write_text("id,text\n", encoding="utf-8")
    out = tmp_path / out_name
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path), "--out-format", "csv"]) == 0
    header = out.read_text(encoding="utf-8").splitlines()
    assert len(header) == 1 and header[0].startswith("id,text,label,p_attack")


# -- labels that are not labels ----------------------------------------------------------------


@pytest.mark.parametrize(
    "record",
    [{"text": ATTACK, "label": [1]}, {"text": ATTACK, "label": {"y": 1}}, {"text": ATTACK, "label": "   "}],
    ids=["json-list", "json-object", "blank"],
)
def test_jsonl_labels_that_are_not_labels(tmp_path, record):
    src = tmp_path / "l.jsonl"
    good = {"text": CALM, "label": "criticism"}
    src.write_text(json.dumps(good) + "\n" + json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 2"):
        read_labelled(str(src), "text", "label")


@pytest.mark.parametrize("label", ["[1]", '["attack"]', "{}", " "])
def test_csv_labels_that_are_serialised_lists_or_blank(tmp_path, label):
    src = tmp_path / "l.csv"
    with open(src, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("text", "label"), (CALM, "criticism"), (ATTACK, label)])
    with pytest.raises(DataError, match="line 3"):
        read_labelled(str(src), "text", "label")


def test_bracketed_labels_that_are_not_json_are_kept(tmp_path):
    src = tmp_path / "l.csv"
    src.write_text(f"text,label\n{ATTACK},[attack\n{CALM},criticism\n", encoding="utf-8")
    assert read_labelled(str(src), "text", "label")[1] == ["[attack", "criticism"]
