"""`yaiba build-model`: the shipped recipe, extended with your own labelled posts (--extra),
from a checkout or a pip install (the corpus ships in the package). Issue 13 item 6.

These tests train on a small slice of the corpus (``--corpus``) without the public datasets,
so they take seconds; the one that reads ../shared/datasets is marked ``datasets``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest

import yaiba
from yaiba.cli.main import main
from yaiba.recipe import default_model as recipe

ROOT = Path(__file__).resolve().parents[2]

MINE = [
    ("うちの店長、客の前で新人を怒鳴りつけるのはやめてほしい", "criticism", ""),
    ("店長みたいな無能はさっさと辞めろ", "attack", "insult"),
    ("新しいレジの使い方をみんなで確認しました", "neutral", ""),
    ("あの店員、顔も性格も最悪だから二度と来るな", "attack", ""),
]


@pytest.fixture(scope="module")
def small_corpus(corpus, tmp_path_factory) -> Path:
    """20 corpus rows of each label, in the corpus's own columns."""
    path = tmp_path_factory.mktemp("corpus") / "small.csv"
    pd.concat([g.iloc[:20] for _, g in corpus.groupby("label")]).to_csv(path, index=False)
    return path


def _write(path: Path, rows, columns=("text", "label", "kind")) -> Path:
    pd.DataFrame(rows, columns=list(columns)).to_csv(path, index=False)
    return path


def test_build_model_with_extra_rows_records_them(small_corpus, tmp_path, capsys):
    mine = _write(tmp_path / "mine.csv", MINE)
    more = tmp_path / "mine2.jsonl"
    more.write_text(
        json.dumps({"post": "駅の案内がわかりにくいので改善してほしい", "y": "criticism"}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "m.npz"
    assert main(["build-model", "--corpus", str(small_corpus), "--extra", str(mine), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"wrote {out}" in err and "extra: " in err and "trained without the public rows" in err
    clf = yaiba.load(out)
    recipe_info = clf.info["recipe"]
    (record,) = recipe_info["extra"]["files"]
    assert record == {
        "path": str(mine),
        "rows": 4,
        "labels": {"attack": 2, "criticism": 1, "neutral": 1},
        "attack_rows_without_kind": 1,
        "sha256": hashlib.sha256(mine.read_bytes()).hexdigest(),
    }
    assert recipe_info["extra"]["weight"] == recipe.EXTRA_WEIGHT
    assert recipe_info["sources"]["extra:mine.csv"]["rows"] == 4
    assert clf.info["training"]["n_rows"] == 60 + 4
    assert clf.thresholds == {"attack": recipe.ATTACK_THRESHOLD} and clf.positive_label == "attack"
    assert "metrics" not in clf.info  # nothing to measure on without the datasets

    # two files, other columns, another weight
    out2 = tmp_path / "m2.npz"
    args = ["build-model", "--corpus", str(small_corpus), "--extra", str(mine), "--extra", str(more)]
    args += ["--text-col", "post", "--label-col", "y", "--extra-weight", "3", "-o", str(out2)]
    assert main(args) == 1  # mine.csv has no column 'post'
    assert "mine.csv: no column 'post'" in capsys.readouterr().err
    args = ["build-model", "--corpus", str(small_corpus), "--extra", str(more), "--text-col", "post"]
    args += ["--label-col", "y", "--extra-weight", "3", "-o", str(out2)]
    assert main(args) == 0
    info = yaiba.load(out2).info["recipe"]
    assert info["extra"]["weight"] == 3.0 and info["extra"]["files"][0]["rows"] == 1
    assert info["data_sha256"] != recipe_info["data_sha256"]


def test_without_extra_the_record_has_no_extra_entry(small_corpus):
    model = recipe.build(small_corpus)
    assert "extra" not in model.info["recipe"] and model.info["training"]["n_rows"] == 60


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [("普通の投稿", "neutral", ""), ("ひどい投稿", "toxic", "")],
            r"bad\.csv: line 3: label 'toxic' is not one of",
        ),
        ([("死ね", "attack", "curse")], r"bad\.csv: line 2: attack kind 'curse' is not one of .*insult"),
        (
            [("死ね", "1", "")],
            r"bad\.csv: line 2: label '1' is not one of the model's labels \(attack, criticism, neutral\)",
        ),
    ],
)
def test_an_extra_row_outside_the_label_set_is_refused_naming_file_and_line(
    small_corpus, tmp_path, capsys, rows, message
):
    bad = _write(tmp_path / "bad.csv", rows)
    out = tmp_path / "m.npz"
    assert main(["build-model", "--corpus", str(small_corpus), "--extra", str(bad), "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert re.search(message, err), err
    assert not out.exists()


def test_a_multiline_record_is_named_by_the_line_it_ends_on(small_corpus, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text('text,label\n"一行目\n二行目",neutral\nふつうの投稿,spam\n', encoding="utf-8")
    assert main(["build-model", "--corpus", str(small_corpus), "--extra", str(bad), "-o", str(tmp_path / "m")]) == 1
    assert "bad.csv: line 4: label 'spam'" in capsys.readouterr().err


@pytest.mark.parametrize("what", ["corpus", "extra", "datasets", "empty-datasets", "empty-extra"])
def test_a_missing_input_is_one_line_naming_it(small_corpus, tmp_path, capsys, what):
    args = ["build-model", "--corpus", str(small_corpus), "-o", str(tmp_path / "m.npz")]
    named = {
        "corpus": tmp_path / "nope.csv",
        "extra": tmp_path / "mine.csv",
        "datasets": tmp_path / "no-such-folder",
        "empty-datasets": tmp_path / "empty",
        "empty-extra": tmp_path / "header-only.csv",
    }[what]
    if what == "corpus":
        args[2] = str(named)
    elif what in ("extra", "empty-extra"):
        if what == "empty-extra":
            named.write_text("text,label\n", encoding="utf-8")
        args += ["--extra", str(named)]
    else:
        if what == "empty-datasets":
            named.mkdir()
        args += ["--datasets", str(named)]
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(named) in err and "Traceback" not in err, err
    if what == "empty-datasets":
        assert "inspection_ai/subset.csv" in err


def test_usage_errors(small_corpus, tmp_path, capsys):
    base = ["build-model", "--corpus", str(small_corpus)]
    assert main([*base, "--extra-weight", "0", "-o", str(tmp_path / "m.npz")]) == 2
    assert main([*base, "--extra-weight", "nan", "-o", str(tmp_path / "m.npz")]) == 2
    assert main(base) == 2  # -o is required: an extended build never overwrites the shipped model by default
    assert "usage error: --extra-weight must be a number > 0" in capsys.readouterr().err


def test_the_default_corpus_is_the_project_corpus():
    path = recipe.default_corpus()
    assert path.is_file() and path.read_bytes() == (ROOT / "data" / "corpus.csv").read_bytes()


@pytest.mark.datasets
def test_build_with_the_public_sets_and_extra_rows_is_measured(small_corpus, datasets, tmp_path, capsys):
    mine = _write(tmp_path / "mine.csv", MINE)
    out = tmp_path / "m.npz"
    args = ["build-model", "--corpus", str(small_corpus), "--datasets", str(datasets), "--extra", str(mine)]
    assert main([*args, "-o", str(out)]) == 0
    info = yaiba.load(out).info
    assert {"corpus", "inspection_ai", "rtp_lx", "extra:mine.csv"} == set(info["recipe"]["sources"])
    assert info["recipe"]["public_weight"] == recipe.PUBLIC_WEIGHT and "public_datasets" not in info["recipe"]
    assert {"dev", "rtp_lx_holdout", "nishika"} == set(info["metrics"])
    assert "dev: macro-F1" in capsys.readouterr().err


def test_the_card_and_readme_document_every_build_model_option():
    """Issue 13 item 6: how to extend the shipped model, and what the file records."""
    from yaiba.cli.main import parser

    sub = next(a for a in parser()._actions if a.dest == "command")
    options = {o for a in sub.choices["build-model"]._actions for o in a.option_strings if o.startswith("--")}
    card = (ROOT / "models" / "README.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = sorted(o for o in options - {"--help", "--quiet", "--output"} if o not in card)
    assert not missing, f"models/README.md does not document {missing}"
    for text in (card, readme):
        assert "build-model --extra" in text and re.search("sha-?256", text.lower()) and "--extra-weight" in text
