"""The model-file codec: fitted heads to arrays and JSON metadata, and back.

:mod:`yaiba.core.persist` keeps the container safe (zip members, ``.npy`` headers, checksum,
versions, signature); this module decides what goes in it: for each head (``label``,
optionally ``kind``) its parameters, calibration, classes and the non-zero rows of its
weights, plus the featurizer settings and lexicon shared by both heads.

Classes keep their type: a head fitted on str labels stores a unicode array (every file
before int labels were kept, and every model yaiba ships), one fitted on ints an int64
array, one fitted on bools a bool array; ``empty_class`` is the matching JSON value.

Reading checks sense, not just integrity (a checksum can be recomputed by whoever edits a
file): every metadata field has its type and range, no unknown field or member is accepted,
the hashing space is bounded (:data:`MAX_FEATURES`), array shapes agree with the metadata and
each other, weights, intercepts and biases are finite, and temperatures are finite and
positive. Any violation raises ModelFormatError.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from yaiba.core import persist, signing
from yaiba.core.estimator import AttackClassifier
from yaiba.core.features import HASH_SCHEME, Featurizer
from yaiba.errors import ModelFormatError
from yaiba.text.lexicon import MAX_LEN, Lexicon
from yaiba.text.normalize import STEPS

MAX_FEATURES = 1 << 24  # largest hashing space a model file may declare
MAX_ABS_VALUE = 1e6  # weights, intercepts and biases: far beyond any fitted value, far below overflow
TEMPERATURE_RANGE = (1e-3, 1e3)  # calibration fits within [e**-3, e**3]
HEAD_ARRAYS = ("rows", "weights", "intercept", "bias", "classes")
META_KEYS = {"environment", "features", "heads", "positive_label", "thresholds", "info"}
META_KEYS |= {"format", "format_version", "checksum", signing.FIELD}  # checked by persist


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


def write(
    path: str | os.PathLike[str], parts: ModelParts, *, signing_key: signing.PrivateKeySource | None = None
) -> None:
    """Write ``parts`` to a model file at ``path`` (atomically), signed if ``signing_key`` is given."""
    persist.write(path, *encode(parts), signing_key=signing_key)


def to_bytes(parts: ModelParts, *, signing_key: signing.PrivateKeySource | None = None) -> bytes:
    """The bytes :func:`write` puts in a file."""
    return persist.to_bytes(*encode(parts), signing_key=signing_key)


def read(source: persist.Source, *, trusted_keys: Iterable[signing.PublicKeySource] | None = None) -> ModelParts:
    """Read and check a model file; raise ModelFormatError if it is not a usable model.

    With ``trusted_keys`` the file must be signed by one of them (see :func:`persist.read`).
    """
    meta, arrays = persist.read(source, trusted_keys=trusted_keys)
    return decode(meta, arrays, persist.describe_source(source))


def decode(meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray], where: str) -> ModelParts:
    """The model in metadata and arrays :func:`persist.read` returned, every value checked."""
    unknown = sorted(set(meta) - META_KEYS)
    if unknown:
        raise ModelFormatError(f"{where}: unknown metadata field(s) {unknown[:5]}")
    heads = meta.get("heads")
    if not isinstance(heads, dict) or "label" not in heads or not set(heads) <= {"label", "kind"}:
        raise ModelFormatError(f"{where}: the heads of the model must be 'label' and optionally 'kind'")
    expected = {f"{h}.{a}" for h in heads for a in HEAD_ARRAYS}
    fmeta = meta.get("features")
    if isinstance(fmeta, dict) and fmeta.get("lexicon") is True:
        expected |= {"lexicon.terms", "lexicon.categories"}
    if set(arrays) != expected:
        extra, missing = sorted(set(arrays) - expected), sorted(expected - set(arrays))
        raise ModelFormatError(
            f"{where}: the model's arrays do not match its metadata (extra {extra}, missing {missing})"
        )
    positive_label = meta.get("positive_label")
    if positive_label is not None and not isinstance(positive_label, str):
        raise ModelFormatError(f"{where}: positive_label must be a string or null")
    thresholds = meta.get("thresholds", {})
    if not isinstance(thresholds, dict) or not all(_is_number(t) and 0 <= t <= 1 for t in thresholds.values()):
        raise ModelFormatError(f"{where}: thresholds must map classes to numbers in [0, 1]")
    info = meta.get("info", {})
    if not isinstance(info, dict):
        raise ModelFormatError(f"{where}: info must be a JSON object")
    label = _restore_head("label", meta, arrays, where)
    kind = _restore_head("kind", meta, arrays, where) if "kind" in heads else None
    return ModelParts(label, kind, positive_label=positive_label, thresholds=thresholds, info=info)


# Settings added after format version 1 are stored only when they differ from their default,
# so files of the default recipe stay byte-identical and older files read as the default.
_LATER_SETTINGS = {"lexicon_quotes": True, "lexicon_conjunctions": True}
# Estimator parameters added later that are not featurizer settings (prediction-time options):
# the same rule, against the estimator's own defaults.
_DEFAULT_PARAMS = AttackClassifier().get_params()
_LATER_PARAMS = {k: _DEFAULT_PARAMS[k] for k in ("sentence_margin",) if k in _DEFAULT_PARAMS}
_OMITTED_AT_DEFAULT = {**_LATER_SETTINGS, **_LATER_PARAMS}


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
    params = {
        k: v for k, v in est.get_params().items() if not (k in _OMITTED_AT_DEFAULT and v == _OMITTED_AT_DEFAULT[k])
    }
    params["word_ngrams"] = list(params["word_ngrams"])
    params["char_ngrams"] = list(params["char_ngrams"])
    empty = est.empty_class_
    return {
        "params": params,
        "temperature": float(est.temperature_),
        "empty_class": empty.item() if isinstance(empty, np.generic) else empty,  # JSON: a plain value
    }


def _classes_array(classes: np.ndarray) -> np.ndarray:
    """A head's classes as stored: unicode for str labels, int64 for ints, bool for bools."""
    a = np.asarray(classes)
    if a.dtype.kind == "b":
        return a.astype(bool)
    if a.dtype.kind in "iu":
        return a.astype(np.int64)
    return np.asarray(classes, dtype=str)


# the JSON type of empty_class for each kind of classes array a file may hold
_CLASS_TYPES: dict[str, type] = {"U": str, "i": int, "b": bool}


def _head_arrays(est: AttackClassifier) -> dict[str, np.ndarray]:
    rows = np.flatnonzero(np.any(est.weights_ != 0, axis=1)).astype(np.int32)
    return {
        "rows": rows,
        "weights": est.weights_[rows],
        "intercept": est.intercept_,
        "bias": est.bias_,
        "classes": _classes_array(est.classes_),
    }


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_int(v: Any) -> bool:
    return type(v) is int


def _is_ngrams(v: Any) -> bool:
    return isinstance(v, list) and len(v) == 2 and all(_is_int(x) and 0 <= x <= 6 for x in v)


# the type (or check) of every setting a model file may hold; optional ones may be absent
_FEATURES: dict[str, Any] = {
    "n_features": lambda v: _is_int(v) and 2 <= v <= MAX_FEATURES and not v & (v - 1),
    "word_ngrams": _is_ngrams,
    "char_ngrams": _is_ngrams,
    "normalizer": lambda v: _is_int(v) and v in STEPS,
    "lexicon": lambda v: isinstance(v, bool),
    "lexicon_weight": lambda v: _is_number(v) and abs(v) <= MAX_ABS_VALUE,
    "hash": lambda v: v == HASH_SCHEME,
    "lexicon_quotes": lambda v: isinstance(v, bool),
    "lexicon_conjunctions": lambda v: isinstance(v, bool),
}
# lexicon_weight: files of the first format-1 releases did not store it (it was 1.0)
_OPTIONAL_FEATURES = set(_LATER_SETTINGS) | {"lexicon_weight"}
_HEAD: dict[str, Any] = {"params": lambda v: True, "temperature": lambda v: True, "empty_class": lambda v: True}
_PARAMS: dict[str, Any] = {
    **{k: _FEATURES[k] for k in _FEATURES if k != "hash"},
    "C": lambda v: _is_number(v) and v > 0,
    "class_weight": lambda v: (
        v is None or isinstance(v, str) or (isinstance(v, dict) and all(_is_number(w) and w >= 0 for w in v.values()))
    ),
    "calibrate": lambda v: isinstance(v, bool),
    "max_iter": lambda v: _is_int(v) and v >= 1,
    "random_state": lambda v: v is None or _is_int(v),
    "sentence_margin": lambda v: v is None or (_is_number(v) and 0 <= v <= MAX_ABS_VALUE),
}
# settings a head's parameters must share with the featurizer the file stores
_SHARED = ("n_features", "word_ngrams", "char_ngrams", "normalizer", "lexicon", "lexicon_weight")


def _check_fields(value: Any, checks: Mapping[str, Any], optional: set[str], what: str, where: str) -> dict[str, Any]:
    """``value`` as a dict whose every field passes its check; no unknown, no missing field."""
    if not isinstance(value, dict):
        raise ModelFormatError(f"{where}: {what} must be a JSON object")
    unknown = sorted(set(value) - set(checks))
    missing = sorted(set(checks) - set(value) - optional)
    if unknown or missing:
        raise ModelFormatError(f"{where}: {what}: unknown fields {unknown[:5]}, missing fields {missing}")
    for key, check in checks.items():
        if key in value and not check(value[key]):
            raise ModelFormatError(f"{where}: {what}: {key} = {str(value[key])[:60]} is not valid")
    return value


def _finite(a: np.ndarray) -> bool:
    values = np.asarray(a, dtype=np.float64)  # float16 cannot hold the bound itself
    return bool(np.all(np.isfinite(values)) and np.all(np.abs(values) <= MAX_ABS_VALUE))


def _restore_head(head: str, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray], where: str) -> AttackClassifier:
    fmeta = _check_fields(meta.get("features"), _FEATURES, _OPTIONAL_FEATURES, "features", where)
    hmeta = _check_fields(meta["heads"][head], _HEAD, set(), f"head {head!r}", where)
    optional = _OPTIONAL_FEATURES | {"sentence_margin"}
    params = _check_fields(hmeta["params"], _PARAMS, optional, f"parameters of head {head!r}", where)
    for key in _SHARED:
        if key in params and params[key] != fmeta.get(key, 1.0):
            raise ModelFormatError(f"{where}: head {head!r} has {key} = {params[key]!r} but the features have another")
    temperature = hmeta["temperature"]
    lo, hi = TEMPERATURE_RANGE
    if not _is_number(temperature) or not lo <= temperature <= hi:
        raise ModelFormatError(f"{where}: temperature of head {head!r} must be a finite number in [{lo}, {hi}]")
    if type(hmeta["empty_class"]) not in _CLASS_TYPES.values():
        raise ModelFormatError(f"{where}: empty_class of head {head!r} must be a string, an integer or a boolean")

    lexicon = None
    if fmeta["lexicon"]:
        terms, cats = arrays["lexicon.terms"], arrays["lexicon.categories"]
        if terms.dtype.kind != "U" or cats.dtype.kind != "U" or terms.ndim != 1 or terms.shape != cats.shape:
            raise ModelFormatError(f"{where}: lexicon arrays are inconsistent")
        lengths = np.char.str_len(terms)
        if len(terms) and (lengths.min() < 1 or lengths.max() > MAX_LEN):
            raise ModelFormatError(f"{where}: lexicon terms must hold 1 to {MAX_LEN} characters")
        lexicon = Lexicon(tuple(terms.tolist()), tuple(cats.tolist()))
    n_features = fmeta["n_features"]

    rows = arrays[f"{head}.rows"]
    w = arrays[f"{head}.weights"]
    classes = arrays[f"{head}.classes"]
    intercept = arrays[f"{head}.intercept"]
    bias = arrays[f"{head}.bias"]
    k = len(classes) if classes.ndim == 1 else 0
    if (
        classes.dtype.kind not in _CLASS_TYPES
        or classes.ndim != 1
        or k < 2
        or len(np.unique(classes)) != k
        or rows.dtype != np.int32
        or rows.ndim != 1
        or w.dtype != np.float32
        or w.shape != (len(rows), k)
        or (len(rows) and (rows[0] < 0 or rows[-1] >= n_features or np.any(np.diff(rows) <= 0)))
        or intercept.dtype.kind != "f"
        or intercept.shape != (k,)
        or bias.dtype.kind != "f"
        or bias.shape != (k,)
    ):
        raise ModelFormatError(f"{where}: arrays of head {head!r} have inconsistent shapes or types")
    if n_features * k * 4 > persist.MAX_UNCOMPRESSED:
        raise ModelFormatError(f"{where}: {n_features} features x {k} classes is too large a model")
    for name, a in (("weights", w), ("intercept", intercept), ("bias", bias)):
        if not _finite(a):
            raise ModelFormatError(
                f"{where}: {name} of head {head!r} hold non-finite values or values beyond +-{MAX_ABS_VALUE:g}"
            )
    empty_class: str | int = hmeta["empty_class"]  # int includes bool
    if type(empty_class) is not _CLASS_TYPES[classes.dtype.kind] or empty_class not in set(classes.tolist()):
        raise ModelFormatError(f"{where}: empty_class {str(empty_class)[:60]!r} is not a class of head {head!r}")

    try:
        featurizer = Featurizer(
            n_features=n_features,
            word_ngrams=(fmeta["word_ngrams"][0], fmeta["word_ngrams"][1]),
            char_ngrams=(fmeta["char_ngrams"][0], fmeta["char_ngrams"][1]),
            normalizer=fmeta["normalizer"],
            lexicon=lexicon,
            lexicon_weight=float(fmeta.get("lexicon_weight", 1.0)),
            lexicon_quotes=fmeta.get("lexicon_quotes", True),
            lexicon_conjunctions=fmeta.get("lexicon_conjunctions", True),
        )
        params = dict(params, word_ngrams=tuple(params["word_ngrams"]), char_ngrams=tuple(params["char_ngrams"]))
        est = AttackClassifier(**params)
    except (TypeError, ValueError) as exc:
        raise ModelFormatError(f"{where}: settings of head {head!r} are not valid ({exc})") from None
    weights = np.zeros((n_features, k), dtype=np.float32)
    weights[rows] = w
    est.featurizer_ = featurizer
    est.classes_ = classes
    est.weights_ = weights
    est.intercept_ = intercept.astype(np.float32)
    est.bias_ = bias.astype(np.float32)
    est.temperature_ = float(temperature)
    est.empty_class_ = empty_class
    return est
