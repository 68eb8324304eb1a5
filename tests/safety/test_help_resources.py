"""The help-resources table shipped in the package, and yaiba.help_resources(kind)."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import yaiba
from yaiba.safety.help_resources import ATTACK_KINDS, COLUMNS, last_checked, load_table

ROOT = Path(__file__).resolve().parents[2]


def test_table_loads_as_typed_records_with_the_named_services():
    table = yaiba.help_resources()
    assert len(table) >= 5
    names = " ".join(r.name for r in table)
    assert "違法・有害情報相談センター" in names
    assert "インターネット人権相談受付窓口" in names
    for r in table:
        assert isinstance(r, yaiba.HelpResource)
        assert isinstance(r.checked, dt.date) and r.checked <= dt.date.today()
        assert r.kinds and set(r.kinds) <= set(ATTACK_KINDS) | {"all"}
        assert r.url.startswith(("https://", "http://")) and r.contact and r.handles
    assert last_checked() == min(r.checked for r in table)


def test_unconfirmed_details_stay_marked():
    table = yaiba.help_resources()
    flagged = [r for r in table if r.unconfirmed]
    assert flagged and all("未確認" in r.notes for r in flagged)
    assert all(not r.unconfirmed for r in table if "未確認" not in r.notes)


@pytest.mark.parametrize("kind", ATTACK_KINDS)
def test_help_for_a_kind_is_the_rows_that_name_it_or_all_in_table_order(kind):
    table = yaiba.help_resources()
    got = yaiba.help_resources(kind)
    assert got == [r for r in table if kind in r.kinds or "all" in r.kinds]
    assert got and all(r.applies_to(kind) for r in got)


def test_threats_point_to_the_police_and_insults_to_the_human_rights_bureau():
    threat = {r.name for r in yaiba.help_resources("threat")}
    insult = {r.name for r in yaiba.help_resources("insult")}
    assert any("110番（緊急通報）" in n for n in threat) and any("#9110" in n for n in threat)
    assert not any("110番（緊急通報）" in n for n in insult)
    assert any("人権" in n for n in insult)


def test_unknown_kind_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"unknown attack kind 'harsh'.*insult"):
        yaiba.help_resources("harsh")


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


GOOD = ["名前", "運営", "内容", "all", "電話 000", "https://example.com/", "", "2026-11-29"]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("kinds", "insult|harsh", r"line 3: column 'kinds' has unknown kind\(s\) \['harsh'\]"),
        ("url", "example.com", "line 3: column 'url' is not a web address"),
        ("checked", "29/11/2026", "line 3: column 'checked' is not a date"),
        ("contact", "", "line 3: column 'contact' is empty"),
    ],
)
def test_a_bad_table_is_refused_naming_line_and_column(tmp_path, column, value, message):
    bad = list(GOOD)
    bad[COLUMNS.index(column)] = value
    path = _write(tmp_path / "t.csv", [COLUMNS, GOOD, bad])
    with pytest.raises(ValueError, match=message):
        load_table(path)
    with pytest.raises(ValueError, match="header must be"):
        load_table(_write(tmp_path / "h.csv", [COLUMNS[:-1], GOOD[:-1]]))


def test_the_table_is_in_the_built_wheel(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    (wheel,) = tmp_path.glob("yaiba-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "yaiba/resources/help_resources.csv" in names
