"""yaiba score --spans: each post's sentences with offsets and P(attack)."""

from __future__ import annotations

import csv
import json

from yaiba.cli.main import main
from yaiba.testing import write_csv

POSTS = ["この采配は最悪。説明してほしい", "今日は雨。\nお前は本当にクズだな。消えろ", "一文"]


def test_spans_give_each_sentence_with_offsets_into_the_post(tmp_path, model_path):
    src = write_csv(tmp_path / "in.csv", list(enumerate(POSTS)))
    out = tmp_path / "out.jsonl"
    assert main(["score", str(src), "--model", str(model_path), "--spans", "-o", str(out), "--no-progress"]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in rows] == POSTS
    sentences = [[r["text"][s["start"] : s["end"]] for s in r["spans"]] for r in rows]
    assert sentences == [
        ["この采配は最悪。", "説明してほしい"],
        ["今日は雨。", "お前は本当にクズだな。", "消えろ"],
        ["一文"],
    ]
    assert all(0.0 <= s["p_attack"] <= 1.0 for r in rows for s in r["spans"])
    # as CSV the spans are one JSON cell; without --spans there is no such column
    out_csv = tmp_path / "out.csv"
    assert main(["score", str(src), "--model", str(model_path), "--spans", "-o", str(out_csv), "--no-progress"]) == 0
    with open(out_csv, encoding="utf-8", newline="") as fh:
        cells = [json.loads(r["spans"]) for r in csv.DictReader(fh)]
    assert cells == [r["spans"] for r in rows]
    plain = tmp_path / "plain.csv"
    assert main(["score", str(src), "--model", str(model_path), "-o", str(plain), "--no-progress"]) == 0
    with open(plain, encoding="utf-8", newline="") as fh:
        assert "spans" not in next(csv.reader(fh))


def test_info_says_how_long_posts_are_scored(tmp_path, small_model, capsys):
    assert main(["info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"]["sentence_margin"] == 5.0
    est = small_model.estimator
    try:
        est.set_params(sentence_margin=None)
        small_model.save(tmp_path / "whole.npz")
    finally:
        est.set_params(sentence_margin=5.0)
    assert main(["info", str(tmp_path / "whole.npz")]) == 0
    assert "long posts: scored whole" in capsys.readouterr().out
