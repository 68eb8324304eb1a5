"""yaiba.io.datasets: the real-post development set is joined to its text by id, never copied."""

from __future__ import annotations

import csv
import runpy
from pathlib import Path

import pandas as pd
import pytest

from yaiba.io.datasets import load_labelled_ids

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "data" / "real" / "open2ch_labels.csv"


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])


def test_labels_are_joined_to_text_by_id_and_file(tmp_path):
    nishika = tmp_path / "nishika_hate_speech"
    _write(
        nishika / "train.csv",
        ["id", "source", "text", "label"],
        [["007", "vip", "一つ目", "0"], ["x1", "vip", "二つ目", "1"]],
    )
    _write(nishika / "unlabelled.csv", ["id", "source", "text"], [["007", "vip", "同じidの別の投稿"]])
    labels = tmp_path / "labels.csv"
    _write(
        labels,
        ["id", "file", "label", "kind", "label_a"],
        [
            ["007", "unlabelled.csv", "neutral", "everyday", "neutral"],
            ["007", "train.csv", "attack", "insult", "attack"],
        ],
    )
    df = load_labelled_ids(tmp_path, labels)
    assert df.text.tolist() == ["同じidの別の投稿", "一つ目"]  # leading zeros kept, file decides
    assert df.label.tolist() == ["neutral", "attack"] and df.label_a.tolist() == ["neutral", "attack"]


def test_an_id_missing_from_the_datasets_is_an_error(tmp_path):
    _write(tmp_path / "nishika_hate_speech" / "train.csv", ["id", "source", "text", "label"], [["a", "vip", "x", "0"]])
    labels = tmp_path / "labels.csv"
    _write(labels, ["id", "file", "label", "kind"], [["zzz", "train.csv", "neutral", "everyday"]])
    with pytest.raises(ValueError, match="zzz"):
        load_labelled_ids(tmp_path, labels)


def test_the_shipped_label_file_holds_ids_and_labels_only():
    df = pd.read_csv(LABELS, dtype=str, keep_default_na=False)
    assert list(df.columns) == ["id", "file", "label", "kind", "label_a", "kind_a", "label_b", "kind_b", "decided_by"]
    assert len(df) >= 1500 and df.id.is_unique
    assert set(df.label) == {"attack", "criticism", "neutral"}
    assert set(df.decided_by) == {"agreed", "adjudicated"}
    agreed = df[df.decided_by == "agreed"]
    assert (agreed.label == agreed.label_a).all() and (agreed.label == agreed.label_b).all()


def test_the_label_file_is_the_documented_random_draw(datasets):
    draw = runpy.run_path(str(ROOT / "data" / "real" / "draw_sample.py"))["draw"]
    drawn = draw(Path(datasets))
    df = pd.read_csv(LABELS, dtype=str, keep_default_na=False)
    assert list(zip(df.id, df.file)) == drawn
    assert load_labelled_ids(datasets, LABELS).text.str.len().gt(0).all()
