"""yaiba.frame: score_frame adds label, probabilities, kind and flagged to a pandas DataFrame (issue 13 item 3)."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

import yaiba
import yaiba.frame
from yaiba.frame import output_columns, score_frame

ATTACK = "お前みたいなクズは生きてる価値ない、さっさと死ね"
PRAISE = "駅前のパン屋さん、店員さんがいつも丁寧で本当にありがたい"


@pytest.fixture(scope="module")
def posts(corpus: pd.DataFrame) -> list[str]:
    """A mix of attacks, criticism and neutral posts from the corpus, plus empty ones."""
    picked = corpus.groupby("label", group_keys=False).apply(lambda g: g.sample(15, random_state=13))
    return [*picked.text.sample(frac=1.0, random_state=7), "", "   ", ATTACK, PRAISE]


@pytest.fixture
def frame(posts: list[str]) -> pd.DataFrame:
    """Posts with an unsorted string index holding duplicates, and another column."""
    n = len(posts)
    index = pd.Index([f"r{(i * 7) % 11}" for i in range(n)], name="id")  # r0, r7, r3, ... repeats
    return pd.DataFrame({"user": np.arange(n)[::-1], "text": posts}, index=index)


def expected(model: yaiba.Model, texts: list[str]) -> tuple[np.ndarray, list[str], list[str | None]]:
    """What predict_batch gives for ``texts``: probabilities in proba_columns order, labels, kinds."""
    pred = model.predict_batch(texts)
    order = [model.classes_.index(c) for c in model.proba_columns]
    return pred.proba[:, order], pred.labels, pred.kinds


def test_rows_equal_predict_batch_in_order_with_index_and_columns_kept(small_model, frame):
    out = score_frame(frame, model=small_model, batch_size=7)  # several batches
    proba, labels, kinds = expected(small_model, frame.text.tolist())
    assert out.index.equals(frame.index) and out.index.name == "id"
    assert list(out.columns) == ["user", "text", *output_columns(small_model)]
    pd.testing.assert_frame_equal(out[["user", "text"]], frame)
    assert out["label"].tolist() == labels
    assert out["kind"].tolist() == kinds
    names = [f"p_{c}" for c in small_model.proba_columns]
    assert names[0] == "p_attack"
    np.testing.assert_array_equal(out[names].to_numpy(), proba)
    # the sample is a real test: both outcomes occur, and kinds sit on attack rows only
    assert {"attack", "criticism", "neutral"} <= set(labels)
    assert all((k is not None) == (lab == "attack") for lab, k in zip(labels, kinds))


def test_added_columns_have_the_documented_dtypes(small_model, frame):
    out = score_frame(frame, model=small_model, reasons=True)
    assert [out.dtypes[c].name for c in ("label", "kind", "reason", "flagged")] == ["object"] * 3 + ["bool"]
    assert [out.dtypes[f"p_{c}"].name for c in small_model.classes_] == ["float32"] * 3
    assert any(k is None for k in out["kind"]) and any(r is None for r in out["reason"])  # None, not NaN


def test_any_index_is_kept(small_model, posts):
    texts = posts[:6]
    labels = small_model.predict_batch(texts).labels
    for index in (
        pd.MultiIndex.from_tuples([(2, "b"), (1, "a"), (2, "b"), (0, "z"), (1, "a"), (9, "c")], names=["k", "s"]),
        pd.Index([5, 3, 5, 1, 0, 3]),
        pd.date_range("2024-01-01", periods=6, freq="D")[::-1],
    ):
        df = pd.DataFrame({"text": texts}, index=index)
        out = score_frame(df, model=small_model)
        assert out.index.equals(index)
        assert out["label"].tolist() == labels
        assert out["text"].tolist() == texts


def test_the_input_frame_is_not_modified(small_model, frame):
    before = frame.copy(deep=True)
    out = score_frame(frame, model=small_model)
    pd.testing.assert_frame_equal(frame, before)
    assert out is not frame
    out.loc[out.index[0], "user"] = -1  # writing to the result leaves the input alone
    out["text"] = "changed"
    pd.testing.assert_frame_equal(frame, before)


def test_flagged_is_the_positive_label_by_the_thresholds_not_the_argmax(small_model, frame):
    texts = frame.text.tolist()
    p = small_model.predict_proba(texts)
    col = small_model.classes_.index("attack")
    not_argmax = np.flatnonzero((p.argmax(axis=1) != col) & (p[:, col] > 0))
    assert len(not_argmax), "the sample should have posts where attack is not the most probable class"
    row = not_argmax[np.argmax(p[not_argmax, col])]
    t = float(p[row, col])  # a threshold this post reaches though attack is not its argmax
    out = score_frame(frame, model=small_model.with_thresholds({"attack": t}))
    np.testing.assert_array_equal(out["flagged"].to_numpy(), p[:, col] >= t)
    assert out["flagged"].iloc[row] and out["label"].iloc[row] == "attack"
    assert (out["flagged"] == (out["label"] == small_model.positive_class)).all()


def test_flagged_follows_positive_class_for_a_model_without_a_positive_label(small_model, frame):
    model = yaiba.Model(small_model.estimator, positive_label=None)
    out = score_frame(frame, model=model)
    assert model.positive_class == model.classes_[-1] == "neutral"
    assert list(out.columns[2:4]) == ["label", "p_neutral"]
    assert (out["flagged"] == (out["label"] == "neutral")).all() and out["flagged"].any()
    assert out["kind"].isna().all()
    with pytest.raises(ValueError, match="positive label"):
        score_frame(frame, model=model, reasons=True)


def test_a_model_without_kind_head_gives_a_kind_column_of_none(small_model, frame):
    model = yaiba.Model(small_model.estimator)
    out = score_frame(frame, model=model)
    assert out["flagged"].any()
    assert out["kind"].tolist() == [None] * len(frame)


def test_reason_is_absent_by_default_and_the_moderator_message_of_flagged_rows(small_model, frame):
    assert "reason" not in score_frame(frame, model=small_model).columns
    out = score_frame(frame, model=small_model, reasons=True, batch_size=5)
    assert out.columns[-1] == "reason"
    wanted = [None if r is None else r.message for r in small_model.reasons(frame.text.tolist())]
    assert out["reason"].tolist() == wanted
    assert (out["reason"].notna() == out["flagged"]).all() and out["flagged"].any()


def test_missing_text_column_is_named_with_the_columns_present(small_model, frame):
    with pytest.raises(yaiba.DataError, match=r"no column 'body'; its columns are 'user', 'text'"):
        score_frame(frame, "body", model=small_model)
    with pytest.raises(yaiba.DataError, match=r"no column 'text'; its columns are none"):
        score_frame(pd.DataFrame(), model=small_model)


def test_duplicate_text_columns_are_refused(small_model):
    df = pd.DataFrame([["a", "b"]], columns=["text", "text"])
    with pytest.raises(yaiba.DataError, match="2 columns named 'text'"):
        score_frame(df, model=small_model)


@pytest.mark.parametrize(
    ("value", "described"),
    [(None, "None"), (np.nan, "NaN"), (pd.NA, "pd.NA"), (3, "int 3"), (b"x", "bytes b'x'"), (1.5, "float 1.5")],
)
def test_a_non_string_cell_names_its_index_label_and_type(small_model, value, described):
    df = pd.DataFrame({"text": pd.Series(["ok", value, "fine"], index=["p", "q", "r"], dtype=object)})
    with pytest.raises(yaiba.DataError) as info:
        score_frame(df, model=small_model)
    msg = str(info.value)
    assert "column 'text' has 1 cell(s) that are not str" in msg
    assert f"index 'q': {described}" in msg
    assert "'p'" not in msg and "'r'" not in msg


def test_every_bad_row_counts_and_the_first_few_are_named(small_model):
    texts = ["ok", None, "ok", np.nan, 7, None, None, None, None, "ok"]
    df = pd.DataFrame({"text": pd.Series(texts, index=[f"i{k}" for k in range(10)], dtype=object)})
    with pytest.raises(yaiba.DataError) as info:
        score_frame(df, model=small_model)
    msg = str(info.value)
    assert "has 7 cell(s)" in msg and "and 2 more" in msg
    assert [k for k in range(10) if f"'i{k}'" in msg] == [1, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("dtype", "missing"),
    [
        ("string", r"pd\.NA"),
        pytest.param(
            "str", "NaN", marks=pytest.mark.skipif(pd.__version__ < "3", reason="pandas 3's default str dtype")
        ),
    ],
)
def test_missing_values_of_pandas_string_dtypes_are_refused(small_model, dtype, missing):
    df = pd.DataFrame({"text": pd.array(["a", None, "b"], dtype=dtype)}, index=[10, 20, 30])
    with pytest.raises(yaiba.DataError, match=rf"1 cell\(s\) that are not str \(index 20: {missing} "):
        score_frame(df, model=small_model)


def test_clashing_columns_are_refused_and_prefix_avoids_them(small_model, frame):
    df = frame.assign(label="gold", flagged=False)
    with pytest.raises(yaiba.DataError, match=r"already has column\(s\) 'label', 'flagged'; pass prefix="):
        score_frame(df, model=small_model)
    out = score_frame(df, model=small_model, prefix="yaiba_", reasons=True)
    assert list(out.columns) == [*df.columns, *output_columns(small_model, "yaiba_", reasons=True)]
    assert out["label"].eq("gold").all()  # the input's own column is untouched
    assert out["yaiba_label"].tolist() == small_model.predict_batch(frame.text.tolist()).labels
    with pytest.raises(yaiba.DataError, match="'p_attack'"):
        score_frame(df.assign(p_attack=0.0), model=small_model, prefix="")
    with pytest.raises(yaiba.DataError, match="'reason'"):
        score_frame(frame.assign(reason=""), model=small_model, reasons=True)
    assert "reason" in score_frame(frame.assign(reason=""), model=small_model).columns  # no clash without it


def test_an_empty_frame_gives_the_added_columns_with_their_dtypes(small_model, frame):
    full = score_frame(frame, model=small_model, reasons=True)
    empty = score_frame(frame.iloc[:0], model=small_model, reasons=True)
    assert len(empty) == 0 and list(empty.columns) == list(full.columns)
    pd.testing.assert_series_equal(empty.dtypes, full.dtypes)
    assert empty.index.equals(frame.index[:0])


def test_multiindex_columns_take_a_full_tuple(small_model, posts):
    df = pd.DataFrame({("post", "body"): posts[:4], ("meta", "n"): range(4)})
    out = score_frame(df, ("post", "body"), model=small_model)
    assert ("label", "") in out.columns and ("flagged", "") in out.columns
    assert out[("label", "")].tolist() == small_model.predict_batch(posts[:4]).labels
    with pytest.raises(yaiba.DataError):
        score_frame(df, "post", model=small_model)  # a partial key names no single column
    with pytest.raises(yaiba.DataError, match="already has column"):  # 'kind' as a first level
        score_frame(df.rename(columns={"meta": "kind"}), ("post", "body"), model=small_model)


def test_bad_arguments_are_refused(small_model, frame):
    with pytest.raises(TypeError, match=r"to_frame\('text'\)"):
        score_frame(frame.text, model=small_model)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"yaiba\.load"):
        score_frame(frame, model="model.npz")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="prefix"):
        score_frame(frame, model=small_model, prefix=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="batch_size"):
        score_frame(frame, model=small_model, batch_size=0)
    with pytest.raises(ValueError, match="n_jobs"):
        score_frame(frame.iloc[:0], model=small_model, n_jobs=0)


def test_the_shipped_model_is_the_default_and_is_loaded_once(frame, monkeypatch):
    loads = []
    real_load = yaiba.frame.load
    monkeypatch.setattr(yaiba.frame, "load", lambda *a, **k: loads.append(a) or real_load(*a, **k))
    yaiba.frame._shipped_model.cache_clear()
    try:
        first = score_frame(frame)
        second = score_frame(frame.iloc[:3])
    finally:
        yaiba.frame._shipped_model.cache_clear()
    assert loads == [()]
    shipped = yaiba.load()
    assert first["label"].tolist() == shipped.predict_batch(frame.text.tolist()).labels
    assert second["label"].tolist() == first["label"].tolist()[:3]
    assert shipped.thresholds == {"attack": 0.5}  # the rule the score_frame docstring states


def test_the_docstring_examples_run():
    failures, tried = doctest.testmod(yaiba.frame, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failures == 0


def test_score_frame_is_exported():
    assert yaiba.score_frame is score_frame
    assert "score_frame" in yaiba.__all__
