"""yaiba report-counts: transparency counts by label and kind from scored output."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from yaiba.cli.main import main
from yaiba.safety.transparency import BAD_TIME, NO_TIME, count_scored, parse_days

POSTS = [
    ("今日の采配は最悪。説明してほしい", "x", "2026-11-28T09:00:00+09:00"),
    ("お前なんか消えろ、クズが", "x", "2026-11-28T15:30:00Z"),  # 2026-11-29 00:30 in Tokyo
    ("雨やっと止んだ。洗濯物干そ", "y", "2026/11/29 10:00"),
    ("", "y", "2026-11-29 11:00"),  # no text: an error row
    ("あいつの住所晒すわ、凸しようぜ", "y", "1764428400"),  # epoch seconds
    ("死ね死ね死ね", "x", ""),  # no time
    ("このイヤホン3日で壊れた。金返せ", "x", "yesterday-ish"),  # unreadable time
    ("ワイほんま無能すぎて草", "x", "1764428400000"),  # epoch milliseconds
]


@pytest.fixture
def scored(tmp_path, model_path):
    src = tmp_path / "posts.csv"
    pd.DataFrame(POSTS, columns=["text", "source", "timestamp"]).to_csv(src, index=False)
    out = tmp_path / "scored.csv"
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path)]) == 0
    return out


def test_days_in_tokyo_from_every_time_spelling():
    got = parse_days(pd.Series([t for _, _, t in POSTS]))
    assert got.tolist() == [
        "2026-11-28",
        "2026-11-29",
        "2026-11-29",
        "2026-11-29",
        "2025-11-30",
        NO_TIME,
        BAD_TIME,
        "2025-11-30",
    ]
    assert parse_days(pd.Series(["2026-11-28T15:30:00Z"]), tz="UTC").tolist() == ["2026-11-28"]


def test_counts_match_an_independent_tally_of_the_scored_file(scored):
    counts = count_scored(str(scored), by=["day", "source"])
    df = pd.read_csv(scored, dtype=str, keep_default_na=False)
    df["day"] = parse_days(df["timestamp"])
    failed = df["error"] != ""
    assert counts.rows == len(POSTS) and counts.errors == int(failed.sum()) == 1
    assert counts.bad_times == 1 and counts.first_bad_time == 7
    table = counts.labels.set_index(["day", "source"])
    assert int(table["posts"].sum()) == len(POSTS)  # nothing dropped
    for (day, source), group in df.groupby(["day", "source"]):
        row = table.loc[(day, source)]
        ok = group[group["error"] == ""]
        assert row["posts"] == len(group) and row["errors"] == len(group) - len(ok)
        for label in ("attack", "criticism", "neutral"):
            assert row[label] == int((ok["label"] == label).sum()), (day, source, label)
    attacks = df[(df["label"] == "attack") & ~failed]
    expected = attacks.groupby(["day", "source", "kind"]).size()
    got = counts.kinds.set_index(["day", "source", "kind"])["posts"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    assert table.index.get_level_values("day")[-2:].tolist() == [BAD_TIME, NO_TIME]  # markers last


def test_jsonl_gives_the_same_counts_as_csv(scored, tmp_path):
    df = pd.read_csv(scored, dtype=str, keep_default_na=False)
    path = tmp_path / "scored.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for rec in df.to_dict("records"):
            rec = {k: (None if v == "" and k in ("label", "kind", "error") else v) for k, v in rec.items()}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    a = count_scored(str(scored), by=["source"])
    b = count_scored(str(path), by=["source"])
    pd.testing.assert_frame_equal(a.labels, b.labels)
    pd.testing.assert_frame_equal(a.kinds, b.kinds)


def test_cli_writes_csv_and_markdown(scored, tmp_path, capsys):
    prefix = tmp_path / "report"
    assert main(["report-counts", str(scored), "--by", "day,source", "-o", str(prefix)]) == 0
    labels = pd.read_csv(f"{prefix}.labels.csv", dtype={"day": str})
    kinds = pd.read_csv(f"{prefix}.kinds.csv")
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert list(labels.columns[:5]) == ["day", "source", "posts", "errors", "scored"]
    assert labels["posts"].sum() == len(POSTS) and labels["errors"].sum() == 1
    assert kinds["posts"].sum() == labels["attack"].sum()
    assert "## Posts by label" in md and "## Attacks by kind" in md and "1 could not be scored" in md
    assert md.count("\n| ") == len(labels) + 1 + len(kinds) + 1  # header + rows of both tables
    assert "unreadable time" in capsys.readouterr().err


def test_totals_without_groups_on_stdout(scored, capsys):
    assert main(["report-counts", str(scored)]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("| posts"))
    assert header.startswith("| posts | errors | scored | attack | criticism | neutral")


def test_scored_with_a_prefix(tmp_path, model_path):
    src = tmp_path / "p.csv"
    pd.DataFrame({"text": ["死ね", "いい天気"], "label": ["x", "y"]}).to_csv(src, index=False)
    out = tmp_path / "s.csv"
    assert main(["score", str(src), "-o", str(out), "--model", str(model_path), "--prefix", "yaiba_"]) == 0
    counts = count_scored(str(out), prefix="yaiba_")
    assert counts.labels["posts"].tolist() == [2]
    assert counts.labels[["attack", "criticism", "neutral"]].sum(axis=1).tolist() == [2]


def test_bad_input_is_named(scored, tmp_path, capsys):
    assert main(["report-counts", str(scored), "--by", "day", "--time-col", "created"]) == 1
    assert "no column(s) 'created' (day comes from --time-col" in capsys.readouterr().err
    assert main(["report-counts", str(scored), "--by", "region"]) == 1
    assert "no column(s) 'region'" in capsys.readouterr().err
    assert main(["report-counts", str(scored), "--tz", "Mars/Olympus"]) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"label": "attack"}\n{not json\n', encoding="utf-8")
    assert main(["report-counts", str(bad)]) == 1
    assert "bad.jsonl: line 2: invalid JSON" in capsys.readouterr().err
    assert main(["report-counts", str(tmp_path / "missing.csv")]) == 1
    assert main(["report-counts", str(scored), "-o", str(tmp_path / "no" / "dir" / "r")]) == 2


@pytest.mark.parametrize(
    "value", ["now", "10:00", "May", "-1", "yesterday", "2026-11", "20261129", "2026/1/5", "2026-02-30", "12345678"]
)
def test_partial_relative_or_impossible_times_are_bad_never_an_invented_day(value):
    assert parse_days(pd.Series([value])).tolist() == [BAD_TIME]


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2026-11-29", "2026-11-29"),
        ("2026-11-29T23:30", "2026-11-29"),
        ("2026-11-29 10:00:00.5", "2026-11-29"),
        ("2026-11-28T15:30:00Z", "2026-11-29"),
        ("2026-11-28T20:30:00+0900", "2026-11-28"),
        ("2026-11-28T20:30:00-05", "2026-11-29"),
        ("2026/11/29", "2026-11-29"),
        ("2026/11/29 10:00:05", "2026-11-29"),
        (" 1764428400 ", "2025-11-30"),
        ("1764428400000", "2025-11-30"),
    ],
)
def test_full_dates_in_the_documented_spellings_are_read(value, day):
    assert parse_days(pd.Series([value])).tolist() == [day]


def test_report_counts_puts_unreadable_times_under_bad_time(tmp_path):
    scored = tmp_path / "scored.csv"
    rows = [("attack", "", "now"), ("neutral", "", "10:00"), ("neutral", "", "May"), ("attack", "", "2026/11/29")]
    pd.DataFrame(rows, columns=["label", "error", "timestamp"]).to_csv(scored, index=False)
    counts = count_scored(str(scored), by=["day"])
    assert counts.bad_times == 3 and counts.first_bad_time == 1
    assert dict(zip(counts.labels["day"], counts.labels["posts"])) == {"2026-11-29": 1, BAD_TIME: 3}
