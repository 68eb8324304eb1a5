"""The model file: numpy arrays and JSON metadata in one zip (.npz), loaded without pickle.

Loading never unpickles and never extracts: member names (only those a model file holds),
kinds (no links, no duplicates) and sizes are checked before any array is read; the metadata
is read first, bounded in size and nesting depth, and its container fields are type-checked
before the arrays are; each array's header must declare a plain dtype and exactly the bytes
the member holds (so no absurd shape is ever allocated), every array is read with
``allow_pickle=False``, and a SHA-256 over the metadata and all arrays must match the one
stored. Anything else raises ModelFormatError. :mod:`yaiba.core.codec` checks the values.

The checksum detects corruption only (whoever edits a file can recompute it). An optional
Ed25519 signature of the checksum (:mod:`yaiba.core.signing`) proves who wrote the file; it is
verified when ``trusted_keys`` are given.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any, cast

import numpy as np

from yaiba.core import signing
from yaiba.errors import ModelFormatError
from yaiba.io.atomic import atomic_output
from yaiba.text.tokenizer import dictionary_info

FORMAT = "yaiba-model"
FORMAT_VERSION = 1
MAX_UNCOMPRESSED = 1 << 30  # refuse archives that would inflate past 1 GiB
MAX_META_BYTES = 4 << 20  # the JSON metadata (a few kB in practice)
MAX_META_DEPTH = 32  # nesting of JSON objects and arrays in the metadata
# every member a model file may hold (yaiba.core.codec writes them); nothing else is read
_MEMBER = re.compile(r"^(meta|(label|kind)\.(rows|weights|intercept|bias|classes)|lexicon\.(terms|categories))\.npy$")
_NPY_HEADER_MAX = 1 << 16  # .npy headers are padded to 64 bytes; numpy caps them far below this
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")

Source = str | os.PathLike[str] | bytes | IO[bytes]


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def environment() -> dict[str, Any]:
    """Versions recorded in every model file."""
    return {
        "yaiba": _version("yaiba"),
        "scikit-learn": _version("scikit-learn"),
        "numpy": np.__version__,
        "fugashi": _version("fugashi"),
        "dictionary": dictionary_info(),
    }


def checksum(meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over the metadata (without its checksum and signature) and every array's name, type and bytes."""
    h = hashlib.sha256()
    body = {k: v for k, v in meta.items() if k not in ("checksum", signing.FIELD)}
    h.update(json.dumps(body, sort_keys=True, ensure_ascii=False).encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"\n{name}|{a.dtype.str}|{a.shape}\n".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def write(
    path: str | os.PathLike[str],
    meta: dict[str, Any],
    arrays: Mapping[str, np.ndarray],
    *,
    signing_key: signing.PrivateKeySource | None = None,
) -> None:
    """Write a model file atomically: a temporary file in the same folder, then a rename.

    With ``signing_key`` (an Ed25519 private key, or a PEM file's path or bytes) the metadata
    also holds a signature of the checksum; any signature ``meta`` brings along is dropped.
    """
    meta = {k: v for k, v in meta.items() if k != signing.FIELD}
    meta.update(format=FORMAT, format_version=FORMAT_VERSION)
    meta["checksum"] = checksum(meta, arrays)
    if signing_key is not None:  # before the file is opened: a bad key leaves nothing behind
        meta[signing.FIELD] = signing.sign(meta["checksum"], signing_key)
    blob = np.frombuffer(json.dumps(meta, ensure_ascii=False, indent=1).encode(), dtype=np.uint8)
    with atomic_output(path, binary=True) as fh:
        # numpy's stub lets **kwds collide with allow_pickle: bool; array names never do
        np.savez_compressed(fh, meta=blob, **cast(Mapping[str, Any], arrays))


def to_bytes(
    meta: dict[str, Any], arrays: Mapping[str, np.ndarray], *, signing_key: signing.PrivateKeySource | None = None
) -> bytes:
    """The same bytes :func:`write` would put in a file."""
    with tempfile.TemporaryDirectory() as d:
        write(Path(d) / "m.npz", meta, arrays, signing_key=signing_key)
        return (Path(d) / "m.npz").read_bytes()


def read(
    source: Source, *, trusted_keys: Iterable[signing.PublicKeySource] | None = None
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and verify a model file; return its metadata and arrays.

    With ``trusted_keys`` (Ed25519 public keys, or PEM files' paths or bytes) the file must
    also carry a valid signature by one of them; an unsigned file is refused.
    """
    where = describe_source(source)
    trusted = None if trusted_keys is None else signing.public_keys(trusted_keys)
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    elif isinstance(source, (str, os.PathLike)) and not os.path.isfile(source):
        raise FileNotFoundError(f"model file not found: {where}")
    try:
        with zipfile.ZipFile(source) as zf:
            infos = zf.infolist()
            _check_members(infos, where)
            infos.sort(key=lambda i: i.filename != "meta.npy")  # the metadata first
            arrays = {}
            meta: dict[str, Any] = {}
            for info in infos:
                with zf.open(info) as fh:
                    _check_array_header(fh, info, where)
                with zf.open(info) as fh:
                    array = np.lib.format.read_array(fh, allow_pickle=False)
                if info.filename == "meta.npy":  # checked before any big member is read
                    meta = _parse_meta(array, where)
                    _check_header_fields(meta, where)
                else:
                    arrays[info.filename[:-4]] = array
    except ModelFormatError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise ModelFormatError(f"{where}: not a yaiba model file (not a valid zip/npz archive: {exc})") from None
    except (ValueError, OSError, EOFError, KeyError, RuntimeError) as exc:
        # truncated members, CRC mismatches, pickled or object arrays
        raise ModelFormatError(f"{where}: damaged or unsafe model file ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # zlib.error, MemoryError and friends: never leak a half-read model
        raise ModelFormatError(f"{where}: damaged model file ({type(exc).__name__}: {exc})") from None
    _check_meta(meta, arrays, where)
    if trusted is not None:
        signing.verify(meta, trusted, where)
    return meta, arrays


def describe_source(source: Source) -> str:
    """How error messages name a model source: its path, or a placeholder for bytes/streams."""
    if isinstance(source, (bytes, bytearray)):
        return "<model bytes>"
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return getattr(source, "name", "<model stream>")


def _check_members(infos: list[zipfile.ZipInfo], where: str) -> None:
    total = 0
    seen: set[str] = set()
    for info in infos:
        if not _MEMBER.match(info.filename):
            raise ModelFormatError(f"{where}: unexpected archive member {info.filename!r}; refusing to read the file")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ModelFormatError(f"{where}: archive member {info.filename!r} is a symbolic link; refusing it")
        if info.filename in seen:
            raise ModelFormatError(f"{where}: archive member {info.filename!r} appears twice; refusing it")
        seen.add(info.filename)
        if info.filename == "meta.npy" and info.file_size > MAX_META_BYTES + _NPY_HEADER_MAX:
            raise ModelFormatError(f"{where}: metadata of {info.file_size} bytes; refusing more than {MAX_META_BYTES}")
        total += info.file_size
    if total > MAX_UNCOMPRESSED:
        raise ModelFormatError(f"{where}: archive would inflate to {total} bytes; refusing it")
    if "meta.npy" not in {i.filename for i in infos}:
        raise ModelFormatError(f"{where}: no metadata member (meta.npy); not a yaiba model file")


def _check_array_header(fh: IO[bytes], info: zipfile.ZipInfo, where: str) -> None:
    """Refuse a .npy member whose header is not a plain array of exactly the bytes it holds."""
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        raise ModelFormatError(f"{where}: {info.filename}: unsupported .npy version {version}")
    if dtype.hasobject or dtype.kind not in "biufU" or dtype.itemsize == 0:
        raise ModelFormatError(f"{where}: {info.filename}: refusing arrays of dtype {dtype}")
    if any(d < 0 for d in shape):
        raise ModelFormatError(f"{where}: {info.filename}: negative shape {shape}")
    declared = math.prod(shape) * dtype.itemsize
    held = info.file_size - fh.tell()
    if declared != held:
        raise ModelFormatError(
            f"{where}: {info.filename}: header declares shape {shape} of {dtype} "
            f"({declared} bytes) but the member holds {held} bytes"
        )


def _parse_meta(blob: np.ndarray, where: str) -> dict[str, Any]:
    if blob.dtype != np.uint8 or blob.ndim != 1:
        raise ModelFormatError(f"{where}: metadata is not a byte array")
    if blob.size > MAX_META_BYTES:
        raise ModelFormatError(f"{where}: metadata of {blob.size} bytes; refusing more than {MAX_META_BYTES}")
    try:
        text = blob.tobytes().decode("utf-8")
        depth = json_depth(text)
        if depth > MAX_META_DEPTH:
            raise ModelFormatError(f"{where}: metadata nests {depth} levels deep; refusing more than {MAX_META_DEPTH}")
        meta = json.loads(text)
    except ModelFormatError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # ValueError: JSON, or ints of > 4300 digits
        raise ModelFormatError(f"{where}: metadata is not valid JSON ({type(exc).__name__}: {exc})") from None
    if not isinstance(meta, dict):
        raise ModelFormatError(f"{where}: metadata is not a JSON object")
    return meta


def json_depth(text: str) -> int:
    """How deep the objects and arrays of a JSON text nest (brackets inside strings not counted)."""
    depth = deepest = 0
    for m in _BRACKETS.finditer(_STRINGS.sub("", text)):
        if m.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _check_header_fields(meta: dict[str, Any], where: str) -> None:
    """The fields this module reads: format, version, checksum, environment, signature."""
    if meta.get("format") != FORMAT:
        raise ModelFormatError(f"{where}: format is {str(meta.get('format'))[:80]!r}, expected {FORMAT!r}")
    version = meta.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise ModelFormatError(
            f"{where}: model format version {str(version)[:80]} is not supported "
            f"by this yaiba (reads version {FORMAT_VERSION}); retrain or upgrade yaiba"
        )
    if not isinstance(meta.get("checksum"), str):
        raise ModelFormatError(f"{where}: metadata has no checksum")
    if not isinstance(meta.get("environment"), dict):
        raise ModelFormatError(f"{where}: metadata has no environment object")
    if signing.FIELD in meta:
        signing.check_field(meta[signing.FIELD], where)


def _check_meta(meta: dict[str, Any], arrays: dict[str, np.ndarray], where: str) -> None:
    if not meta:
        raise ModelFormatError(f"{where}: no metadata member (meta.npy); not a yaiba model file")
    if meta["checksum"] != checksum(meta, arrays):
        raise ModelFormatError(f"{where}: checksum mismatch; the file was modified or damaged")
    want = dictionary_info()
    have = meta["environment"].get("dictionary")
    if have != want:
        raise ModelFormatError(
            f"{where}: trained with dictionary {have}, but {want} is installed; tokens would "
            "differ. Install the matching unidic-lite or retrain the model"
        )
