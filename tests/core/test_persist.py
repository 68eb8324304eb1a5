"""Model files: loading never unpickles, and damaged or hostile files are refused with ModelFormatError."""

from __future__ import annotations

import io
import json
import os
import pickle
import stat
import subprocess
import sys
import tracemalloc
import zipfile

import numpy as np
import pytest

import yaiba
from yaiba import ModelFormatError
from yaiba.core import persist


class _Payload:
    """Unpickling this creates the file named ``marker``: proof that code ran."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _rewrite(src, dst, *, meta_update=None, recompute=True, extra=None, drop=()):
    """Copy a model file, changing its metadata and members."""
    meta, arrays = persist.read(src)
    meta.update(meta_update or {})
    for name in drop:
        arrays.pop(name)
    if recompute:
        meta["checksum"] = persist.checksum(meta, arrays)
    blob = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with zipfile.ZipFile(dst, "w") as zf:
        for name, arr in {"meta": blob, **arrays}.items():
            buf = io.BytesIO()
            np.save(buf, arr)
            zf.writestr(f"{name}.npy", buf.getvalue())
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return dst


def test_round_trip_of_a_rewritten_copy_is_accepted(model_path, tmp_path):
    """The rewriting helper itself produces loadable files, so the refusals below are meaningful."""
    copy = _rewrite(model_path, tmp_path / "copy.npz")
    assert yaiba.load(copy).classes_ == yaiba.load(model_path).classes_


def test_truncated_file_is_refused(model_path, tmp_path):
    data = model_path.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 30):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(data[:cut])
        with pytest.raises(ModelFormatError, match=str(bad)):
            yaiba.load(bad)


def test_flipped_byte_is_refused(model_path, tmp_path):
    data = bytearray(model_path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    bad = tmp_path / "flipped.npz"
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelFormatError):
        yaiba.load(bad)


def test_tampered_metadata_fails_the_checksum(model_path, tmp_path):
    meta, _ = persist.read(model_path)
    heads = meta["heads"]
    heads["label"]["temperature"] = 0.01
    bad = _rewrite(model_path, tmp_path / "tampered.npz", meta_update={"heads": heads}, recompute=False)
    with pytest.raises(ModelFormatError, match="checksum"):
        yaiba.load(bad)


def test_tampered_weights_fail_the_checksum(model_path, tmp_path):
    meta, arrays = persist.read(model_path)
    arrays["label.weights"] = arrays["label.weights"] * 2
    blob = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    bad = tmp_path / "weights.npz"
    np.savez(bad, meta=blob, **arrays)
    with pytest.raises(ModelFormatError, match="checksum"):
        yaiba.load(bad)


def test_wrong_format_version_is_refused(model_path, tmp_path):
    bad = _rewrite(model_path, tmp_path / "v99.npz", meta_update={"format_version": 99})
    with pytest.raises(ModelFormatError, match="version 99"):
        yaiba.load(bad)


def test_other_dictionary_is_refused(model_path, tmp_path):
    meta, _ = persist.read(model_path)
    env = meta["environment"]
    env["dictionary"] = {"name": "unidic-lite", "version": "0.0.1"}
    bad = _rewrite(model_path, tmp_path / "dic.npz", meta_update={"environment": env})
    with pytest.raises(ModelFormatError, match="dictionary"):
        yaiba.load(bad)


def test_pickle_file_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    bad = tmp_path / "evil.npz"
    bad.write_bytes(pickle.dumps(_Payload(str(marker))))
    with pytest.raises(ModelFormatError):
        yaiba.load(bad)
    assert not marker.exists()
    # the payload is real: unpickling it does create the marker
    pickle.loads(bad.read_bytes()).close()
    assert marker.exists()


def test_pickled_object_array_inside_the_archive_is_refused_and_runs_nothing(model_path, tmp_path):
    marker = tmp_path / "pwned"
    meta, arrays = persist.read(model_path)
    evil = np.empty(1, dtype=object)
    evil[0] = _Payload(str(marker))
    arrays["label.weights"] = evil
    meta["checksum"] = persist.checksum(meta, {k: v for k, v in arrays.items() if k != "label.weights"})
    bad = tmp_path / "objarray.npz"
    blob = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(bad, meta=blob, **arrays)  # np.savez pickles object arrays
    with pytest.raises(ModelFormatError):
        yaiba.load(bad)
    assert not marker.exists()


def test_path_traversal_member_is_refused_and_nothing_is_written(model_path, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    bad = _rewrite(model_path, work / "trav.npz", extra={"../escaped.npy": b"x", "../../x/y.npy": b"y"})
    before = set(os.listdir(tmp_path)), set(os.listdir(work))
    with pytest.raises(ModelFormatError, match="unexpected archive member"):
        yaiba.load(bad)
    assert (set(os.listdir(tmp_path)), set(os.listdir(work))) == before


def test_zip_bomb_is_refused_before_inflating(model_path, tmp_path, monkeypatch):
    monkeypatch.setattr(persist, "MAX_UNCOMPRESSED", 1000)
    with pytest.raises(ModelFormatError, match="inflate"):
        yaiba.load(model_path)


def test_missing_metadata_and_garbage(tmp_path, model_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(os.urandom(4096))
    with pytest.raises(ModelFormatError, match="not a yaiba model"):
        yaiba.load(garbage)
    no_meta = tmp_path / "nometa.npz"
    np.savez(no_meta, x=np.zeros(3))
    with pytest.raises(ModelFormatError):
        yaiba.load(no_meta)
    dropped = _rewrite(model_path, tmp_path / "nohead.npz", drop=("label.rows",))
    with pytest.raises(ModelFormatError, match="label"):
        yaiba.load(dropped)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.npz"):
        yaiba.load(tmp_path / "nope.npz")


def test_load_from_bytes_and_pickling_a_model_ships_the_safe_format(small_model):
    blob = small_model.to_bytes()
    again = yaiba.load(blob)
    np.testing.assert_array_equal(again.score(["テスト"]), small_model.score(["テスト"]))
    clone = pickle.loads(pickle.dumps(small_model))
    np.testing.assert_array_equal(clone.score(["テスト"]), small_model.score(["テスト"]))


def test_save_is_atomic_and_leaves_no_temporary_files(small_model, tmp_path):
    path = tmp_path / "m.npz"
    small_model.save(path)
    small_model.save(path)  # overwrite in place
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]
    assert yaiba.load(path).classes_ == small_model.classes_


def test_metadata_records_versions_and_training_summary(model_path):
    meta, _ = persist.read(model_path)
    env = meta["environment"]
    for key in ("yaiba", "scikit-learn", "numpy", "fugashi", "dictionary"):
        assert key in env
    assert meta["format_version"] == persist.FORMAT_VERSION
    assert meta["features"]["normalizer"] >= 1
    assert meta["info"]["training"]["n_rows"] > 0


# -- members that are not plain arrays: links, duplicates, lying headers ---------------------


def _npy_header(shape, descr="<f4", data=b""):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue() + data


def test_symlink_member_is_refused_and_nothing_is_written(model_path, tmp_path):
    link = zipfile.ZipInfo("label.rows.npy")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16  # what `zip --symlinks` stores
    bad = _rewrite(model_path, tmp_path / "link.npz", drop=("label.rows",), extra={link: b"/etc/passwd"})
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(ModelFormatError, match="symbolic link"):
        yaiba.load(bad)
    assert sorted(os.listdir(tmp_path)) == before


def test_duplicate_member_is_refused(model_path, tmp_path):
    with pytest.warns(UserWarning, match="Duplicate name"):
        bad = _rewrite(model_path, tmp_path / "dup.npz", extra={"label.weights.npy": _npy_header((0, 3))})
    with pytest.raises(ModelFormatError, match="appears twice"):
        yaiba.load(bad)


@pytest.mark.parametrize(
    "header",
    [
        _npy_header((2**31,), data=b"\0" * 16),  # 8 GB declared, 16 bytes held
        _npy_header((10**6, 10**6)),  # 4 TB declared, nothing held
        _npy_header((2**62, 2**62)),  # overflows any size type
        _npy_header((4,), descr="|O", data=b"\0" * 32),  # object dtype: would need pickle
        _npy_header((-1,)),
    ],
    ids=["8GB-with-16-bytes", "4TB-empty", "overflow", "object", "negative"],
)
def test_lying_array_header_is_refused_before_allocating(model_path, tmp_path, header):
    bad = _rewrite(model_path, tmp_path / "shape.npz", drop=("label.weights",), extra={"label.weights.npy": header})
    tracemalloc.start()
    try:
        with pytest.raises(ModelFormatError, match=r"label\.weights\.npy"):
            yaiba.load(bad)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20  # numpy reports its allocations to tracemalloc


HOSTILE_LOADER = r"""
import json, os, sys
import yaiba
from yaiba import ModelFormatError
yaiba.load(sys.argv[1])  # a good file first: every lazy import happens before the hook
events = []
# not "compile": numpy parses .npy headers with ast.literal_eval, which compiles but runs nothing
WATCH = ("pickle.find_class", "os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.fork",
         "os.remove", "os.rename", "os.symlink", "os.link", "os.mkdir", "shutil.", "ctypes.", "exec")
def hook(event, args):
    if event == "open":
        path, mode, flags = args
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)):
            events.append(f"open {path} {mode}")
    elif event.startswith(WATCH):
        events.append(event)
sys.addaudithook(hook)
refused = []
for path in sys.argv[2:]:
    try:
        yaiba.load(path)
    except ModelFormatError:
        refused.append(os.path.basename(path))
seen = list(events)
import pickle
pickle.loads(pickle.dumps(os.path.join))  # controls: the hook does see these
open(os.devnull, "w").close()
print(json.dumps({"refused": refused, "events": seen, "control": events[len(seen):]}))
"""


def test_hostile_files_run_nothing_and_write_nothing(model_path, tmp_path):
    """Each hostile file is refused while an audit hook watches for any file opened for
    writing, process started, code executed, or class looked up by pickle."""
    marker = tmp_path / "pwned"
    files = {}
    files["pickle.npz"] = tmp_path / "pickle.npz"
    files["pickle.npz"].write_bytes(pickle.dumps(_Payload(str(marker))))
    meta, arrays = persist.read(model_path)
    evil = np.empty(1, dtype=object)
    evil[0] = _Payload(str(marker))
    files["objarray.npz"] = tmp_path / "objarray.npz"
    np.savez(
        files["objarray.npz"],
        meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        **{**arrays, "label.weights": evil},
    )
    files["trav.npz"] = _rewrite(model_path, tmp_path / "trav.npz", extra={"../x.npy": b"x"})
    link = zipfile.ZipInfo("label.rows.npy")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    files["link.npz"] = _rewrite(model_path, tmp_path / "link.npz", drop=("label.rows",), extra={link: b"/etc"})
    files["shape.npz"] = _rewrite(
        model_path, tmp_path / "shape.npz", drop=("label.weights",), extra={"label.weights.npy": _npy_header((2**31,))}
    )
    files["cut.npz"] = tmp_path / "cut.npz"
    files["cut.npz"].write_bytes(model_path.read_bytes()[:-100])
    done = subprocess.run(
        [sys.executable, "-c", HOSTILE_LOADER, str(model_path), *map(str, files.values())],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["control"] == ["pickle.find_class", f"open {os.devnull} w"]
    assert result["refused"] == list(files)
    assert result["events"] == []
    assert not marker.exists()


# -- bounded metadata and known members only (checked before any big member is read) ----------


def _zip_with(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _meta_npy(text: bytes) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.frombuffer(text, dtype=np.uint8))
    return buf.getvalue()


def test_small_file_of_deeply_nested_metadata_is_refused_without_recursion_error(tmp_path):
    text = b"[" * 200_000 + b"]" * 200_000
    bad = _zip_with(tmp_path / "deep.npz", {"meta.npy": _meta_npy(text)})
    assert bad.stat().st_size < 2000  # deflate makes 400 kB of brackets a file of a few hundred bytes
    with pytest.raises(ModelFormatError, match="nests"):
        yaiba.load(bad)


def test_nesting_depth_ignores_brackets_inside_strings():
    assert persist.json_depth('{"a": [1, {"b": "[[[[\\"{{"}]}') == 3
    assert persist.json_depth("[]") == 1
    assert persist.json_depth("12") == 0


def test_metadata_over_the_size_limit_is_refused_before_it_is_parsed(model_path, tmp_path):
    padding = {"padding": "x" * (persist.MAX_META_BYTES + 10)}
    bad = _rewrite(model_path, tmp_path / "bigmeta.npz", meta_update={"info": padding})
    with pytest.raises(ModelFormatError, match="metadata of"):
        yaiba.load(bad)


def test_metadata_with_a_huge_integer_is_a_model_format_error(tmp_path):
    text = b'{"format": "yaiba-model", "n": ' + b"9" * 5000 + b"}"
    bad = _zip_with(tmp_path / "digits.npz", {"meta.npy": _meta_npy(text)})
    with pytest.raises(ModelFormatError, match="not valid JSON"):
        yaiba.load(bad)


@pytest.mark.parametrize("name", ["label.extra.npy", "evil.data.npy", "kind.weights_backup.npy"])
def test_unknown_member_is_refused_by_name(model_path, tmp_path, name):
    bad = _rewrite(model_path, tmp_path / "extra.npz", extra={name: _npy_header((3,), data=b"\0" * 12)})
    with pytest.raises(ModelFormatError, match="unexpected archive member"):
        yaiba.load(bad)


def test_big_unknown_member_is_refused_before_it_is_read(model_path, tmp_path):
    """A 256 MB member (a few hundred kB compressed) costs no memory: its name refuses it."""
    bad = _rewrite(model_path, tmp_path / "bigextra.npz")
    n = 64 * 2**20  # float32 values: 256 MB
    with zipfile.ZipFile(bad, "a", zipfile.ZIP_DEFLATED) as zf, zf.open("evil.data.npy", "w", force_zip64=True) as fh:
        fh.write(_npy_header((n,)))
        chunk = b"\0" * 2**24
        for _ in range(n * 4 // len(chunk)):
            fh.write(chunk)
    tracemalloc.start()
    try:
        with pytest.raises(ModelFormatError):
            yaiba.load(bad)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20


def test_metadata_is_read_and_checked_before_the_arrays(model_path, tmp_path, monkeypatch):
    bad = _rewrite(model_path, tmp_path / "v7.npz", meta_update={"format_version": 7})
    read = []
    original = np.lib.format.read_array
    monkeypatch.setattr(np.lib.format, "read_array", lambda fh, **kw: read.append(1) or original(fh, **kw))
    with pytest.raises(ModelFormatError, match="version 7"):
        yaiba.load(bad)
    assert len(read) == 1  # the metadata only


def test_unsigned_checksum_is_unchanged_so_todays_files_load(model_path):
    """The checksum leaves out only ``checksum`` and the new optional ``signature``."""
    meta, arrays = persist.read(model_path)
    assert "signature" not in meta
    assert persist.checksum(meta, arrays) == meta["checksum"]
    assert persist.checksum({**meta, "signature": {"x": 1}}, arrays) == meta["checksum"]
    shipped = yaiba.load()
    assert shipped.classes_ == ("attack", "criticism", "neutral")
