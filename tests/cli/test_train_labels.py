"""`yaiba train` and the positive label: a label file of 0/1 needs --positive-label (issue 13 item 5).

Before, training on 0/1 labels without ``--positive-label 1`` silently wrote a model without a
positive class (the default "attack" was not a label); now it is a usage error.
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

import yaiba
from yaiba.cli.main import main

POSTS = [
    ("隣の席のやつ、マジで気持ち悪いから消えてほしい", 1),
    ("あんな無能が課長とか終わってる、辞めろ", 1),
    ("お前なんか誰にも必要とされてない", 1),
    ("駅前に新しいパン屋ができたらしい", 0),
    ("明日は雨なので傘を持っていきます", 0),
    ("この本、最後の章で泣いてしまった", 0),
]


@pytest.fixture
def binary_csv(tmp_path):
    path = tmp_path / "binary.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "y"])
        for _ in range(3):
            w.writerows(POSTS)
    return path


def test_train_on_01_labels_without_a_positive_label_is_a_usage_error(binary_csv, tmp_path, capsys):
    out = tmp_path / "m.npz"
    assert main(["train", str(binary_csv), "--label-col", "y", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [
        "yaiba train: usage error: the positive label \"attack\" is not among the labels ['0', '1']; "
        "pass --positive-label"
    ]
    assert not out.exists()


def test_train_with_positive_label_1_scores_the_class_python_scores(binary_csv, tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", str(binary_csv), "--label-col", "y", "--positive-label", "1", "-o", str(model)]) == 0
    clf = yaiba.load(model)
    assert clf.positive_label == "1" and clf.classes_ == ("0", "1")
    texts = [t for t, _ in POSTS]
    posts = tmp_path / "posts.txt"
    posts.write_text("\n".join(texts) + "\n", encoding="utf-8")
    scored = tmp_path / "scored.csv"
    assert main(["score", str(posts), "--model", str(model), "-o", str(scored)]) == 0
    table = pd.read_csv(scored, dtype={"label": str})
    assert list(table.columns[2:4]) == ["p_1", "p_0"]
    np.testing.assert_allclose(table["p_1"], clf.score(texts), atol=1e-6)
    # a model trained in Python on int labels scores the same class, named the same way
    py = yaiba.train(texts * 3, [y for _, y in POSTS] * 3, positive_label=1)
    assert py.positive_label == clf.positive_label and py.classes_ == clf.classes_
    np.testing.assert_array_equal(py.score(texts), clf.score(texts))


def test_a_long_label_list_is_cut_in_the_message(tmp_path, capsys):
    path = tmp_path / "many.csv"
    pd.DataFrame({"text": [f"投稿{i}" for i in range(30)], "label": [f"l{i:02d}" for i in range(30)]}).to_csv(
        path, index=False
    )
    assert main(["train", str(path), "-o", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "and 20 more; pass --positive-label" in err
