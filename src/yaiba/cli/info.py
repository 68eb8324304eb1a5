"""``yaiba info [MODEL]``: versions, and what a model file records about itself, for bug reports
and audits."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from yaiba.cli.common import EXIT_OK
from yaiba.core import codec, persist, signing
from yaiba.core.features import MIN_SENTENCES
from yaiba.errors import ModelFormatError
from yaiba.evaluation.provenance import model_record
from yaiba.metadata import __version__

_TEXT_SKIP = ("confusion_matrix", "by_subtype", "by_group")  # long tables: --json has them


def add_commands(sub: Any) -> None:  # sub: argparse._SubParsersAction
    """Add ``info`` to the parser."""
    i = sub.add_parser(
        "info",
        help="versions of yaiba and its libraries, and what a model file records (recipe, data, metrics)",
        description="Print the versions of yaiba, its libraries and the dictionary, and what the model "
        "file records: its SHA-256, the yaiba that wrote it, classes, thresholds, features, the training "
        "summary, the recipe (sources, data digest) and the metrics measured when it was built.",
    )
    i.add_argument("model", nargs="?", help="model file (default: the shipped model)")
    i.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def info(args: argparse.Namespace) -> int:
    """``yaiba info``: versions of yaiba, the libraries, the dictionary, and a model's record."""
    env = persist.environment()
    out: dict[str, Any] = {
        "yaiba": __version__,
        "environment": {k: v for k, v in env.items() if k != "yaiba"},
        "python": sys.version.split()[0],
    }
    source = args.model or "default"
    try:
        out["model"] = describe_model(source)
    except (FileNotFoundError, ModelFormatError) as exc:
        if args.model:  # a file the user named: an error, exit 1
            raise
        out["model"], out["model_error"] = None, str(exc)  # the shipped one is missing: still report versions
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return EXIT_OK
    print(f"yaiba {__version__}")
    for k, v in out["environment"].items():
        print(f"{k}: {_inline(v)}")
    print(f"python: {out['python']}")
    if out["model"] is None:
        print(f"default model: unavailable ({out['model_error']})")
        return EXIT_OK
    print()
    print("\n".join(_model_lines(out["model"])))
    return EXIT_OK


def describe_model(source: str) -> dict[str, Any]:
    """What ``yaiba info`` reports about a model file (``"default"``: the shipped model)."""
    file = model_record(source)
    if file["file"] is None:
        raise FileNotFoundError(f"model file not found: {source}")
    meta, arrays = persist.read(file["file"])
    parts = codec.decode(meta, arrays, file["file"])
    signature = meta.get(signing.FIELD)
    return {
        "path": file["path"],
        "file": file["file"],
        "bytes": file["bytes"],
        "sha256": file["sha256"],
        "written_by": file["written_by"],
        "environment": file["environment"],
        "format": meta.get("format"),
        "format_version": meta.get("format_version"),
        "checksum": meta.get("checksum"),
        "signed_by": signing.fingerprint(bytes.fromhex(signature["key"])) if isinstance(signature, dict) else None,
        "classes": [str(c) for c in parts.label.classes_],
        "positive_label": parts.positive_label,
        "kinds": [] if parts.kind is None else [str(c) for c in parts.kind.classes_],
        "thresholds": parts.thresholds,
        "features": meta.get("features"),
        "sentence_margin": parts.label.sentence_margin,
        "info": parts.info,
    }


def _model_lines(m: dict[str, Any]) -> list[str]:
    name = "default (the shipped model)" if m["path"] == "default" else m["path"]
    env = dict(m["environment"] or {})
    written = env.pop("yaiba", None)
    lines = [
        f"model: {name}",
        f"  file: {m['file']} ({m['bytes'] / 1e6:.1f} MB), sha256 {m['sha256']}",
        f"  written by: yaiba {written or 'unknown'}" + (f" ({_inline(env)})" if env else ""),
        f"  format: {m['format']} version {m['format_version']}, checksum {m['checksum']}",
        f"  signature: {'key ' + m['signed_by'] if m['signed_by'] else 'none (check with yaiba verify)'}",
        f"  classes: {', '.join(m['classes'])} (positive: {m['positive_label'] or '-'})",
        f"  kinds: {', '.join(m['kinds']) or '- (no kind head)'}",
        "  thresholds: "
        + (", ".join(f"{c} >= {t:g}" for c, t in m["thresholds"].items()) or "none (the most probable class)"),
        f"  features: {_inline(m['features'] or {})}",
        "  long posts: "
        + (
            f"posts of >= {MIN_SENTENCES} sentences also scored by sentence, margin {m['sentence_margin']:g}"
            if m["sentence_margin"] is not None
            else "scored whole (sentence_margin None)"
        ),
    ]
    info = dict(m["info"])
    for key in ("training", "recipe", "sources", "threshold", "metrics"):  # the model card's order first
        if key in info:
            lines += _lines(key, info.pop(key), 1)
    for key, value in info.items():
        lines += _lines(key, value, 1)
    skipped = [k for k in _TEXT_SKIP if f"'{k}'" in str(m["info"])]
    if skipped:
        lines.append(f"  ({', '.join(skipped)}: see --json)")
    return lines


def _lines(key: str, value: Any, depth: int) -> list[str]:
    """``key: value`` lines, nested dicts indented; one line when the value is short."""
    pad = "  " * depth
    if key in _TEXT_SKIP:
        return []
    if isinstance(value, dict) and value:
        flat = _inline(value)
        if len(flat) <= 100 and not any(isinstance(v, dict) for v in value.values()):
            return [f"{pad}{key}: {flat}"]
        out = [f"{pad}{key}:"]
        for k, v in value.items():
            out += _lines(str(k), v, depth + 1)
        return out
    return [f"{pad}{key}: {_inline(value)}"]


def _inline(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict) and set(value) == {"name", "version"}:  # the dictionary
        return f"{value['name']} {value['version']}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_inline(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "; ".join(_inline(v) for v in value)
    return str(value)


HANDLERS = {"info": info}
