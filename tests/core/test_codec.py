"""Model files that are intact but make no sense: every one is refused with ModelFormatError.

A file's SHA-256 can be recomputed by whoever edits it, so each crafted file below carries a
correct checksum: what refuses it is the check of types, ranges, shapes and values on load.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import yaiba
from yaiba import ModelFormatError
from yaiba.cli.main import main
from yaiba.core import codec, persist

ROOT = Path(__file__).resolve().parents[2]


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def _write(path, meta, arrays, *, raw_meta: bytes | None = None, checksum: bool = True):
    """A model file with ``meta`` and ``arrays`` and (unless told) a correct checksum."""
    meta = dict(meta)
    if checksum:
        meta["checksum"] = persist.checksum(meta, arrays)
    text = raw_meta if raw_meta is not None else json.dumps(meta).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("meta.npy", _npy(np.frombuffer(text, dtype=np.uint8)))
        for name, array in arrays.items():
            zf.writestr(f"{name}.npy", _npy(array))
    return path


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def _set(*keys, value):
    """A change of meta: ``meta[k1][k2]... = value``."""

    def change(meta, arrays):
        node = meta
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value

    return change


def _both_heads(key, value):
    """The same setting in the features and in both heads' parameters (so they agree)."""

    def change(meta, arrays):
        meta["features"][key] = value
        for head in meta["heads"].values():
            head["params"][key] = value

    return change


def _array(name, make):
    def change(meta, arrays):
        arrays[name] = make(arrays[name])

    return change


def _drop(name):
    def change(meta, arrays):
        del arrays[name]

    return change


def _with_nan(a):
    a = a.copy()
    a.flat[0] = np.nan
    return a


def _with_inf(a):
    a = a.copy()
    a.flat[-1] = -np.inf
    return a


CHANGES = {
    # metadata: nesting, huge numbers, wrong types, NaN, missing keys
    "info-nested-50000-deep": "raw:info",
    "n_features-2**31": _both_heads("n_features", 2**31),
    "n_features-1e400": "raw:1e400",
    "n_features-5000-digits": "raw:digits",
    "n_features-not-power-of-two": _both_heads("n_features", 1000),
    "n_features-string": _both_heads("n_features", "262144"),
    "features-a-list": _set("features", value=[1, 2]),
    "features-missing": lambda meta, arrays: meta.pop("features"),
    "features-n_features-missing": lambda meta, arrays: meta["features"].pop("n_features"),
    "environment-a-string": _set("environment", value="x"),
    "environment-missing": lambda meta, arrays: meta.pop("environment"),
    "heads-a-list": _set("heads", value=["label"]),
    "heads-unknown-head": _set("heads", "evil", value={}),
    "head-a-string": _set("heads", "label", value="x"),
    "params-a-list": _set("heads", "label", "params", value=[1]),
    "params-unknown-key": _set("heads", "label", "params", "evil", value=1),
    "params-C-string": _set("heads", "label", "params", "C", value="x"),
    "params-class_weight-list": _set("heads", "label", "params", "class_weight", value=[1]),
    "params-disagree-with-features": _set("heads", "label", "params", "word_ngrams", value=[1, 1]),
    "thresholds-a-list": _set("thresholds", value=[0.5]),
    "thresholds-a-string": _set("thresholds", "attack", value="high"),
    "thresholds-nan": _set("thresholds", "attack", value=float("nan")),
    "info-a-number": _set("info", value=5),
    "positive_label-a-list": _set("positive_label", value=["attack"]),
    "temperature-zero": _set("heads", "label", "temperature", value=0),
    "temperature-negative": _set("heads", "label", "temperature", value=-1.0),
    "temperature-nan": _set("heads", "label", "temperature", value=float("nan")),
    "temperature-inf": _set("heads", "kind", "temperature", value=float("inf")),
    "temperature-string-nan": _set("heads", "label", "temperature", value="nan"),
    "temperature-true": _set("heads", "label", "temperature", value=True),
    "empty_class-a-number": _set("heads", "label", "empty_class", value=5),
    "word_ngrams-three": _both_heads("word_ngrams", [1, 2, 3]),
    "char_ngrams-number": _both_heads("char_ngrams", 5),
    "normalizer-99": _both_heads("normalizer", 99),
    "normalizer-string": _both_heads("normalizer", "2"),
    "lexicon_weight-nan": _both_heads("lexicon_weight", float("nan")),
    "hash-number": _set("features", "hash", value=5),
    "format_version-true": _set("format_version", value=True),
    "unknown-top-level-field": _set("evil", value=1),
    "signature-malformed": _set("signature", value="x"),
    # values: non-finite arrays, wrong shapes and types, extra members
    "weights-nan": _array("label.weights", _with_nan),
    "weights-inf": _array("kind.weights", _with_inf),
    "weights-1e30": _array("label.weights", lambda a: a * np.float32(1e30)),
    "weights-float64": _array("label.weights", lambda a: a.astype(np.float64)),
    "intercept-nan-strings": _array("label.intercept", lambda a: np.array(["nan"] * len(a))),
    "intercept-inf": _array("label.intercept", _with_inf),
    "bias-nan": _array("kind.bias", _with_nan),
    "bias-2d": _array("label.bias", lambda a: a.reshape(1, -1)),
    "bias-too-long": _array("label.bias", lambda a: np.append(a, a)),
    "rows-duplicated": _array("label.rows", lambda a: np.concatenate([a[:1], a[:-1]])),
    "rows-out-of-range": _array("label.rows", lambda a: a + np.int32(2**20)),
    "rows-int64": _array("label.rows", lambda a: a.astype(np.int64)),
    "classes-duplicated": _array("label.classes", lambda a: np.array([a[0]] * len(a))),
    "classes-2d": _array("label.classes", lambda a: a.reshape(1, -1)),
    "lexicon-int-terms": _array("lexicon.terms", lambda a: np.arange(len(a))),
    "lexicon-empty-term": _array("lexicon.terms", lambda a: np.where(np.arange(len(a)) == 0, "", a)),
    "extra-member-known-prefix": lambda meta, arrays: arrays.update({"label.extra": np.zeros(3, np.float32)}),
    "extra-member-unknown": lambda meta, arrays: arrays.update({"evil.data": np.zeros(3, np.float32)}),
    "kind-arrays-without-kind-head": lambda meta, arrays: meta["heads"].pop("kind"),
    "missing-bias": _drop("label.bias"),
}


def _craft(model_path, tmp_path, name):
    meta, arrays = persist.read(model_path)
    change = CHANGES[name]
    path = tmp_path / f"{name}.npz"
    if change == "raw:info":  # JSON nested far deeper than Python's recursion limit
        text = json.dumps({**meta, "info": {}}).replace('"info": {}', '"info": ' + _deep(50000))
        return _write(path, meta, arrays, raw_meta=text.encode(), checksum=False)
    if change == "raw:digits":  # an int of more digits than Python converts from a string
        text = json.dumps(meta).replace('"n_features": ', '"n_features": ' + "9" * 5000 + ', "x": ', 1)
        return _write(path, meta, arrays, raw_meta=text.encode(), checksum=False)
    if change == "raw:1e400":  # JSON reads it as float("inf"); the checksum is computed over that
        _both_heads("n_features", float("inf"))(meta, arrays)
        meta["checksum"] = persist.checksum(meta, arrays)
        text = json.dumps(meta).replace("Infinity", "1e400")
        return _write(path, meta, arrays, raw_meta=text.encode(), checksum=False)
    change(meta, arrays)
    return _write(path, meta, arrays)


@pytest.mark.parametrize("name", list(CHANGES))
def test_crafted_model_file_is_refused_with_model_format_error(model_path, tmp_path, name):
    bad = _craft(model_path, tmp_path, name)
    with pytest.raises(ModelFormatError):
        yaiba.load(bad)


def test_the_crafting_helper_writes_loadable_files(model_path, tmp_path):
    """Unchanged, the helper's file loads: the refusals above are about the changes."""
    meta, arrays = persist.read(model_path)
    good = _write(tmp_path / "good.npz", meta, arrays)
    assert yaiba.load(good).classes_ == yaiba.load(model_path).classes_


def test_shipped_and_saved_models_pass_the_value_checks(small_model, tmp_path):
    shipped = yaiba.load(ROOT / "models" / "default.npz")
    assert shipped.score(["お前なんか消えろ"]).shape == (1,)
    again = yaiba.load(shipped.to_bytes())
    np.testing.assert_array_equal(again.score(["この采配は最悪"]), shipped.score(["この采配は最悪"]))
    path = tmp_path / "small.npz"
    small_model.save(path)
    np.testing.assert_array_equal(yaiba.load(path).score(["テスト"]), small_model.score(["テスト"]))


def test_a_file_without_the_optional_lexicon_weight_still_loads(model_path, tmp_path):
    """Settings older writers did not store read as their defaults."""
    meta, arrays = persist.read(model_path)
    meta["features"].pop("lexicon_weight")
    for head in meta["heads"].values():
        head["params"].pop("lexicon_weight")
    yaiba.load(_write(tmp_path / "old.npz", meta, arrays))


@pytest.mark.parametrize("name", ["info-nested-50000-deep", "n_features-1e400", "thresholds-a-list", "weights-nan"])
def test_cli_reports_a_crafted_model_in_one_line_without_a_traceback(model_path, tmp_path, capsys, name):
    bad = _craft(model_path, tmp_path, name)
    posts = tmp_path / "posts.txt"
    posts.write_text("テスト\n", encoding="utf-8")
    assert main(["score", str(posts), "--model", str(bad), "-o", str(tmp_path / "out.csv")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(bad) in err
    assert len(err.strip().splitlines()) == 1


def test_cli_subprocess_prints_no_traceback_for_a_huge_feature_space(model_path, tmp_path):
    bad = _craft(model_path, tmp_path, "n_features-2**31")
    posts = tmp_path / "posts.txt"
    posts.write_text("テスト\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "yaiba", "score", str(posts), "--model", str(bad)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "n_features" in done.stderr


# -- classes keep their type in the file (issue 13 item 5) ------------------------------------


def _binary_posts():
    names = ("中村", "小林", "加藤", "吉田")
    texts = [f"{n}は本当に使えないクズだ、消えろ" for n in names] + [
        f"{n}さんの発表、とても分かりやすかった" for n in names
    ]
    return texts * 3, [1] * 4 * 3 + [0] * 4 * 3


@pytest.mark.parametrize(("labels", "kind"), [((1, 0), "i"), ((True, False), "b")])
def test_int_and_bool_classes_survive_save_and_load(tmp_path, labels, kind):
    texts, y = _binary_posts()
    clf = yaiba.train(texts, [labels[0] if v else labels[1] for v in y], positive_label=labels[0], n_features=2**16)
    path = tmp_path / "m.npz"
    clf.save(path)
    meta, arrays = persist.read(path)
    assert arrays["label.classes"].dtype.kind == kind
    empty = meta["heads"]["label"]["empty_class"]  # a JSON value of the classes' type
    assert type(empty) is type(labels[1]) and empty == labels[1]
    loaded = yaiba.load(path)
    est = loaded.estimator
    assert est.classes_.tolist() == sorted(labels) and est.classes_.dtype.kind == kind
    assert type(est.empty_class_) is type(labels[1]) and est.empty_class_ == labels[1]
    assert est.predict(texts[:1]).tolist() == [labels[0]]
    assert loaded.classes_ == clf.classes_ and loaded.positive_label == clf.positive_label == str(labels[0])
    np.testing.assert_array_equal(loaded.score(texts), clf.score(texts))


def test_a_file_with_str_classes_reads_and_writes_back_the_same(tmp_path):
    """The shipped file was written before labels kept their type: its str classes load as
    str and encode back to the very same arrays and metadata."""
    meta, arrays = persist.read(ROOT / "models" / "default.npz")
    parts = codec.decode(meta, arrays, "default.npz")
    assert parts.label.classes_.dtype.kind == "U" and parts.label.empty_class_ == "neutral"
    again_meta, again_arrays = codec.encode(parts)
    assert set(again_arrays) == set(arrays)
    for name, a in arrays.items():
        assert again_arrays[name].dtype == a.dtype, name
        np.testing.assert_array_equal(again_arrays[name], a)
    assert again_meta["heads"] == meta["heads"]


@pytest.mark.parametrize(
    "change",
    [
        _array("label.classes", lambda a: np.arange(len(a))),  # int classes, str empty_class
        _array("label.classes", lambda a: np.arange(len(a), dtype=np.float32)),
        _array("label.classes", lambda a: np.arange(len(a), dtype=np.uint8)),
        _set("heads", "label", "empty_class", value=True),  # str classes, bool empty_class
        _set("heads", "label", "empty_class", value=0),
    ],
    ids=["int-classes-str-empty", "float-classes", "uint8-classes", "bool-empty", "int-empty"],
)
def test_classes_and_empty_class_of_different_types_are_refused(model_path, tmp_path, change):
    meta, arrays = persist.read(model_path)
    change(meta, arrays)
    with pytest.raises(ModelFormatError, match=r"empty_class|inconsistent shapes or types"):
        yaiba.load(_write(tmp_path / "bad.npz", meta, arrays))


def test_bool_empty_class_is_not_taken_for_an_int_class(tmp_path):
    """True == 1 in Python: a bool empty_class must not pass for the int class 1."""
    texts, y = _binary_posts()
    path = tmp_path / "m.npz"
    yaiba.train(texts, y, positive_label=1, n_features=2**16).save(path)
    meta, arrays = persist.read(path)
    meta["heads"]["label"]["empty_class"] = False
    with pytest.raises(ModelFormatError, match="empty_class"):
        yaiba.load(_write(tmp_path / "bad.npz", meta, arrays))
