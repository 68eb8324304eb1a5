"""The user-facing classifier: load, score in batches, explain, save."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple, cast

import numpy as np
import scipy.sparse as sp

from yaiba.core import codec, persist, signing
from yaiba.core.attribution import Phrase, driving_phrases
from yaiba.core.cache import ProbaCache
from yaiba.core.estimator import AttackClassifier, softmax
from yaiba.core.explain import Explanation, explain
from yaiba.core.features import MIN_SENTENCES, Featurizer, SentenceFeatures
from yaiba.core.parallel import map_batches
from yaiba.errors import ModelFormatError
from yaiba.reasons import Reason, message_for
from yaiba.text.normalize import SEP
from yaiba.text.sentences import may_hold, sentence_spans
from yaiba.validation import batches, check_texts, check_thresholds, label_text, label_values

logger = logging.getLogger(__name__)
DEFAULT_BATCH = 2048
"""Posts featurised at once by the batched paths (memory grows with it, speed barely)."""
POSITIVE = "attack"


class Prediction(NamedTuple):
    """What the batch path gives for a batch of posts, featurised once.

    ``proba`` is float32 ``(n, len(classes_))``; ``labels`` apply the model's thresholds;
    ``kinds`` hold the attack kind of posts labelled with the positive label, None elsewhere
    (and everywhere for a model without a kind head).
    """

    proba: np.ndarray
    labels: list[str]
    kinds: list[str | None]


class SentenceScore(NamedTuple):
    """One sentence of a post: ``text[start:end]`` of the original post, and its class
    probabilities (class -> float) as if it were posted alone."""

    start: int
    end: int
    text: str
    proba: dict[str, float]


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
        positive_label: str | int | None = POSITIVE,
        thresholds: Mapping[str, float] | None = None,
        info: Mapping[str, Any] | None = None,
        cache_size: int = 0,
    ) -> None:
        self.estimator = estimator
        self.kind_estimator = kind_estimator
        classes = tuple(label_text(c) for c in estimator.classes_)
        self.positive_label = _positive_label_of(positive_label, classes)
        self.thresholds = check_thresholds(thresholds or {}, classes)
        self.info: dict[str, Any] = dict(info or {})
        self.cache = ProbaCache(cache_size) if cache_size else None

    # -- description -----------------------------------------------------------------------
    @property
    def classes_(self) -> tuple[str, ...]:
        """Label strings, in the column order of :meth:`predict_proba`.

        The estimator keeps the labels' type (``estimator.classes_`` may be ints or bools);
        the model speaks their str form: ``1`` is ``"1"``, ``True`` is ``"True"``.
        """
        return tuple(label_text(c) for c in self.estimator.classes_)

    @property
    def kinds_(self) -> tuple[str, ...]:
        """Attack kinds :meth:`predict_kind` can return (empty without a kind head)."""
        if self.kind_estimator is None:
            return ()
        return tuple(str(c) for c in self.kind_estimator.classes_)

    @property
    def featurizer(self) -> Featurizer:
        """The featurizer both heads share."""
        return self.estimator.featurizer_

    @property
    def positive_class(self) -> str:
        """The class outputs lead with: ``positive_label``, or the last class without one."""
        return self.positive_label or self.classes_[-1]

    @property
    def proba_columns(self) -> tuple[str, ...]:
        """Classes in the order outputs list their probabilities: ``positive_class`` first."""
        first = self.positive_class
        return (first, *(c for c in self.classes_ if c != first))

    def __repr__(self) -> str:
        return f"yaiba.Model(classes={self.classes_}, kinds={self.kinds_}, thresholds={self.thresholds})"

    # -- scoring ---------------------------------------------------------------------------
    def features(self, texts: Iterable[str]) -> sp.coo_matrix:
        """Feature matrix (n, n_features) of ``texts``, in the form the heads multiply."""
        items = check_texts(texts)
        return self.featurizer.transform(items, sparse="coo")

    def predict_proba(
        self, texts: Iterable[str], *, batch_size: int = DEFAULT_BATCH, n_jobs: int | None = None
    ) -> np.ndarray:
        """Class probabilities, float32 array ``(n, len(classes_))``, rows summing to 1."""
        parts = list(map_batches(self, _proba_of_batch, batches(texts, batch_size), n_jobs=n_jobs))
        if not parts:
            return np.zeros((0, len(self.classes_)), dtype=np.float32)
        return np.vstack(parts)

    def score(self, texts: Iterable[str], *, batch_size: int = DEFAULT_BATCH, n_jobs: int | None = None) -> np.ndarray:
        """P(attack) of each post: float32 array (n,). The fast batched path."""
        col = self._positive_column()
        return np.ascontiguousarray(self.predict_proba(texts, batch_size=batch_size, n_jobs=n_jobs)[:, col])

    def predict(self, texts: Iterable[str], *, batch_size: int = DEFAULT_BATCH, n_jobs: int | None = None) -> list[str]:
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

    def predict_batches(
        self, texts: Iterable[str], *, batch_size: int = DEFAULT_BATCH, n_jobs: int | None = None
    ) -> Iterator[Prediction]:
        """Probabilities, labels and kinds, one :class:`Prediction` per batch of ``batch_size`` posts.

        The one batch path behind the CLI, Spark, cross-validation and reason codes: each post
        is featurised once for both heads, and ``n_jobs`` processes score batches in order.
        """
        return map_batches(self, _predict_batch, batches(texts, batch_size), n_jobs=n_jobs)

    def predict_batch(self, texts: Iterable[str]) -> Prediction:
        """:meth:`predict_batches` for one batch, in this process."""
        items = check_texts(texts)
        if self.cache is not None:
            proba = self._proba_of_batch(items)
            labels = self.labels_from_proba(proba)
            hit = [i for i, lab in enumerate(labels) if lab == self.positive_label]
            kinds: list[str | None] = [None] * len(items)
            if self.kind_estimator is not None and hit:
                features = self.featurizer.transform_sentences([items[i] for i in hit])
                _, source = self.estimator.proba_from_sentences(features)
                for i, k in zip(hit, self._kinds(_deciding_rows(features, source))):
                    kinds[i] = k
            return Prediction(proba, labels, kinds)
        return self._predict_features(self.featurizer.transform_sentences(items))

    def predict_batch_with_sentences(self, texts: Iterable[str]) -> tuple[Prediction, list[list[SentenceScore]]]:
        """:meth:`predict_batch` and :meth:`sentence_scores` of one batch from one featurisation pass."""
        items = check_texts(texts)
        if self.cache is not None:
            return self.predict_batch(items), self._sentence_scores(items)
        features = self.featurizer.transform_sentences(items, spans=True, min_sentences=2)
        prediction = self._predict_features(features)
        return prediction, self._sentences_of(items, features, prediction.proba)

    def predict_batches_with_sentences(
        self, texts: Iterable[str], *, batch_size: int = DEFAULT_BATCH, n_jobs: int | None = None
    ) -> Iterator[tuple[Prediction, list[list[SentenceScore]]]]:
        """:meth:`predict_batches` with each batch's :meth:`sentence_scores` (one pass per batch)."""
        return map_batches(self, _predict_batch_with_sentences, batches(texts, batch_size), n_jobs=n_jobs)

    def _predict_features(self, features: SentenceFeatures) -> Prediction:
        """Probabilities, labels and kinds of a featurised batch."""
        proba, source = self.estimator.proba_from_sentences(features)
        labels = self.labels_from_proba(proba)
        kinds: list[str | None] = [None] * len(labels)
        if self.kind_estimator is not None and self.positive_label in labels:
            for i, (lab, k) in enumerate(zip(labels, self._kinds(_deciding_rows(features, source)))):
                if lab == self.positive_label:
                    kinds[i] = k
        return Prediction(proba, labels, kinds)

    def predict_kind(self, texts: Iterable[str], *, batch_size: int = DEFAULT_BATCH) -> list[str | None]:
        """Attack kind of each post predicted ``attack``; None for the others."""
        self._require_kind_head()
        return [kind for pred in self.predict_batches(texts, batch_size=batch_size) for kind in pred.kinds]

    def predict_kind_proba(self, texts: Iterable[str], *, batch_size: int = DEFAULT_BATCH) -> np.ndarray:
        """Joint probabilities P(attack and kind), float32 ``(n, len(kinds_))``; rows sum to P(attack).

        Column ``kinds_.index("discrimination")`` is the probability of a group attack, the
        score to rank by for hate-speech tasks.
        """
        kind_head = self._require_kind_head()
        col = self._positive_column()
        out = []
        for batch in batches(texts, batch_size):
            features = self.featurizer.transform_sentences(batch)
            proba, source = self.estimator.proba_from_sentences(features)
            matrix = _deciding_rows(features, source)
            out.append(softmax(kind_head.logits_from_matrix(matrix)) * proba[:, col][:, None])
        if not out:
            return np.zeros((0, len(self.kinds_)), dtype=np.float32)
        return np.vstack(out)

    def _proba_of_batch(self, texts: list[str]) -> np.ndarray:
        """Probabilities of one validated batch, in this process (through the cache if on)."""
        if self.cache is None:
            return self.estimator.proba_from_sentences(self.featurizer.transform_sentences(texts))[0]
        # a post is keyed by its normalised text, unless it may be long enough for its sentences
        # to count: then by its own text (normalisation turns line breaks to spaces)
        keys = [SEP + t if may_hold(t, MIN_SENTENCES) else n for t, n in zip(texts, self.featurizer.normalize(texts))]
        rows = self.cache.lookup(keys)
        missing = list(dict.fromkeys(k for k, r in zip(keys, rows) if r is None))  # distinct, in order
        self.cache.count(hits=len(keys) - len(missing), misses=len(missing))
        if missing:
            first = dict(zip(reversed(keys), reversed(texts)))  # a post of each key
            features = self.featurizer.transform_sentences([first[k] for k in missing])
            fresh = self.estimator.proba_from_sentences(features)[0]
            self.cache.store(missing, fresh)
            by_key = dict(zip(missing, fresh))
            rows = [by_key[k] if r is None else r for k, r in zip(keys, rows)]
        if not rows:
            return np.zeros((0, len(self.classes_)), dtype=np.float32)
        return np.vstack(cast(list[np.ndarray], rows))  # every row is filled in by now

    def _kinds(self, matrix: sp.csr_matrix | sp.coo_matrix) -> list[str]:
        """The kind head's most likely kind of each row."""
        head = self._require_kind_head()
        logits = head.logits_from_matrix(matrix)
        return [str(k) for k in head.classes_[np.argmax(logits, axis=1)]]

    def _require_kind_head(self) -> AttackClassifier:
        if self.kind_estimator is None:
            raise ValueError("this model has no kind head; train it with kinds=...")
        return self.kind_estimator

    def _positive_column(self) -> int:
        if self.positive_label is None:
            raise ValueError(
                f"this model has no positive label (classes {self.classes_}); "
                "train it with positive_label=... to use score()"
            )
        return self.classes_.index(self.positive_label)

    def sentence_scores(self, texts: Iterable[str], *, batch_size: int = DEFAULT_BATCH) -> list[list[SentenceScore]]:
        """The sentences of each post (:mod:`yaiba.text.sentences`) with their probabilities,
        each scored as a post of its own (Perspective's span scores).

        One list per post, in order; a post of white space only has an empty list, a post of
        one sentence a list of one with the post's own probabilities. A sentence's n-grams are
        cut out of the post's one MeCab segmentation (which may split its edge words unlike
        the sentence alone would).
        """
        out: list[list[SentenceScore]] = []
        for batch in batches(texts, batch_size):
            out += self._sentence_scores(batch)
        return out

    def _sentence_scores(self, items: list[str]) -> list[list[SentenceScore]]:
        features = self.featurizer.transform_sentences(items, spans=True, min_sentences=2)
        return self._sentences_of(items, features, self.estimator.proba_from_sentences(features)[0])

    def _sentences_of(
        self, items: list[str], features: SentenceFeatures, post_proba: np.ndarray
    ) -> list[list[SentenceScore]]:
        """The sentence scores of a batch featurised with ``spans=True, min_sentences=2``."""
        sent_proba = self.estimator.proba_from_matrix(features.sentences)
        classes = self.classes_
        out: list[list[SentenceScore]] = [[] for _ in items]
        for row, (i, (a, b)) in enumerate(zip(features.owner.tolist(), features.spans)):
            out[i].append(SentenceScore(a, b, items[i][a:b], dict(zip(classes, sent_proba[row].tolist()))))
        rest = [(i, span) for i, t in enumerate(items) if not out[i] for span in sentence_spans(t)]
        if len(rest) and any(len(sentence_spans(items[i])) > 1 for i, _ in rest):
            texts = [items[i][a:b] for i, (a, b) in rest]
            proba = self.estimator.proba_from_matrix(self.featurizer.transform(texts, sparse="coo"))
        else:  # each such post is one sentence: its own probabilities
            proba = post_proba[[i for i, _ in rest]] if rest else np.zeros((0, len(classes)), np.float32)
        for (i, (a, b)), p in zip(rest, proba):
            out[i].append(SentenceScore(a, b, items[i][a:b], dict(zip(classes, p.tolist()))))
        return out

    # -- explanations ----------------------------------------------------------------------
    def explain(self, text: str, top: int = 5, label: str | None = None) -> Explanation:
        """The n-grams that pushed this post towards ``label`` (default: the predicted one).

        Returns an :class:`yaiba.core.explain.Explanation`; ``print()`` it for a moderator.
        """
        (text,) = check_texts([text], "text")
        proba = self.predict_proba([text])[0]
        if label is None:
            label = self.labels_from_proba(proba[None, :])[0]
        return explain(self.estimator, text, label=label, top=top, proba=proba, window=self.deciding_sentence(text))

    def deciding_sentence(self, text: str) -> tuple[int, int] | None:
        """``(start, end)`` of the sentence whose P(attack) a long post took (see
        ``AttackClassifier.sentence_margin``), or None when the whole post decided."""
        (text,) = check_texts([text], "text")
        features = self.featurizer.transform_sentences([text], spans=True)
        _, source = self.estimator.proba_from_sentences(features)
        return features.spans[source[0]] if source[0] >= 0 else None

    def reasons(self, texts: Iterable[str], *, max_phrases: int = 3, share: float = 0.35) -> list[Reason | None]:
        """A :class:`yaiba.reasons.Reason` for each post predicted attack; None for the others.

        Each reason has the kind, the phrases that drove the decision as offsets into the
        original post, and a one-line Japanese message for a moderator.

        Parameters
        ----------
        texts : iterable of str
            Posts; one result per post, in order.
        max_phrases : int
            At most this many phrases per reason.
        share : float
            Keep phrases whose weight is at least this share of the strongest phrase's weight.
        """
        items = check_texts(texts)
        if max_phrases < 1:
            raise ValueError(f"max_phrases must be >= 1, got {max_phrases}")
        if not 0.0 < share <= 1.0:
            raise ValueError(f"share must be in (0, 1], got {share}")
        if self.positive_label is None:
            raise ValueError(f"this model has no positive label (classes {self.classes_}); reasons need one")
        col = self._positive_column()
        out: list[Reason | None] = [None] * len(items)
        start = 0
        for proba, labels, kinds in self.predict_batches(items):  # each post featurised once
            for k, (label, kind) in enumerate(zip(labels, kinds)):
                if label == self.positive_label:
                    text = items[start + k]
                    phrases = self._driving_phrases(text, col, max_phrases, share)
                    out[start + k] = Reason(text, float(proba[k, col]), kind, phrases, message_for(kind, phrases))
            start += len(labels)
        return out

    def _driving_phrases(self, text: str, col: int, max_phrases: int, share: float) -> tuple[Phrase, ...]:
        """Phrases of the whole post, or of the sentence that decided it (offsets into the post)."""
        window = self.deciding_sentence(text)
        if window is None:
            return driving_phrases(self.estimator, text, col, max_phrases=max_phrases, share=share)
        a, b = window
        inner = driving_phrases(self.estimator, text[a:b], col, max_phrases=max_phrases, share=share)
        return tuple(Phrase(p.start + a, p.end + a, p.text, p.weight) for p in inner)

    # -- thresholds and cache --------------------------------------------------------------
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
        """Posts the cache remembers (0: no cache)."""
        return self.cache.maxsize if self.cache is not None else 0

    def _copy(self, **changes: Any) -> Model:
        settings: dict[str, Any] = {
            "kind_estimator": self.kind_estimator,
            "positive_label": self.positive_label,
            "thresholds": self.thresholds,
            "info": self.info,
            "cache_size": self.cache_size,
        }
        settings.update(changes)
        return Model(self.estimator, **settings)

    # -- persistence -----------------------------------------------------------------------
    def _parts(self) -> codec.ModelParts:
        return codec.ModelParts(
            self.estimator, self.kind_estimator, self.positive_label, dict(self.thresholds), self.info
        )

    def save(self, path: str | os.PathLike[str], *, signing_key: signing.PrivateKeySource | None = None) -> None:
        """Write the model to ``path`` (a .npz archive of arrays and JSON; no pickle).

        With ``signing_key`` (an Ed25519 private key object, or a PEM file's path or bytes;
        needs ``pip install 'yaiba[sign]'``) the file carries a signature of its checksum, so
        ``yaiba.load(path, trusted_keys=[public_key])`` can prove it came from you.
        """
        codec.write(path, self._parts(), signing_key=signing_key)

    def to_bytes(self, *, signing_key: signing.PrivateKeySource | None = None) -> bytes:
        """The bytes :meth:`save` writes (signed with ``signing_key`` if given); :func:`yaiba.load` reads them back."""
        return codec.to_bytes(self._parts(), signing_key=signing_key)

    def __reduce__(self) -> tuple[Any, ...]:
        # pickling a Model (e.g. to a worker process) ships the safe file format
        return (_from_bytes, (self.to_bytes(), self.cache_size))


def _deciding_rows(features: SentenceFeatures, source: np.ndarray) -> sp.csr_matrix:
    """Per post, its own feature row, or the row of the sentence that decided it."""
    posts = features.posts.tocsr()
    if not (source >= 0).any():
        return posts
    chosen = np.flatnonzero(source >= 0)
    stacked: sp.csr_matrix = sp.vstack([posts, features.sentences.tocsr()[source[chosen]]], format="csr")
    rows = np.arange(posts.shape[0])
    rows[chosen] = posts.shape[0] + np.arange(len(chosen))
    picked: sp.csr_matrix = stacked[rows]
    return picked


def _proba_of_batch(model: Model, batch: list[str]) -> np.ndarray:
    return model._proba_of_batch(batch)


def _predict_batch(model: Model, batch: list[str]) -> Prediction:
    return model.predict_batch(batch)


def _predict_batch_with_sentences(model: Model, batch: list[str]) -> tuple[Prediction, list[list[SentenceScore]]]:
    return model.predict_batch_with_sentences(batch)


def _from_bytes(blob: bytes, cache_size: int = 0) -> Model:
    model = load(blob)
    return model.with_cache(cache_size) if cache_size else model


def default_model_path() -> Path:
    """Where the shipped default model lives (inside the package, or models/ in a checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "models" / "default.npz", here.parents[1] / "models" / "default.npz"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        "the default model (models/default.npz) is missing from this installation; pass a path to yaiba.load(path)"
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


def load(path: persist.Source | None = None, *, trusted_keys: Iterable[signing.PublicKeySource] | None = None) -> Model:
    """Load a model saved with :meth:`Model.save`, or the shipped default model.

    Never unpickles, never uses the network, never writes. Raises ModelFormatError for a
    truncated, tampered, unsafe, nonsensical (non-finite weights, a temperature <= 0, unknown
    members, ...) or wrong-version file, FileNotFoundError for a missing one.

    ``trusted_keys``: Ed25519 public keys (key objects, or PEM files' paths or bytes; needs
    ``pip install 'yaiba[sign]'``). When given, the file must carry a valid signature by one
    of them, else ModelFormatError; unsigned files are refused. None (the default) checks no
    signature. The checksum every file carries only detects damage; a signature proves who
    wrote the file, not that the model is good.
    """
    source = _default_source() if path is None else path
    parts = codec.read(source, trusted_keys=trusted_keys)
    try:
        return Model(
            parts.label,
            kind_estimator=parts.kind,
            positive_label=parts.positive_label,
            thresholds=parts.thresholds,
            info=parts.info,
        )
    except ValueError as exc:
        raise ModelFormatError(f"{persist.describe_source(source)}: {exc}") from None


def _positive_label_of(positive_label: object, classes: tuple[str, ...]) -> str | None:
    """The str form of ``positive_label`` (one of ``classes``), or None.

    None stays None. The default, ``"attack"``, applies only when ``classes`` hold it (a model
    of other labels has no positive label; :meth:`Model.score` then says so). Any other label
    that is not among ``classes`` raises ValueError naming both: ``1`` and ``"1"`` name the
    same class, ``True`` and ``"True"`` too.
    """
    if positive_label is None:
        return None
    if not isinstance(positive_label, (str, int, np.integer, np.bool_)):
        raise TypeError(f"positive_label must be a label (str, int or bool), got {type(positive_label).__name__}")
    text = label_text(positive_label)
    if text in classes:
        return text
    if positive_label == POSITIVE:
        return None
    raise ValueError(
        f"positive_label {positive_label!r} is not among the labels {list(classes)}; "
        "pass one of them (or None for a model without a positive class)"
    )


def train(
    texts: Iterable[str],
    labels: Iterable[object],
    *,
    kinds: Iterable[object] | None = None,
    positive_label: str | int | None = POSITIVE,
    sample_weight: Iterable[float] | None = None,
    info: Mapping[str, Any] | None = None,
    require_kinds: bool = True,
    **options: Any,
) -> Model:
    """Train a model on your own posts and labels (any label set of str, int or bool labels).

    Parameters
    ----------
    texts, labels
        Posts and their labels. Labels keep their type in ``model.estimator`` (0/1 stay ints
        there); :attr:`Model.classes_` shows them as str (``"0"``, ``"1"``).
    kinds : optional
        Attack kind of each post (ignored where the label is not ``positive_label``;
        None/'' allowed there). Trains the second head behind :meth:`Model.predict_kind`.
    positive_label : str, int, bool or None
        The class :meth:`Model.score` returns the probability of: for 0/1 labels pass ``1``
        (or ``"1"``). A label that is not among ``labels`` raises ValueError, except the
        default ``"attack"``, which applies only when the labels have it. None: no positive
        class.
    sample_weight : optional
        A weight per post (e.g. to balance sources); used by both heads.
    info : optional
        Stored in the model file (``model.info``) next to the training summary.
    require_kinds : bool
        With ``kinds``, every ``positive_label`` row needs a kind (else ValueError). False:
        positive rows without a kind train the label head only, the kind head learns from the
        others (e.g. your own attacks labelled without a kind).
    **options
        Parameters of :class:`AttackClassifier` (``C``, ``char_ngrams``, ...).

    Raises
    ------
    ValueError
        For a ``positive_label`` not among the labels, a missing kind, bad weights or labels.
    TypeError
        For a text or label of the wrong type, or labels of mixed types.
    """
    items = check_texts(texts)
    y = label_values(labels, len(items))
    names = tuple(label_text(c) for c in np.unique(y))
    positive = _positive_label_of(positive_label, names) if len(names) >= 2 else None
    weights = None
    if sample_weight is not None:
        weights = np.asarray(list(sample_weight), dtype=np.float64)
        if weights.shape != (len(items),) or not np.all(np.isfinite(weights)) or (weights < 0).any():
            raise ValueError(f"sample_weight must hold {len(items)} finite non-negative numbers")
    started = time.perf_counter()
    logger.info("training the label head on %s posts", f"{len(items):,}")
    est = AttackClassifier(**options).fit(items, y, sample_weight=weights)
    kind_est = None
    if kinds is not None:
        kind_list = list(kinds)
        if len(kind_list) != len(items):
            raise ValueError(f"got {len(items)} texts but {len(kind_list)} kinds")
        rows = [i for i, lab in enumerate(y) if positive is not None and label_text(lab) == positive]
        missing = [i for i in rows if not isinstance(kind_list[i], str) or not cast(str, kind_list[i]).strip()]
        if missing and require_kinds:
            raise ValueError(f"kinds[{missing[0]}] is missing for a {positive!r} row")
        if missing:
            rows = sorted(set(rows) - set(missing))
        kind_y = [kind_list[i] for i in rows]
        if len(set(kind_y)) >= 2:
            kind_w = None if weights is None else weights[rows]
            logger.info("training the kind head on %s %s posts", f"{len(rows):,}", positive)
            kind_est = AttackClassifier(**options).fit([items[i] for i in rows], kind_y, sample_weight=kind_w)
    summary = {
        "n_rows": len(items),
        "label_counts": {label_text(c): int((y == c).sum()) for c in est.classes_},
    }
    merged = {"training": summary, **dict(info or {})}
    logger.info("trained on %s posts in %.0f s", f"{len(items):,}", time.perf_counter() - started)
    return Model(est, kind_estimator=kind_est, positive_label=positive, info=merged)


__all__ = ["DEFAULT_BATCH", "Model", "Prediction", "SentenceScore", "default_model_path", "load", "train"]
