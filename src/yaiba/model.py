"""The user-facing classifier: load, score in batches, explain, save."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from . import persist
from .errors import ModelFormatError
from .estimator import AttackClassifier, softmax
from .cache import ProbaCache
from .features import Featurizer
from .lexicon import Lexicon
from .validation import check_labels, check_texts

DEFAULT_BATCH = 2048
HASH_SCHEME = "splitmix64-poly-v2"  # v2: katakana folded in the char and lex views
POSITIVE = "attack"


class Model:
    """A trained yaiba classifier.

    Wraps a fitted :class:`AttackClassifier` (``estimator``) for the label and, optionally,
    a second one for the attack ``kind``. Get one with :func:`yaiba.load` or :func:`yaiba.train`.

    Examples
    --------
    >>> import yaiba
    >>> clf = yaiba.load()
    >>> "attack" in clf.classes_
    True
    >>> p = clf.score(["この采配は最悪。説明してほしい", "お前なんか消えろ"])
    >>> p.dtype.name, p.shape
    ('float32', (2,))
    """

    def __init__(
        self,
        estimator: AttackClassifier,
        *,
        kind_estimator: AttackClassifier | None = None,
        positive_label: str | None = POSITIVE,
        thresholds: Mapping[str, float] | None = None,
        info: Mapping[str, Any] | None = None,
        cache_size: int = 0,
    ) -> None:
        self.estimator = estimator
        self.kind_estimator = kind_estimator
        classes = tuple(str(c) for c in estimator.classes_)
        if positive_label is not None and positive_label not in classes:
            positive_label = None
        self.positive_label = positive_label
        self.thresholds = _check_thresholds(thresholds or {}, classes)
        self.info: dict[str, Any] = dict(info or {})
        self.cache = ProbaCache(cache_size) if cache_size else None

    # -- description -----------------------------------------------------------------------
    @property
    def classes_(self) -> tuple[str, ...]:
        """Label strings, in the column order of :meth:`predict_proba`."""
        return tuple(str(c) for c in self.estimator.classes_)

    @property
    def kinds_(self) -> tuple[str, ...]:
        """Attack kinds :meth:`predict_kind` can return (empty without a kind head)."""
        if self.kind_estimator is None:
            return ()
        return tuple(str(c) for c in self.kind_estimator.classes_)

    @property
    def featurizer(self) -> Featurizer:
        return self.estimator.featurizer_

    def __repr__(self) -> str:
        return f"yaiba.Model(classes={self.classes_}, kinds={self.kinds_}, thresholds={self.thresholds})"

    # -- scoring ---------------------------------------------------------------------------
    def predict_proba(
        self, texts: Iterable[str], *, batch_size: int = DEFAULT_BATCH, n_jobs: int | None = None
    ) -> np.ndarray:
        """Class probabilities, float32 array (n, len(classes_)), rows summing to 1."""
        from .parallel import map_chunks

        chunks = _chunks(texts, batch_size)
        parts = list(map_chunks(self, chunks, n_jobs=n_jobs))
        if not parts:
            return np.zeros((0, len(self.classes_)), dtype=np.float32)
        return np.vstack(parts)

    def proba_chunk(self, texts: list[str]) -> np.ndarray:
        """Probabilities of one validated chunk, in this process (through the cache if on)."""
        norm = self.featurizer.normalize(texts)
        if self.cache is None:
            return self.estimator.proba_from_matrix(self.featurizer.product_matrix(norm))
        rows = self.cache.lookup(norm)
        missing = list(dict.fromkeys(t for t, r in zip(norm, rows) if r is None))  # distinct, in order
        self.cache.count(hits=len(norm) - len(missing), misses=len(missing))
        if missing:
            fresh = self.estimator.proba_from_matrix(self.featurizer.product_matrix(missing))
            self.cache.store(missing, fresh)
            by_text = dict(zip(missing, fresh))
            rows = [by_text[t] if r is None else r for t, r in zip(norm, rows)]
        if not rows:
            return np.zeros((0, len(self.classes_)), dtype=np.float32)
        return np.vstack(rows)

    def score(
        self, texts: Iterable[str], *, batch_size: int = DEFAULT_BATCH, n_jobs: int | None = None
    ) -> np.ndarray:
        """P(attack) of each post: float32 array (n,). The fast batched path."""
        col = self._positive_column()
        return np.ascontiguousarray(
            self.predict_proba(texts, batch_size=batch_size, n_jobs=n_jobs)[:, col]
        )

    def predict(
        self, texts: Iterable[str], *, batch_size: int = DEFAULT_BATCH, n_jobs: int | None = None
    ) -> list[str]:
        """The label of each post, using this model's thresholds (see :meth:`with_thresholds`)."""
        return self.labels_from_proba(self.predict_proba(texts, batch_size=batch_size, n_jobs=n_jobs))

    def labels_from_proba(self, proba: np.ndarray) -> list[str]:
        """Labels for rows of :meth:`predict_proba` output, applying the thresholds."""
        classes = self.classes_
        idx = np.argmax(proba, axis=1)
        decided = np.zeros(len(proba), dtype=bool)
        chosen = idx.copy()
        for label, t in self.thresholds.items():
            c = classes.index(label)
            fire = ~decided & (proba[:, c] >= t)
            chosen[fire] = c
            decided |= fire
        if self.thresholds:
            rest = [i for i, c in enumerate(classes) if c not in self.thresholds] or list(range(len(classes)))
            fallback = np.asarray(rest)[np.argmax(proba[:, rest], axis=1)]
            chosen[~decided] = fallback[~decided]
        return [classes[i] for i in chosen]

    def predict_kind(self, texts: Iterable[str], *, batch_size: int = DEFAULT_BATCH) -> list[str | None]:
        """Attack kind of each post predicted ``attack``; None for the others."""
        if self.kind_estimator is None:
            raise ValueError("this model has no kind head; train it with kinds=...")
        return [kind for chunk in _chunks(texts, batch_size) for kind in self.predict_batch(chunk)[2]]

    def kind_of(self, texts: Iterable[str], *, batch_size: int = DEFAULT_BATCH) -> list[str]:
        """The most likely attack kind of each post, assuming it is an attack."""
        if self.kind_estimator is None:
            raise ValueError("this model has no kind head; train it with kinds=...")
        return [kind for chunk in _chunks(texts, batch_size) for kind in self._kinds(self._matrix(chunk))]

    def predict_kind_proba(self, texts: Iterable[str], *, batch_size: int = DEFAULT_BATCH) -> np.ndarray:
        """Joint probabilities P(attack and kind), float32 (n, len(kinds_)); rows sum to P(attack).

        Column ``kinds_.index("discrimination")`` is the probability of a group attack, the
        score to rank by for hate-speech tasks.
        """
        if self.kind_estimator is None:
            raise ValueError("this model has no kind head; train it with kinds=...")
        col = self._positive_column()
        out = []
        for chunk in _chunks(texts, batch_size):
            matrix = self._matrix(chunk)
            p_attack = self.estimator.proba_from_matrix(matrix)[:, col]
            out.append(softmax(self.kind_estimator.logits_from_matrix(matrix)) * p_attack[:, None])
        if not out:
            return np.zeros((0, len(self.kinds_)), dtype=np.float32)
        return np.vstack(out)

    def predict_batch(self, texts: list[str]) -> tuple[np.ndarray, list[str], list[str | None]]:
        """Probabilities, labels and kinds of one batch, featurised once, in this process.

        The fast path for callers that want all three (e.g. :mod:`yaiba.spark`): the same
        values as :meth:`predict_proba`, :meth:`predict` and :meth:`predict_kind`, at the
        cost of one featurisation. Kinds are None for posts not labelled attack, and for
        every post when the model has no kind head.
        """
        items = check_texts(texts)
        matrix = self.featurizer.transform(items)
        proba = self.estimator.proba_from_matrix(matrix)
        labels = self.labels_from_proba(proba)
        kinds: list[str | None] = [None] * len(items)
        rows = [i for i, lab in enumerate(labels) if lab == self.positive_label]
        if self.kind_estimator is not None and rows:
            for i, k in zip(rows, self._kinds(matrix[rows])):
                kinds[i] = k
        return proba, labels, kinds

    def _matrix(self, texts: list[str]) -> sp.coo_matrix:
        """Feature matrix of validated texts, for products (the scoring path)."""
        return self.featurizer.product_matrix(self.featurizer.normalize(texts))

    def _kinds(self, matrix: sp.csr_matrix | sp.coo_matrix) -> list[str]:
        """The kind head's most likely kind of each row."""
        logits = self.kind_estimator.logits_from_matrix(matrix)
        return [str(k) for k in self.kind_estimator.classes_[np.argmax(logits, axis=1)]]

    def _positive_column(self) -> int:
        if self.positive_label is None:
            raise ValueError(
                f"this model has no positive label (classes {self.classes_}); "
                "train it with positive_label=... to use score()"
            )
        return self.classes_.index(self.positive_label)

    # -- explanations ----------------------------------------------------------------------
    def explain(self, text: str, top: int = 5, label: str | None = None):
        """The n-grams that pushed this post towards ``label`` (default: the predicted one).

        Returns an :class:`yaiba.explain.Explanation`; ``print()`` it for a moderator.
        """
        from .explain import explain

        return explain(self, text, top=top, label=label)

    def reasons(self, texts: Iterable[str], *, max_phrases: int = 3) -> list:
        """A reason code for each post predicted attack (None for the others).

        Each :class:`yaiba.reasons.Reason` has the kind, the phrases that drove the decision as
        offsets into the original post, and a one-line Japanese message for a moderator.
        """
        from .reasons import reasons

        return reasons(self, texts, max_phrases=max_phrases)

    # -- thresholds ------------------------------------------------------------------------
    def with_cache(self, maxsize: int = 65536) -> Model:
        """A copy of this model that remembers the probabilities of the last ``maxsize``
        distinct posts (after normalisation); ``maxsize=0`` turns the cache off.

        Worth it when posts repeat (spam waves, copy-paste attacks); see benchmarks/cache.py.
        Each worker process of ``n_jobs`` keeps its own cache.
        """
        return self._copy(cache_size=maxsize)

    def with_thresholds(self, thresholds: Mapping[str, float]) -> Model:
        """A copy of this model whose :meth:`predict` uses ``thresholds`` (class -> min probability).

        Classes are checked in the order given: the first whose probability reaches its
        threshold wins; otherwise the most probable class without a threshold.
        """
        return self._copy(thresholds=thresholds)

    @property
    def cache_size(self) -> int:
        return self.cache.maxsize if self.cache is not None else 0

    def _copy(self, **changes: Any) -> Model:
        settings = {
            "kind_estimator": self.kind_estimator,
            "positive_label": self.positive_label,
            "thresholds": self.thresholds,
            "info": self.info,
            "cache_size": self.cache_size,
        }
        settings.update(changes)
        return Model(self.estimator, **settings)

    # -- persistence -----------------------------------------------------------------------
    def _meta_and_arrays(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays: dict[str, np.ndarray] = {}
        heads: dict[str, Any] = {}
        for head, est in (("label", self.estimator), ("kind", self.kind_estimator)):
            if est is None:
                continue
            heads[head] = _head_meta(est)
            for k, v in _head_arrays(est).items():
                arrays[f"{head}.{k}"] = v
        lexicon = self.featurizer.lexicon
        if lexicon is not None:
            arrays["lexicon.terms"] = np.asarray(lexicon.terms, dtype=str)
            arrays["lexicon.categories"] = np.asarray(lexicon.categories, dtype=str)
        meta = {
            "environment": persist.environment(),
            "features": _featurizer_meta(self.featurizer),
            "heads": heads,
            "positive_label": self.positive_label,
            "thresholds": dict(self.thresholds),
            "info": self.info,
        }
        return meta, arrays

    def save(self, path: str | os.PathLike) -> None:
        """Write the model to ``path`` (a .npz archive of arrays and JSON; no pickle)."""
        meta, arrays = self._meta_and_arrays()
        persist.write(path, meta, arrays)

    def to_bytes(self) -> bytes:
        """The bytes :meth:`save` writes; :func:`yaiba.load` reads them back."""
        meta, arrays = self._meta_and_arrays()
        return persist.to_bytes(meta, arrays)

    def __reduce__(self):
        # pickling a Model (e.g. to a worker process) ships the safe file format
        return (_from_bytes, (self.to_bytes(), self.cache_size))


def _from_bytes(blob: bytes, cache_size: int = 0) -> Model:
    model = load(blob)
    return model.with_cache(cache_size) if cache_size else model


def _chunks(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    if size < 1:
        raise ValueError(f"batch_size must be >= 1, got {size}")
    if isinstance(texts, (str, bytes)):
        check_texts(texts)
    if isinstance(texts, (list, tuple)):
        check_texts(texts)
        for i in range(0, len(texts), size):
            yield list(texts[i : i + size])
        return
    try:
        it = iter(texts)
    except TypeError:
        check_texts(texts)  # raises with the type named
        raise
    offset = 0
    while chunk := list(islice(it, size)):
        try:
            check_texts(chunk)
        except TypeError as exc:
            raise _shift_index(exc, offset) from None
        yield chunk
        offset += len(chunk)


def _shift_index(exc: TypeError, offset: int) -> TypeError:
    """Re-number 'texts[i]' in a chunk's error as the position in the whole input."""
    import re

    msg = re.sub(r"texts\[(\d+)\]", lambda m: f"texts[{int(m.group(1)) + offset}]", str(exc), count=1)
    return TypeError(msg)


def _check_thresholds(thresholds: Mapping[str, float], classes: tuple[str, ...]) -> dict[str, float]:
    out = {}
    for label, t in thresholds.items():
        if label not in classes:
            raise ValueError(f"threshold for unknown class {label!r}; classes are {classes}")
        t = float(t)
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"threshold for {label!r} must be in [0, 1], got {t}")
        out[str(label)] = t
    return out


def _featurizer_meta(f: Featurizer) -> dict[str, Any]:
    return {
        "n_features": f.n_features,
        "word_ngrams": list(f.word_ngrams),
        "char_ngrams": list(f.char_ngrams),
        "normalizer": f.normalizer,
        "lexicon": f.lexicon is not None,
        "lexicon_weight": f.lexicon_weight,
        "hash": HASH_SCHEME,
    }


def _head_meta(est: AttackClassifier) -> dict[str, Any]:
    params = est.get_params()
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
        )
        if fmeta.get("hash") != HASH_SCHEME:
            raise ModelFormatError(f"{where}: unknown feature hash {fmeta.get('hash')!r}")
        rows = arrays[f"{head}.rows"]
        w = arrays[f"{head}.weights"]
        classes = arrays[f"{head}.classes"]
        k = len(classes)
        if (
            rows.dtype != np.int32 or w.dtype != np.float32 or w.shape != (len(rows), k)
            or classes.dtype.kind != "U" or k < 2
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


def default_model_path() -> Path:
    """Where the shipped default model lives (inside the package, or models/ in a checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "models" / "default.npz", here.parents[1] / "models" / "default.npz"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        "the default model (models/default.npz) is missing from this installation; "
        "pass a path to yaiba.load(path)"
    )


def _default_source() -> persist.Source:
    """The shipped model's path, or its bytes when yaiba is imported from a zip (spark-submit --py-files)."""
    try:
        return default_model_path()
    except FileNotFoundError:
        from importlib.resources import files

        packaged = files(__package__).joinpath("models", "default.npz")
        if packaged.is_file():
            return packaged.read_bytes()
        raise


def load(path: persist.Source | None = None) -> Model:
    """Load a model saved with :meth:`Model.save`, or the shipped default model.

    Never unpickles, never uses the network, never writes. Raises ModelFormatError for a
    truncated, tampered, unsafe or wrong-version file, FileNotFoundError for a missing one.
    """
    source = _default_source() if path is None else path
    meta, arrays = persist.read(source)
    where = persist._name(source)
    heads = meta.get("heads") or {}
    if "label" not in heads:
        raise ModelFormatError(f"{where}: no label head in the model")
    label = _restore_head("label", meta, arrays, where)
    kind = _restore_head("kind", meta, arrays, where) if "kind" in heads else None
    try:
        return Model(
            label,
            kind_estimator=kind,
            positive_label=meta.get("positive_label"),
            thresholds=meta.get("thresholds") or {},
            info=meta.get("info") or {},
        )
    except ValueError as exc:
        raise ModelFormatError(f"{where}: {exc}") from None


def train(
    texts: Iterable[str],
    labels: Iterable[object],
    *,
    kinds: Iterable[object] | None = None,
    positive_label: str = POSITIVE,
    sample_weight: Iterable[float] | None = None,
    info: Mapping[str, Any] | None = None,
    **options: Any,
) -> Model:
    """Train a model on your own posts and labels (any label set; str labels).

    Parameters
    ----------
    texts, labels
        Posts and their labels.
    kinds : optional
        Attack kind of each post (ignored where the label is not ``positive_label``;
        None/'' allowed there). Trains the second head behind :meth:`Model.predict_kind`.
    positive_label : str
        The class :meth:`Model.score` returns the probability of. For labels "0"/"1" use "1".
    sample_weight : optional
        A weight per post (e.g. to balance sources); used by both heads.
    **options
        Parameters of :class:`AttackClassifier` (``C``, ``char_ngrams``, ...).
    """
    items = check_texts(texts)
    y = check_labels(labels, len(items))
    weights = None
    if sample_weight is not None:
        weights = np.asarray(list(sample_weight), dtype=np.float64)
        if weights.shape != (len(items),) or not np.all(np.isfinite(weights)) or (weights < 0).any():
            raise ValueError(f"sample_weight must hold {len(items)} finite non-negative numbers")
    est = AttackClassifier(**options).fit(items, y, sample_weight=weights)
    kind_est = None
    if kinds is not None:
        kind_list = list(kinds)
        if len(kind_list) != len(items):
            raise ValueError(f"got {len(items)} texts but {len(kind_list)} kinds")
        rows = [i for i, lab in enumerate(y) if lab == positive_label]
        missing = [i for i in rows if not isinstance(kind_list[i], str) or not kind_list[i].strip()]
        if missing:
            raise ValueError(f"kinds[{missing[0]}] is missing for a {positive_label!r} row")
        kind_y = [kind_list[i] for i in rows]
        if len(set(kind_y)) >= 2:
            kind_w = None if weights is None else weights[rows]
            kind_est = AttackClassifier(**options).fit([items[i] for i in rows], kind_y, sample_weight=kind_w)
    summary = {
        "n_rows": len(items),
        "label_counts": {str(c): int((y == c).sum()) for c in est.classes_},
    }
    merged = {"training": summary, **dict(info or {})}
    return Model(est, kind_estimator=kind_est, positive_label=positive_label, info=merged)


__all__ = ["Model", "load", "train", "softmax"]
