"""The model-file codec: fitted heads to arrays and JSON metadata, and back.

:mod:`yaiba.core.persist` keeps the container safe (zip members, ``.npy`` headers, checksum,
versions); this module decides what goes in it: for each head (``label``, optionally
``kind``) its parameters, calibration, classes and the non-zero rows of its weights, plus the
featurizer settings and lexicon shared by both heads.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from yaiba.core import persist
from yaiba.core.estimator import AttackClassifier
from yaiba.core.features import HASH_SCHEME, Featurizer
from yaiba.errors import ModelFormatError
from yaiba.text.lexicon import Lexicon


@dataclass
class ModelParts:
    """What a model file holds: the fitted heads and the settings around them."""

    label: AttackClassifier
    kind: AttackClassifier | None = None
    positive_label: str | None = None
    thresholds: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


def encode(parts: ModelParts) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Metadata and arrays of a model file."""
    arrays: dict[str, np.ndarray] = {}
    heads: dict[str, Any] = {}
    for head, est in (("label", parts.label), ("kind", parts.kind)):
        if est is None:
            continue
        heads[head] = _head_meta(est)
        for k, v in _head_arrays(est).items():
            arrays[f"{head}.{k}"] = v
    featurizer = parts.label.featurizer_
    lexicon = featurizer.lexicon
    if lexicon is not None:
        arrays["lexicon.terms"] = np.asarray(lexicon.terms, dtype=str)
        arrays["lexicon.categories"] = np.asarray(lexicon.categories, dtype=str)
    meta = {
        "environment": persist.environment(),
        "features": _featurizer_meta(featurizer),
        "heads": heads,
        "positive_label": parts.positive_label,
        "thresholds": dict(parts.thresholds),
        "info": parts.info,
    }
    return meta, arrays


def write(path: str | os.PathLike[str], parts: ModelParts) -> None:
    """Write ``parts`` to a model file at ``path`` (atomically)."""
    persist.write(path, *encode(parts))


def to_bytes(parts: ModelParts) -> bytes:
    """The bytes :func:`write` puts in a file."""
    return persist.to_bytes(*encode(parts))


def read(source: persist.Source) -> ModelParts:
    """Read and check a model file; raise ModelFormatError if it is not a usable model."""
    meta, arrays = persist.read(source)
    where = persist.describe_source(source)
    heads = meta.get("heads") or {}
    if "label" not in heads:
        raise ModelFormatError(f"{where}: no label head in the model")
    label = _restore_head("label", meta, arrays, where)
    kind = _restore_head("kind", meta, arrays, where) if "kind" in heads else None
    return ModelParts(
        label,
        kind,
        positive_label=meta.get("positive_label"),
        thresholds=meta.get("thresholds") or {},
        info=meta.get("info") or {},
    )


# Settings added after format version 1 are stored only when they differ from their default,
# so files of the default recipe stay byte-identical and older files read as the default.
_LATER_SETTINGS = {"lexicon_quotes": True, "lexicon_conjunctions": True}


def _featurizer_meta(f: Featurizer) -> dict[str, Any]:
    meta = {
        "n_features": f.n_features,
        "word_ngrams": list(f.word_ngrams),
        "char_ngrams": list(f.char_ngrams),
        "normalizer": f.normalizer,
        "lexicon": f.lexicon is not None,
        "lexicon_weight": f.lexicon_weight,
        "hash": HASH_SCHEME,
    }
    for name, default in _LATER_SETTINGS.items():
        if getattr(f, name) != default:
            meta[name] = getattr(f, name)
    return meta


def _head_meta(est: AttackClassifier) -> dict[str, Any]:
    params = {k: v for k, v in est.get_params().items() if not (k in _LATER_SETTINGS and v == _LATER_SETTINGS[k])}
    params["word_ngrams"] = list(params["word_ngrams"])
    params["char_ngrams"] = list(params["char_ngrams"])
    return {
        "params": params,
        "temperature": float(est.temperature_),
        "empty_class": est.empty_class_,
    }


def _head_arrays(est: AttackClassifier) -> dict[str, np.ndarray]:
    rows = np.flatnonzero(np.any(est.weights_ != 0, axis=1)).astype(np.int32)
    return {
        "rows": rows,
        "weights": est.weights_[rows],
        "intercept": est.intercept_,
        "bias": est.bias_,
        "classes": np.asarray(est.classes_, dtype=str),
    }


def _restore_head(head: str, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray], where: str) -> AttackClassifier:
    try:
        hmeta = meta["heads"][head]
        fmeta = meta["features"]
        params = dict(hmeta["params"])
        params["word_ngrams"] = tuple(params["word_ngrams"])
        params["char_ngrams"] = tuple(params["char_ngrams"])
        est = AttackClassifier(**params)
        lexicon = None
        if fmeta.get("lexicon"):
            terms, cats = arrays["lexicon.terms"], arrays["lexicon.categories"]
            if terms.dtype.kind != "U" or cats.dtype.kind != "U" or terms.shape != cats.shape:
                raise ModelFormatError(f"{where}: lexicon arrays are inconsistent")
            lexicon = Lexicon(tuple(terms.tolist()), tuple(cats.tolist()))
        featurizer = Featurizer(
            n_features=int(fmeta["n_features"]),
            word_ngrams=tuple(fmeta["word_ngrams"]),
            char_ngrams=tuple(fmeta["char_ngrams"]),
            normalizer=int(fmeta["normalizer"]),
            lexicon=lexicon,
            lexicon_weight=float(fmeta.get("lexicon_weight", 1.0)),
            lexicon_quotes=bool(fmeta.get("lexicon_quotes", True)),
            lexicon_conjunctions=bool(fmeta.get("lexicon_conjunctions", True)),
        )
        if fmeta.get("hash") != HASH_SCHEME:
            raise ModelFormatError(f"{where}: unknown feature hash {fmeta.get('hash')!r}")
        rows = arrays[f"{head}.rows"]
        w = arrays[f"{head}.weights"]
        classes = arrays[f"{head}.classes"]
        k = len(classes)
        if (
            rows.dtype != np.int32
            or w.dtype != np.float32
            or w.shape != (len(rows), k)
            or classes.dtype.kind != "U"
            or k < 2
            or (len(rows) and (rows.min() < 0 or rows.max() >= featurizer.n_features))
        ):
            raise ModelFormatError(f"{where}: arrays of head {head!r} have inconsistent shapes or types")
        weights = np.zeros((featurizer.n_features, k), dtype=np.float32)
        weights[rows] = w
        est.featurizer_ = featurizer
        est.classes_ = classes
        est.weights_ = weights
        est.intercept_ = arrays[f"{head}.intercept"].astype(np.float32).reshape(k)
        est.bias_ = arrays[f"{head}.bias"].astype(np.float32).reshape(k)
        est.temperature_ = float(hmeta["temperature"])
        est.empty_class_ = str(hmeta["empty_class"])
        if est.empty_class_ not in set(classes.tolist()):
            raise ModelFormatError(f"{where}: empty_class {est.empty_class_!r} is not a class")
        return est
    except ModelFormatError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"{where}: incomplete model metadata for head {head!r} ({exc!r})") from None
