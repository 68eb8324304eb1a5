"""Post files in and out (yaiba.io.posts), through ``yaiba score``: malformed CSV, encodings,
byte order marks, hostile JSON lines, odd characters, line breaks inside posts.

Every input record yields exactly one output row in order; the output file appears only
when the run completed; errors are one line naming the file and what to do.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from yaiba.cli.main import main

ATTACK = "お前みたいなクズは生きてる価値ない"
CALM = "店員さんの対応が丁寧で嬉しかった"


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _no_leftovers(folder: Path, keep=()):
    """No output or temporary file besides the inputs."""
    return sorted(p.name for p in folder.iterdir() if p.name not in keep) == []


def test_malformed_csv_records_become_error_rows_in_place(model_path, tmp_path, capsys):
    lines = [
        "id,text",
        f"1,{ATTACK}",
        "2,too,many,fields",
        "3",
        f'4,"{CALM}"x',  # text after the closing quote
        "5,nul\x00byte",
        '6,"a post over',  # a legal multi-line post
        'two lines"',
        '7,"stray quote',  # never closed here: the next quote is on line 11
        f"8,{CALM}",
        '9,"quoted, with a comma"',
        f"10,{ATTACK}",
        '11,"never closed at all',
        f"12,{CALM}",
    ]
    src = tmp_path / "bad.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path)]) == 0
    rows = _rows(out)
    assert [r["id"] for r in rows] == [str(i) for i in range(1, 13)]
    errors = {r["id"]: r["error"] for r in rows if r["error"]}
    assert errors == {
        "2": "malformed CSV row at line 3: expected 2 fields, got 4",
        "3": "malformed CSV row at line 4: expected 2 fields, got 1",
        "4": "malformed CSV at line 5: ',' expected after '\"'",
        "5": "malformed CSV at line 6: NUL byte in the record",
        "7": "malformed CSV at line 9: ',' expected after '\"'",
        "11": "malformed CSV at line 13: unterminated quote",
    }
    for r in rows:
        assert (r["p_attack"] == "") == (r["id"] in errors)
    assert next(r for r in rows if r["id"] == "6")["text"] == "a post over\ntwo lines"
    assert next(r for r in rows if r["id"] == "9")["text"] == "quoted, with a comma"
    assert "6 row(s) could not be scored" in capsys.readouterr().err


def test_a_malformed_tsv_line_keeps_its_other_cells(model_path, tmp_path):
    src = tmp_path / "bad.tsv"
    src.write_text(f'id\ttext\n1\t{ATTACK}\n2\t"{CALM}"x\n3\t{CALM}\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path)]) == 0
    rows = _rows(out)
    assert [r["id"] for r in rows] == ["1", "2", "3"]  # the bad line's id is read with tabs
    assert rows[1]["error"].startswith("malformed CSV at line 3") and rows[1]["p_attack"] == ""


def _cp932_file(path: Path, ascii_rows: int = 0) -> list[str]:
    texts = ["表示がおかしい、ソフトを直して", ATTACK, "ﾊﾝｶｸ ｶﾀｶﾅ と ①②"]  # 表/ソ end in byte 0x5c
    rows = [(f"a{i}", f"plain ascii post number {i}") for i in range(ascii_rows)]
    rows += [(f"j{i}", t) for i, t in enumerate(texts)]
    with open(path, "w", encoding="cp932", newline="") as fh:
        csv.writer(fh).writerows([("id", "text"), *rows])
    return [t for _, t in rows]


def test_cp932_input_with_encoding_option(model_path, tmp_path):
    src = tmp_path / "sjis.csv"
    texts = _cp932_file(src)
    out = tmp_path / "out.csv"
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path), "--encoding", "cp932"]) == 0
    rows = _rows(out)
    assert [r["text"] for r in rows] == texts
    assert all(r["error"] == "" and 0 <= float(r["p_attack"]) <= 1 for r in rows)


@pytest.mark.parametrize("ascii_rows", [0, 600], ids=["header", "after-600-rows"])
def test_cp932_read_as_utf8_fails_cleanly_without_output(model_path, tmp_path, capsys, ascii_rows):
    """Undecodable bytes at the top or far into the file (after whole chunks were scored
    and written): exit 1, one line naming the file and the fix, no output file."""
    src = tmp_path / "sjis.csv"
    _cp932_file(src, ascii_rows)
    out = tmp_path / "out.csv"
    argv = ["score", str(src), "-o", str(out), "--model", str(model_path), "--batch-size", "50"]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "sjis.csv" in err and "--encoding cp932" in err
    assert _no_leftovers(tmp_path, keep={"sjis.csv"})


def test_missing_column_names_file_and_column_and_writes_nothing(model_path, tmp_path, capsys):
    src = tmp_path / "posts.csv"
    src.write_text("id,body\n1,x\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path), "--text-col", "message"]) == 1
    err = capsys.readouterr().err
    assert "posts.csv" in err and "'message'" in err and "id, body" in err
    assert _no_leftovers(tmp_path, keep={"posts.csv"})
    labelled = tmp_path / "labelled.csv"
    labelled.write_text(f"text,label\n{ATTACK},attack\n", encoding="utf-8")
    assert main(["eval", str(model_path), str(labelled), "--label-col", "gold"]) == 1
    err = capsys.readouterr().err
    assert "labelled.csv" in err and "'gold'" in err


def test_byte_order_mark_is_not_part_of_the_first_row(model_path, tmp_path):
    for name, body in [
        ("bom.jsonl", json.dumps({"text": ATTACK}, ensure_ascii=False) + "\n"),
        ("bom.txt", ATTACK + "\n"),
        ("bom.csv", f"id,text\n7,{ATTACK}\n"),
    ]:
        src = tmp_path / name
        src.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
        out = tmp_path / (name + ".out.jsonl")
        assert main(["score", str(src), "-o", str(out), "--model", str(model_path)]) == 0
        (row,) = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
        assert row["text"] == ATTACK and row["error"] is None, name
        if name == "bom.csv":  # CSV to JSONL keeps every column by name
            assert row["id"] == "7"


def test_hostile_json_lines_are_row_errors(model_path, tmp_path):
    lines = [
        json.dumps({"text": ATTACK}, ensure_ascii=False),
        "[" * 100_000,  # RecursionError inside json
        '{"text": "x", "n": ' + "1" * 5000 + "}",  # int too long to convert (ValueError)
        json.dumps({"text": CALM}, ensure_ascii=False),
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path)]) == 0
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 4
    assert rows[0]["error"] is None and rows[3]["error"] is None
    assert rows[1]["error"] == "invalid JSON at line 2: nested too deeply"
    assert rows[2]["error"].startswith("invalid JSON at line 3: Exceeds the limit")


LONE = ["a\ud800b", "\udfff", ATTACK + "\ud83d"]  # lone halves of surrogate pairs


def _surrogate_jsonl(path: Path) -> None:
    # json.dumps escapes lone surrogates as \udXXX: valid JSON that decodes to them again
    path.write_text("".join(json.dumps({"text": t, "id": i}) + "\n" for i, t in enumerate(LONE)), encoding="ascii")


def test_lone_surrogates_survive_jsonl_and_csv_output(model_path, tmp_path, capsys):
    src = tmp_path / "s.jsonl"
    _surrogate_jsonl(src)
    out = tmp_path / "out.jsonl"
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path)]) == 0
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in rows] == LONE  # kept exactly, as JSON escapes
    assert [r["id"] for r in rows] == [0, 1, 2] and all(r["error"] is None for r in rows)
    out_csv = tmp_path / "out.csv"
    assert main(["score", str(src), "-o", str(out_csv), "--model", str(model_path)]) == 0
    assert "keeps only the 'text' field" in capsys.readouterr().err
    texts = [r["text"] for r in _rows(out_csv)]
    assert texts == ["a\ufffdb", "\ufffd", ATTACK + "\ufffd"]  # CSV has no escape: U+FFFD
    assert main(["score", str(src), "--model", str(model_path), "--out-format", "table"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1 + len(LONE)


def test_line_breaks_inside_posts_do_not_split_output_rows(model_path, tmp_path):
    """A bare CR, NEL, LINE/PARAGRAPH SEPARATOR inside a post stay inside its output row,
    for csv readers and for JSONL consumers that split with str.splitlines()."""
    texts = ["a\rb", "c\x85d", "e\u2028f\u2029g", "h\r\ni"]
    src = tmp_path / "in.csv"
    with open(src, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("id", "text"), *enumerate(texts)])
    for fmt in ("csv", "jsonl"):
        out = tmp_path / f"out.{fmt}"
        assert main(["score", str(src), "-o", str(out), "--model", str(model_path)]) == 0
        if fmt == "csv":
            assert [r["text"] for r in _rows(out)] == texts
        else:
            lines = out.read_text(encoding="utf-8").splitlines()
            assert [json.loads(x)["text"] for x in lines] == texts
