"""`yaiba spark-score` (yaiba.spark.job): CSV and Parquet in and out on a local[2] SparkSession,
checked against in-process scoring; malformed rows and errors."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from yaiba.cli.main import main
from yaiba.testing import write_csv

POSTS = [
    "お前みたいなクズは生きてる価値ない",
    "店員さんの対応が丁寧で嬉しかった",
    "新機能、使いにくいので元に戻してほしい",
]


def _part_files(folder: Path, ext: str) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith("part-") and p.name.endswith(ext))


CLI_ROWS = [
    ("001", POSTS[0]),
    ("002", ""),  # an empty CSV field is a missing text, as in `yaiba score`
    ("003", "改行を含む投稿。\nこの采配は最悪、説明してほしい"),
    ("004", 'カンマ, と "引用符" を含む'),
    ("005", POSTS[1]),
    ("006", POSTS[2]),
]


def test_spark_score_csv_to_parquet_matches_in_process(spark, small_model, model_path, tmp_path, capsys):
    src = write_csv(tmp_path / "posts.csv", CLI_ROWS)
    out = tmp_path / "scored"
    assert main(["spark-score", str(src), str(out), "--model", str(model_path), "--partitions", "3"]) == 0
    assert "6 rows" in capsys.readouterr().err
    table = pd.concat([pq.read_table(p).to_pandas() for p in _part_files(out, ".parquet")], ignore_index=True)
    assert list(table["id"]) == [r[0] for r in CLI_ROWS]  # order kept across the 3 partitions
    assert list(table.columns[:2]) == ["id", "text"] and "_corrupt_record" not in table.columns
    ok = [i for i, r in enumerate(CLI_ROWS) if r[1]]
    expected = small_model.score([CLI_ROWS[i][1] for i in ok])
    np.testing.assert_allclose(table["p_attack"].to_numpy()[ok], expected, atol=1e-6, rtol=0)
    assert table["text"][2] == CLI_ROWS[2][1] and table["text"][3] == CLI_ROWS[3][1]
    assert table["error"][1] == "missing text in column 'text' (null)" and pd.isna(table["p_attack"][1])


def test_spark_score_parquet_to_csv_and_malformed_csv_rows(spark, small_model, model_path, tmp_path, capsys):
    src = tmp_path / "in.parquet"
    pd.DataFrame({"id": [1, 2, 3], "body": [POSTS[0], None, POSTS[2]]}).to_parquet(src)
    out = tmp_path / "csv_out"
    args = ["spark-score", str(src), str(out), "--text-col", "body", "--model", str(model_path), "--format", "csv"]
    assert main(args) == 0
    assert "1 row(s) could not be scored" in capsys.readouterr().err
    rows = [
        r
        for p in _part_files(out, ".csv")
        for r in csv.DictReader(io.StringIO(p.read_text(encoding="utf-8"), newline=""))
    ]
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert abs(float(rows[0]["p_attack"]) - float(small_model.score([POSTS[0]])[0])) <= 1e-6
    assert rows[1]["p_attack"] == "" and "missing text" in rows[1]["error"]
    assert main(args) == 2  # the output exists
    assert "--overwrite" in capsys.readouterr().err
    assert main(args + ["--overwrite"]) == 0

    bad = tmp_path / "bad.csv"
    bad.write_text(f"id,text\n1,{POSTS[0]}\n2,a,b,c\n3,{POSTS[1]}\n", encoding="utf-8")
    out2 = tmp_path / "bad_out"
    assert main(["spark-score", str(bad), str(out2), "--model", str(model_path)]) == 0
    table = pq.read_table(out2).to_pandas().sort_values("id")
    assert list(table["id"]) == ["1", "2", "3"]
    assert table["error"].iloc[1].startswith("malformed CSV record: 2,a,b,c")
    assert pd.isna(table["p_attack"].iloc[1]) and not pd.isna(table["p_attack"].iloc[2])


def test_spark_score_errors(spark, model_path, tmp_path, capsys, monkeypatch):
    src = write_csv(tmp_path / "p.csv", [(1, POSTS[0])], header=("id", "body"))
    assert main(["spark-score", str(src), str(tmp_path / "o"), "--model", str(model_path)]) == 1
    assert "no column 'text'" in capsys.readouterr().err
    assert main(["spark-score", str(tmp_path / "nope.csv"), str(tmp_path / "o")]) == 1
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "weird").mkdir()
    (tmp_path / "weird" / "a.txt").write_text("x")
    assert main(["spark-score", str(tmp_path / "weird"), str(tmp_path / "o")]) == 1
    assert "--in-format" in capsys.readouterr().err
    assert main(["spark-score", str(src), str(tmp_path / "o"), "--conf", "novalue"]) == 2
    numbers = tmp_path / "numbers.parquet"
    pd.DataFrame({"text": [1, 2]}).to_parquet(numbers)
    assert main(["spark-score", str(numbers), str(tmp_path / "o"), "--model", str(model_path)]) == 1
    assert "column 'text' is bigint, not string" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "pyspark", None)
    assert main(["spark-score", str(src), str(tmp_path / "o")]) == 1
    assert "pip install 'yaiba[spark]'" in capsys.readouterr().err


def _broken_csv(path: Path, n: int = 40, broken: int = 12, quoted: int = 22) -> Path:
    """``n`` records; record ``broken`` opens a quote it never closes, record ``quoted`` holds
    a legitimately quoted newline (the next quote character after the broken one)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        fh.write("id,text\n")
        for i in range(n):
            if i == broken:
                fh.write(f'{i:03d},"閉じない引用符 {POSTS[2]}\n')
            elif i == quoted:
                fh.write(f'{i:03d},"改行を\n含む投稿。{POSTS[0]}"\n')
            else:
                fh.write(f"{i:03d},{POSTS[i % 3]}\n")
    return path


def test_an_unterminated_quote_costs_one_error_row_never_the_rows_after_it(spark, model_path, tmp_path, capsys):
    src = _broken_csv(tmp_path / "posts.csv")
    out = tmp_path / "scored"
    assert main(["spark-score", str(src), str(out), "--model", str(model_path), "--partitions", "2"]) == 0
    err = capsys.readouterr().err
    assert "40 rows" in err and "1 row(s) could not be scored" in err
    table = pq.read_table(out).to_pandas()
    assert list(table["id"]) == [f"{i:03d}" for i in range(40)]  # every record, once, in order
    bad = table[table["error"].notna()]
    assert list(bad["id"]) == ["012"] and bad["error"].iloc[0].startswith('malformed CSV record: 012,"閉じない引用符')
    assert pd.isna(bad["text"].iloc[0]) and pd.isna(bad["p_attack"].iloc[0])
    assert table["text"][13] == POSTS[13 % 3] and table["text"][22] == f"改行を\n含む投稿。{POSTS[0]}"
    assert table["p_attack"].drop(index=12).notna().all()

    # the same rows and the same broken row as `yaiba score` (yaiba.io.posts.Reader)
    local = tmp_path / "local.csv"
    assert main(["score", str(src), "-o", str(local), "--model", str(model_path)]) == 0
    ref = pd.read_csv(local, dtype=str, keep_default_na=False)
    assert list(ref["id"]) == list(table["id"])
    assert list(ref.loc[ref["error"] != "", "id"]) == list(bad["id"])


def test_csv_in_and_out_with_newlines_every_record_accounted(spark, model_path, tmp_path, capsys):
    from yaiba.spark import job

    src = _broken_csv(tmp_path / "p.csv", n=25, broken=5, quoted=9)
    (tmp_path / "p.csv").write_text(
        (tmp_path / "p.csv").read_text(encoding="utf-8") + "25,a,b,c\n\n", encoding="utf-8"
    )  # too many fields, then a blank line: two more malformed records
    out = tmp_path / "csv_out"
    model = yaiba_load(model_path)
    result = job.run(str(src), str(out), text_col="text", model=model, in_format="csv", out_format="csv")
    assert (result.rows, result.errors, result.malformed) == (27, 3, 3)
    rows = [
        r
        for p in _part_files(out, ".csv")
        for r in csv.DictReader(io.StringIO(p.read_text(encoding="utf-8"), newline=""))
    ]
    assert len(rows) == 27 and rows[9]["text"].startswith("改行を\n含む投稿")
    assert "expected 2 fields, got 4" in rows[25]["error"] and "expected 2 fields, got 0" in rows[26]["error"]


def test_row_accounting_failure_is_loud(spark, model_path, tmp_path, capsys, monkeypatch):
    from yaiba.spark import job

    src = _broken_csv(tmp_path / "p.csv", n=10, broken=3, quoted=6)
    original = job.write
    monkeypatch.setattr(job, "write", lambda df, path, fmt, overwrite: original(df.limit(7), path, fmt, overwrite))
    assert main(["spark-score", str(src), str(tmp_path / "o"), "--model", str(model_path)]) == 1
    assert "row accounting failed: read 10 records (1 malformed)" in capsys.readouterr().err


def test_remote_style_reading_matches_local_streaming(spark, tmp_path):
    from yaiba.spark import job

    folder = tmp_path / "in"
    folder.mkdir()
    _broken_csv(folder / "a.csv", n=15, broken=4, quoted=8)
    write_csv(folder / "b.csv", [("b1", POSTS[0]), ("b2", "")])
    streamed = job.read_posts(spark, str(folder), "csv", "text", "utf-8").collect()
    via_bytes = job.read_posts(spark, str(folder / "*.csv"), "csv", "text", "utf-8").collect()  # binaryFiles
    assert len(streamed) == 17 and sorted(map(tuple, streamed)) == sorted(map(tuple, via_bytes))
    assert sum(r[job.CORRUPT] is not None for r in streamed) == 1
    write_csv(folder / "c.csv", [("c1", POSTS[1])], header=("id", "body"))
    with pytest.raises(Exception, match="differs from the first file"):
        job.read_posts(spark, str(folder), "csv", "text", "utf-8").collect()


def yaiba_load(path):
    import yaiba

    return yaiba.load(path)
