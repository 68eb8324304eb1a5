"""yaiba.spark.score_dataframe on a local[2] SparkSession, checked against in-process scoring;
the worker's model cache; the package imported from a zip as spark-submit ships it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from yaiba.spark.dataframe import output_columns, score_batches, score_dataframe

POSTS = [
    "お前みたいなクズは生きてる価値ない",
    "店員さんの対応が丁寧で嬉しかった",
    "新機能、使いにくいので元に戻してほしい",
]


def _by_id(rows) -> dict:
    return {r["id"]: r for r in rows}


def test_spark_scores_equal_in_process_scores_row_for_row(spark, small_model, corpus):
    texts: list[str | None] = list(corpus.text) + ["", "   ", None, POSTS[0], None]
    pdf = pd.DataFrame({"id": np.arange(len(texts), dtype=np.int64), "text": texts})
    df = spark.createDataFrame(pdf, "id long, text string").repartition(5)
    rows = _by_id(score_dataframe(df, "text", small_model).collect())
    assert len(rows) == len(texts)

    ok = [i for i, t in enumerate(texts) if t is not None]
    ok_texts = [texts[i] for i in ok]
    proba = small_model.predict_proba(ok_texts)
    score = small_model.score(ok_texts)
    labels = small_model.labels_from_proba(proba)
    kinds = small_model.predict_kind(ok_texts)
    for j, i in enumerate(ok):
        r = rows[i]
        assert r["text"] == texts[i] and r["error"] is None
        assert abs(r["p_attack"] - float(score[j])) <= 1e-6
        for c, name in enumerate(small_model.classes_):
            assert abs(r[f"p_{name}"] - float(proba[j, c])) <= 1e-6
        assert r["label"] == labels[j]
        assert r["kind"] == kinds[j]
    for i, t in enumerate(texts):
        if t is None:
            r = rows[i]
            assert r["text"] is None and r["label"] is None and r["kind"] is None
            assert all(r[f"p_{c}"] is None for c in small_model.classes_)
            assert r["error"] == "missing text in column 'text' (null)"


def test_schema_is_the_input_then_the_documented_columns(spark, small_model):
    df = spark.createDataFrame([(1, "a", 2.5)], "id long, text string, w double")
    out = score_dataframe(df, model=small_model)
    added = output_columns(small_model)
    assert [n for n, _ in added] == ["label", "p_attack", "p_criticism", "p_neutral", "kind", "error"]
    assert out.columns == ["id", "text", "w"] + [n for n, _ in added]
    assert [f.dataType.simpleString() for f in out.schema.fields] == ["bigint", "string", "double"] + [
        t for _, t in added
    ]
    prefixed = score_dataframe(df, model=small_model, prefix="y_")
    assert prefixed.columns[3:] == [f"y_{n}" for n, _ in added]


def test_every_input_column_and_row_order_kept(spark, small_model):
    rows = [(i, POSTS[i % 3] if i % 4 else None, [i, i + 1], None if i % 2 else float(i)) for i in range(40)]
    df = spark.createDataFrame(
        spark.sparkContext.parallelize(rows, 3), "id long, text string, tags array<int>, x double"
    )
    out = score_dataframe(df, model=small_model)
    assert out.select(*df.columns).collect() == df.collect()
    assert out.rdd.getNumPartitions() == df.rdd.getNumPartitions()


def test_filtering_on_a_score_does_not_score_twice(spark, small_model):
    df = spark.createDataFrame(list(enumerate(POSTS)), "id long, text string")
    out = score_dataframe(df, model=small_model).where("p_attack >= 0.5 AND label = 'attack'")
    plan = out._jdf.queryExecution().executedPlan().toString()
    assert plan.count("ArrowEvalPython") == 1, plan
    assert [r["id"] for r in out.collect()] == [0]


def test_empty_partitions_and_empty_frames(spark, small_model):
    df = spark.createDataFrame([(i, t) for i, t in enumerate(POSTS)], "id long, text string").repartition(8)
    assert df.rdd.getNumPartitions() == 8
    rows = _by_id(score_dataframe(df, model=small_model).collect())
    assert sorted(rows) == [0, 1, 2]
    expected = small_model.score(POSTS)
    for i in range(3):
        assert abs(rows[i]["p_attack"] - float(expected[i])) <= 1e-6
    empty = spark.createDataFrame([], "id long, text string")
    assert score_dataframe(empty, model=small_model).count() == 0


def test_all_null_batch_and_thresholds(spark, small_model):
    nulls = spark.createDataFrame([(1, None), (2, None)], "id long, text string")
    assert {r["error"] for r in score_dataframe(nulls, model=small_model).collect()} == {
        "missing text in column 'text' (null)"
    }
    strict = small_model.with_thresholds({"attack": 0.0})
    df = spark.createDataFrame(list(enumerate(POSTS)), "id long, text string")
    assert {r["label"] for r in score_dataframe(df, model=strict).collect()} == {"attack"}


def test_model_from_a_file_and_odd_column_names(spark, small_model, model_path):
    df = spark.createDataFrame([(1, POSTS[0])], "id long, `post.body` string")
    row = score_dataframe(df, "post.body", str(model_path)).collect()[0]
    assert abs(row["p_attack"] - float(small_model.score([POSTS[0]])[0])) <= 1e-6


def test_bad_input_is_refused_with_the_column_named(spark, small_model):
    df = spark.createDataFrame([(1, "x", "attack")], "id long, text string, LABEL string")
    with pytest.raises(ValueError, match="no column 'body'"):
        score_dataframe(df, "body", small_model)
    with pytest.raises(ValueError, match=r"already has column\(s\) label.*prefix"):
        score_dataframe(df, "text", small_model)
    with pytest.raises(TypeError, match="column 'id' is bigint, not string"):
        score_dataframe(df, "id", small_model, prefix="y_")
    with pytest.raises(TypeError, match="model must be"):
        score_dataframe(df, "text", 42, prefix="y_")  # type: ignore[arg-type]


def test_worker_loads_the_model_once_per_checksum(small_model):
    class Holder:
        def __init__(self, blob: bytes) -> None:
            self.blob, self.reads = blob, 0

        @property
        def value(self) -> bytes:
            self.reads += 1
            return self.blob

    holder = Holder(small_model.to_bytes())
    cols = [n for n, _ in output_columns(small_model)]
    for _ in range(3):  # three tasks on the same worker
        frames = list(score_batches(iter([pd.Series(POSTS), pd.Series([None])]), "k1", holder, cols, "text", 2))
        assert [len(f) for f in frames] == [3, 1]
    assert holder.reads == 1
    list(score_batches(iter([pd.Series(POSTS)]), "k2", holder, cols, "text", 2))
    assert holder.reads == 2
    list(score_batches(iter([pd.Series([None, None])]), "k3", holder, cols, "text", 2))
    assert holder.reads == 2  # nothing to score: the model is not even loaded


def test_positive_class_not_first_in_classes(spark):
    import yaiba

    texts = ["死ね", "クズが", "消えろゴミ", "ありがとう", "いい天気", "美味しかった"] * 3
    clf = yaiba.train(texts, ["toxic", "toxic", "toxic", "ok", "ok", "ok"] * 3, positive_label="toxic")
    assert clf.classes_ == ("ok", "toxic")
    df = spark.createDataFrame(list(enumerate(["死ね", "ありがとう"])), "id long, text string")
    out = score_dataframe(df, model=clf)
    assert out.columns[2:] == ["label", "p_toxic", "p_ok", "kind", "error"]
    rows = sorted(out.collect())
    np.testing.assert_allclose([r["p_toxic"] for r in rows], clf.score(["死ね", "ありがとう"]), atol=1e-6, rtol=0)
    np.testing.assert_allclose(
        [r["p_ok"] for r in rows], clf.predict_proba(["死ね", "ありがとう"])[:, 0], atol=1e-6, rtol=0
    )
    assert [r["label"] for r in rows] == clf.predict(["死ね", "ありがとう"])
    assert [r["kind"] for r in rows] == [None, None]


def test_default_model_loads_from_a_zipped_package(tmp_path):
    """spark-submit --py-files yaiba.zip: the package, model included, is imported from a zip."""
    import subprocess
    import zipfile

    root = Path(__file__).resolve().parents[2]
    archive = tmp_path / "yaiba.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        package = root / "src" / "yaiba"
        for path in sorted(package.rglob("*")):
            if path.is_file() and (path.suffix == ".py" or path.parent.name == "resources"):
                zf.write(path, f"yaiba/{path.relative_to(package).as_posix()}")
        zf.write(root / "models" / "default.npz", "yaiba/models/default.npz")
    code = "import yaiba; assert yaiba.__file__.startswith(%r), yaiba.__file__; print(yaiba.load().classes_)"
    done = subprocess.run(
        [sys.executable, "-c", code % str(archive)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(archive)},
    )
    assert done.returncode == 0, done.stderr
    assert "attack" in done.stdout
