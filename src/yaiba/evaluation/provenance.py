"""Where an evaluation's numbers come from: the model file, the data, the yaiba version, the time.

Reports carry this record so that a number can be traced back to the exact files that made it:
SHA-256 digests of the model and data files, the yaiba version that wrote the model (stored in
every model file) and the one that evaluated it, and the date and time in UTC (ISO 8601).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from yaiba.core import persist
from yaiba.errors import ModelFormatError
from yaiba.metadata import __version__
from yaiba.model import default_model_path

_CHUNK = 1 << 20


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, as hex (what ``sha256sum`` prints)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def rows_sha256(texts: Sequence[str], labels: Sequence[object]) -> str:
    """SHA-256 of (text, label) rows, for data that was never a file: each row is the text,
    U+001F, the label, U+001E, encoded as UTF-8 (lone surrogates kept)."""
    h = hashlib.sha256()
    for text, label in zip(texts, labels):
        h.update(f"{text}\x1f{label}\x1e".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def now_utc() -> str:
    """The current date and time in UTC, ISO 8601 to the second (``2026-12-04T17:40:58+00:00``)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def model_record(source: str | os.PathLike[str] | None) -> dict[str, Any]:
    """The model file behind a model: ``path`` (``"default"`` for the shipped model, None when
    the model was never a file), ``file`` (where it was read), ``bytes``, ``sha256`` of the file
    and ``written_by`` (the yaiba version that saved it) with the other stored ``environment``
    versions. Fields that cannot be known are None."""
    record: dict[str, Any] = {"path": None, "file": None, "bytes": None, "sha256": None}
    record.update(written_by=None, environment=None)
    if source is None:
        return record
    default = os.fspath(source) == "default"
    record["path"] = "default" if default else os.fspath(source)
    try:
        path = default_model_path() if default else Path(source)
        record["file"], record["bytes"] = str(path), path.stat().st_size
        record["sha256"] = file_sha256(path)
        meta, _ = persist.read(path)
    except (OSError, ModelFormatError):  # e.g. the shipped model inside a zip: no file to hash
        return record
    env = meta.get("environment")
    if isinstance(env, dict):
        record["environment"] = env
        record["written_by"] = env.get("yaiba")
    return record


def data_record(
    source: str | os.PathLike[str] | None, texts: Sequence[str], labels: Sequence[object]
) -> dict[str, Any]:
    """The evaluated data: ``path`` (None for data given in memory), ``rows``, and ``sha256``
    of the file, or of the rows (:func:`rows_sha256`) when there is no file; ``digest_of``
    says which."""
    if source is not None and os.path.isfile(source):
        return {"path": os.fspath(source), "rows": len(texts), "sha256": file_sha256(source), "digest_of": "file"}
    path = None if source is None else os.fspath(source)
    return {"path": path, "rows": len(texts), "sha256": rows_sha256(texts, labels), "digest_of": "rows"}


def record(
    model: str | os.PathLike[str] | None,
    data: str | os.PathLike[str] | None,
    texts: Sequence[str],
    labels: Sequence[object],
) -> dict[str, Any]:
    """The provenance of one evaluation: ``model``, ``data``, ``yaiba`` (the version running)
    and ``created`` (UTC, ISO 8601)."""
    return {
        "model": model_record(model),
        "data": data_record(data, texts, labels),
        "yaiba": __version__,
        "created": now_utc(),
    }
