"""The model file: numpy arrays and JSON metadata in one zip (.npz), loaded without pickle.

Loading never unpickles and never extracts: member names, kinds (no links, no duplicates)
and sizes are checked before any array is read, each array's header must declare a plain
dtype and exactly the bytes the member holds (so no absurd shape is ever allocated), every
array is read with ``allow_pickle=False``, and a SHA-256 over the metadata and all arrays
must match the one stored. Anything else raises ModelFormatError.
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
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

import numpy as np

from yaiba.errors import ModelFormatError
from yaiba.io.atomic import atomic_output
from yaiba.text.tokenizer import dictionary_info

FORMAT = "yaiba-model"
FORMAT_VERSION = 1
MAX_UNCOMPRESSED = 1 << 30  # refuse archives that would inflate past 1 GiB
_MEMBER = re.compile(r"^(meta|[a-z_]+\.[a-z_]+)\.npy$")

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
    """SHA-256 over the metadata (without its checksum) and every array's name, type and bytes."""
    h = hashlib.sha256()
    body = {k: v for k, v in meta.items() if k != "checksum"}
    h.update(json.dumps(body, sort_keys=True, ensure_ascii=False).encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"\n{name}|{a.dtype.str}|{a.shape}\n".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def write(path: str | os.PathLike[str], meta: dict[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
    """Write a model file atomically: a temporary file in the same folder, then a rename."""
    meta = dict(meta, format=FORMAT, format_version=FORMAT_VERSION)
    meta["checksum"] = checksum(meta, arrays)
    blob = np.frombuffer(json.dumps(meta, ensure_ascii=False, indent=1).encode(), dtype=np.uint8)
    with atomic_output(path, binary=True) as fh:
        np.savez_compressed(fh, meta=blob, **arrays)


def to_bytes(meta: dict[str, Any], arrays: Mapping[str, np.ndarray]) -> bytes:
    """The same bytes :func:`write` would put in a file."""
    with tempfile.TemporaryDirectory() as d:
        write(Path(d) / "m.npz", meta, arrays)
        return (Path(d) / "m.npz").read_bytes()


def read(source: Source) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and verify a model file; return its metadata and arrays."""
    where = describe_source(source)
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    elif isinstance(source, (str, os.PathLike)) and not os.path.isfile(source):
        raise FileNotFoundError(f"model file not found: {where}")
    try:
        with zipfile.ZipFile(source) as zf:
            infos = zf.infolist()
            _check_members(infos, where)
            arrays = {}
            for info in infos:
                with zf.open(info) as fh:
                    _check_array_header(fh, info, where)
                with zf.open(info) as fh:
                    arrays[info.filename[:-4]] = np.lib.format.read_array(fh, allow_pickle=False)
    except ModelFormatError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise ModelFormatError(f"{where}: not a yaiba model file (not a valid zip/npz archive: {exc})") from None
    except (ValueError, OSError, EOFError, KeyError, RuntimeError) as exc:
        # truncated members, CRC mismatches, pickled or object arrays
        raise ModelFormatError(f"{where}: damaged or unsafe model file ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # zlib.error and friends: never leak a half-read model
        raise ModelFormatError(f"{where}: damaged model file ({type(exc).__name__}: {exc})") from None
    meta = _parse_meta(arrays.pop("meta", None), where)
    _check_meta(meta, arrays, where)
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


def _parse_meta(blob: np.ndarray | None, where: str) -> dict[str, Any]:
    if blob is None or blob.dtype != np.uint8 or blob.ndim != 1:
        raise ModelFormatError(f"{where}: metadata is missing or not a byte array")
    try:
        meta = json.loads(blob.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"{where}: metadata is not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise ModelFormatError(f"{where}: metadata is not a JSON object")
    return meta


def _check_meta(meta: dict[str, Any], arrays: dict[str, np.ndarray], where: str) -> None:
    if meta.get("format") != FORMAT:
        raise ModelFormatError(f"{where}: format is {meta.get('format')!r}, expected {FORMAT!r}")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFormatError(
            f"{where}: model format version {meta.get('format_version')!r} is not supported "
            f"by this yaiba (reads version {FORMAT_VERSION}); retrain or upgrade yaiba"
        )
    stored = meta.get("checksum") or ""
    if stored != checksum(meta, arrays):
        raise ModelFormatError(f"{where}: checksum mismatch; the file was modified or damaged")
    want = dictionary_info()
    have = (meta.get("environment") or {}).get("dictionary")
    if have != want:
        raise ModelFormatError(
            f"{where}: trained with dictionary {have}, but {want} is installed; tokens would "
            "differ. Install the matching unidic-lite or retrain the model"
        )
