"""The format of stdin, told from its first line (yaiba.io.posts.sniff_format and Reader "auto").

Issue 13 item 4: ``cat posts.csv | yaiba score -`` scored the CSV header and raw CSV lines as
posts. A first line that is a JSON object means JSON Lines, a CSV header naming the text
column means CSV, a line that looks like a header or JSON but is neither cannot be decided,
and anything else stays plain text.
"""

from __future__ import annotations

import io
import json
import sys

import pytest

from yaiba.io.posts import FormatUndecided, Reader, sniff_format

CASES = [
    ('{"text": "お前はクズ", "id": 1}', "text", "jsonl"),
    ('  {"body": "x"}\r\n', "text", "jsonl"),  # the text field may be missing: its rows say so
    ("id,text", "text", "csv"),
    ("id,text,label\r\n", "text", "csv"),
    ('"id","本文"', "本文", "csv"),
    ("text", "text", "csv"),  # a one-column CSV
    ("\ufeffid,text", "text", "csv"),  # a byte order mark before the header
    ("id,body", "text", None),  # a header, but not with the text column
    ("post_id\tbody", "text", None),  # a tab-separated header
    ('{"text": "unterminated', "text", None),  # JSON, broken
    ("[1, 2]", "text", None),  # JSON, but not an object
    ('"a quoted post"', "text", "txt"),
    ("お前はクズ", "text", "txt"),
    ("はい,そうです", "text", "txt"),  # commas in a Japanese post are not a header
    ("[速報] 新作発表", "text", "txt"),
    ("id,text", "message", None),
    ("", "text", "txt"),  # empty input
]


@pytest.mark.parametrize("line,text_col,expected", CASES)
def test_sniff_format(line, text_col, expected):
    assert sniff_format(line, text_col) == expected


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def _rows(reader: Reader) -> list:
    return [r for batch in reader.batches(2) for r in batch]


def test_auto_reader_keeps_the_first_line_for_csv(monkeypatch):
    _stdin(monkeypatch, b'id,text\r\n1,"multi\nline"\r\n2,b\r\n')
    with Reader("-", "auto") as reader:
        assert reader.fmt == "csv" and reader.header == ["id", "text"]
        rows = _rows(reader)
    assert [(r.line, r.fields, r.text) for r in rows] == [
        (3, ["1", "multi\nline"], "multi\nline"),
        (4, ["2", "b"], "b"),
    ]


def test_auto_reader_keeps_the_first_line_for_jsonl_and_text(monkeypatch):
    lines = [json.dumps({"text": t}, ensure_ascii=False) for t in ("一", "二", "三")]
    _stdin(monkeypatch, ("\n".join(lines) + "\n").encode())
    with Reader("-", "auto") as reader:
        assert reader.fmt == "jsonl"
        assert [r.text for r in _rows(reader)] == ["一", "二", "三"]
    _stdin(monkeypatch, "一\n二\n三".encode())
    with Reader("-", "auto") as reader:
        assert reader.fmt == "txt"
        assert [(r.line, r.text) for r in _rows(reader)] == [(1, "一"), (2, "二"), (3, "三")]


def test_auto_reader_with_a_first_line_longer_than_a_record(monkeypatch):
    """The first line is read at most ``max_record + 1`` characters at a time: a longer one
    still becomes one error row, and the lines after it are read as before."""
    _stdin(monkeypatch, ("x" * 50 + "\nshort\n").encode())
    with Reader("-", "auto", max_record=10) as reader:
        rows = _rows(reader)
    assert [(r.line, r.text) for r in rows] == [(1, None), (2, "short")]
    assert "longer than 10 characters" in rows[0].error


def test_auto_reader_refuses_an_undecidable_first_line(monkeypatch):
    _stdin(monkeypatch, b"id,body\n1,x\n")
    with pytest.raises(FormatUndecided, match=r"stdin: cannot tell the input format.*--in-format"):
        Reader("-", "auto")
