"""The scikit-learn estimator: hashed n-grams, logistic regression, calibrated softmax."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import cast

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from yaiba.core.features import MIN_SENTENCES, Featurizer, SentenceFeatures
from yaiba.text.lexicon import default_lexicon
from yaiba.text.normalize import LATEST
from yaiba.validation import check_texts, label_text, label_values

logger = logging.getLogger(__name__)
BATCH = 4096
SENTENCE_MARGIN = 5.0
"""Default ``sentence_margin``: chosen on the real-post development set and benchmarks/long_posts.py."""


class AttackClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # sklearn ships no type stubs
    """Word and character n-grams of MeCab-segmented posts, logistic regression, calibration.

    Works with any label set (binary or multi-class) of str, int or bool labels, and keeps
    their type: ``classes_`` and :meth:`predict` give back what ``fit`` was given (0/1 stay
    ints), so scikit-learn's scorers (``f1``, ``accuracy``, ``average_precision``) work.
    ``clone``, ``get_params``, ``cross_val_score`` and ``GridSearchCV`` work on it; ``fit``
    takes an iterable of str.

    Parameters
    ----------
    n_features : int, default 2**18
        Hashed feature columns (a power of two).
    word_ngrams, char_ngrams : (int, int)
        n-gram order ranges of the two views; ``(0, 0)`` turns a view off.
    C : float
        Inverse L2 regularisation strength of the logistic regression.
    class_weight : "balanced", dict or None
    calibrate : bool
        Fit a temperature and per-class biases on out-of-fold logits, so probabilities match
        observed frequencies on the training distribution.
    max_iter : int
    normalizer : int
        Normaliser version.
    lexicon : bool
        Add the lexicon view (attack-cue categories, quoted or not; :mod:`yaiba.lexicon`).
    lexicon_weight : float
        Scale of the lexicon view against the n-gram views.
    lexicon_quotes, lexicon_conjunctions : bool
        Quote marking and conjunction features of the lexicon view (see
        :class:`yaiba.core.features.Featurizer`); switches for ablation studies.
    random_state : int
        Seed for the calibration folds.
    sentence_margin : float or None
        Long posts are also scored sentence by sentence (:mod:`yaiba.text.sentences`), so an
        attack is not diluted by the harmless sentences around it: a post of n >= 4 sentences
        takes the probability of the positive class ("attack", else the last class) of its
        sentence most likely to be of it, its log-odds lowered by ``sentence_margin / (n - 1)``,
        when that is higher than the whole post's; the other classes share the rest in the
        proportions the whole post gives them. The margin keeps one harsh sentence of a short
        post from outweighing the post. None: whole posts only. Only prediction uses it;
        fitting is on whole posts.
    """

    def __init__(
        self,
        *,
        n_features: int = 2**18,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (1, 3),
        C: float = 4.0,
        class_weight: str | dict[str, float] | None = "balanced",
        calibrate: bool = True,
        max_iter: int = 2000,
        normalizer: int = LATEST,
        lexicon: bool = True,
        lexicon_weight: float = 1.0,
        lexicon_quotes: bool = True,
        lexicon_conjunctions: bool = True,
        random_state: int = 0,
        sentence_margin: float | None = SENTENCE_MARGIN,
    ) -> None:
        self.n_features = n_features
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.C = C
        self.class_weight = class_weight
        self.calibrate = calibrate
        self.max_iter = max_iter
        self.normalizer = normalizer
        self.lexicon = lexicon
        self.lexicon_weight = lexicon_weight
        self.lexicon_quotes = lexicon_quotes
        self.lexicon_conjunctions = lexicon_conjunctions
        self.random_state = random_state
        self.sentence_margin = sentence_margin

    # -- fitting ---------------------------------------------------------------------------
    def _featurizer(self) -> Featurizer:
        return Featurizer(
            n_features=int(self.n_features),
            word_ngrams=cast(tuple[int, int], tuple(self.word_ngrams)),
            char_ngrams=cast(tuple[int, int], tuple(self.char_ngrams)),
            normalizer=int(self.normalizer),
            lexicon=default_lexicon() if self.lexicon else None,
            lexicon_weight=float(self.lexicon_weight),
            lexicon_quotes=bool(self.lexicon_quotes),
            lexicon_conjunctions=bool(self.lexicon_conjunctions),
        )

    def fit(
        self, X: Iterable[str], y: Iterable[object], sample_weight: npt.ArrayLike | None = None
    ) -> AttackClassifier:
        """Fit on posts ``X`` and labels ``y`` (str, int or bool, one type for all)."""
        texts = check_texts(X, "X")
        labels = label_values(y, len(texts), "y")
        classes = np.unique(labels)
        if len(classes) < 2:
            raise ValueError(f"y has one class only ({classes[0]!r}); need at least two")
        featurizer = self._featurizer()
        logger.info("featurising %s posts", f"{len(texts):,}")
        matrix = _transform(featurizer, texts)
        matrix.sum_duplicates()
        logger.info("fitting %d classes on %s posts", len(classes), f"{len(texts):,}")
        weights, intercept = self._fit_linear(matrix, labels, sample_weight)
        self.featurizer_ = featurizer
        self.classes_ = classes
        self.weights_ = weights
        self.intercept_ = intercept
        self.temperature_, self.bias_ = 1.0, np.zeros(len(classes), dtype=np.float32)
        if self.calibrate:
            logger.info("calibrating on out-of-fold scores")
            self.temperature_, self.bias_ = self._calibrate(matrix, labels, sample_weight)
        counts = np.array([(labels == c).sum() for c in classes])
        self.empty_class_ = _empty_class(classes, counts)
        return self

    def _fit_linear(
        self, matrix: sp.csr_matrix, labels: np.ndarray, sample_weight: npt.ArrayLike | None
    ) -> tuple[np.ndarray, np.ndarray]:
        lr = LogisticRegression(
            C=self.C,
            class_weight=self.class_weight,
            max_iter=self.max_iter,
            solver="lbfgs",
            tol=1e-5,
        )
        # Only columns that occur can get a non-zero weight under L2: fit on those alone
        # (the same solution, far faster than on every hashed column). One BLAS thread: lbfgs
        # works on vectors too small to gain from threads, and threaded BLAS contends with
        # other work on a shared machine.
        used = np.unique(matrix.indices)
        with threadpool_limits(1):
            lr.fit(matrix[:, used], labels, sample_weight=sample_weight)
        k = 1 if len(lr.classes_) == 2 else len(lr.classes_)
        coef = np.zeros((matrix.shape[1], k), dtype=np.float32)  # (n_features, k): one row per column
        coef[used] = lr.coef_.T
        intercept = lr.intercept_.astype(np.float32)
        if k == 1:  # binary: logits (0, z) give the same softmax as sigmoid(z)
            coef = np.hstack([np.zeros_like(coef), coef])
            intercept = np.array([0.0, intercept[0]], dtype=np.float32)
        return np.ascontiguousarray(coef), intercept

    def _calibrate(
        self, matrix: sp.csr_matrix, labels: np.ndarray, sample_weight: npt.ArrayLike | None
    ) -> tuple[float, np.ndarray]:
        classes, y = np.unique(labels, return_inverse=True)
        folds = min(5, int(np.bincount(y).min()))
        if folds < 2:
            return 1.0, np.zeros(len(classes), dtype=np.float32)
        logits = np.zeros((len(y), len(classes)))
        cv = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        for train, test in cv.split(np.zeros(len(y)), y):
            if len(np.unique(y[train])) < len(classes):
                return 1.0, np.zeros(len(classes), dtype=np.float32)
            sw = None if sample_weight is None else np.asarray(sample_weight)[train]
            w, b = self._fit_linear(matrix[train], labels[train], sw)
            logits[test] = matrix[test] @ w + b
        return _fit_temperature(logits, y)

    # -- prediction ------------------------------------------------------------------------
    def _logits(self, X: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated logits (n, k) (sentences taken into account) and a mask of posts with no
        features at all."""
        check_is_fitted(self, "weights_")
        texts = check_texts(X, "X")
        parts, empty = [], []
        for i in range(0, len(texts), BATCH):
            z, e, _ = self._sentence_logits(self.featurizer_.transform_sentences(texts[i : i + BATCH]))
            parts.append(z)
            empty.append(e)
        if not parts:
            k = len(self.classes_)
            return np.zeros((0, k), dtype=np.float32), np.zeros(0, dtype=bool)
        return np.vstack(parts), np.concatenate(empty)

    @property
    def positive_index_(self) -> int:
        """Column of the class sentence scoring looks for: "attack", else the last class."""
        names = [str(c) for c in self.classes_]
        return names.index("attack") if "attack" in names else len(names) - 1

    def proba_from_sentences(self, features: SentenceFeatures) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities of posts with their sentences taken into account (see ``sentence_margin``).

        Returns the probabilities (n_posts, k) and, per post, the row of ``features.sentences``
        whose P(attack) the post took, or -1 where the whole post decided.
        """
        z, empty, source = self._sentence_logits(features)
        proba = softmax(z)
        proba[empty] = self._empty_row()
        return proba, source

    def _sentence_logits(self, features: SentenceFeatures) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Calibrated logits of posts (a sentence's where it decided), empty posts, deciding rows."""
        z = self.logits_from_matrix(features.posts)
        empty = _empty_rows(features.posts)
        source = np.full(len(z), -1, dtype=np.int64)
        margin = getattr(self, "sentence_margin", SENTENCE_MARGIN)
        owner = features.owner
        if margin is None or len(owner) == 0:
            return z, empty, source
        col = self.positive_index_
        zs = self.logits_from_matrix(features.sentences)
        n_sentences = np.bincount(owner, minlength=len(z))[owner]
        zs[:, col] -= np.float32(margin) / np.maximum(n_sentences - 1, 1).astype(np.float32)
        ps = softmax(zs)[:, col]
        ps[_empty_rows(features.sentences) | (n_sentences < MIN_SENTENCES)] = -1.0  # never the strongest
        order = np.lexsort((-ps, owner))  # post by post, strongest sentence first
        first = order[np.r_[True, owner[order][1:] != owner[order][:-1]]]
        posts = owner[first]
        pp = softmax(z[posts])[:, col]  # the whole post's P(attack), for posts with sentences only
        pp[empty[posts]] = self._empty_row()[col]
        better = ps[first] > pp
        posts, first = posts[better], first[better]
        # the post's attack logit rises until P(attack) is the sentence's; the other classes
        # keep the proportions the whole post gave them (an empty post: those of the empty row)
        z[posts[empty[posts]]] = np.log(np.maximum(self._empty_row(), np.float32(1e-30)))
        others = np.delete(z[posts], col, axis=1).astype(np.float64)
        top = others.max(axis=1)
        log_rest = np.log(np.exp(others - top[:, None]).sum(axis=1)) + top
        target = np.minimum(ps[first].astype(np.float64), 1 - 1e-7)
        z[posts, col] = (np.log(target) - np.log1p(-target) + log_rest).astype(np.float32)
        empty[posts] = False
        source[posts] = first
        return z, empty, source

    def logits_from_matrix(self, matrix: sp.csr_matrix | sp.coo_matrix) -> np.ndarray:
        """Calibrated logits of a feature matrix: one sparse-dense product."""
        z: np.ndarray = matrix @ self.weights_
        z += self.intercept_
        z /= np.float32(self.temperature_)
        z += self.bias_
        return z

    def proba_from_matrix(self, matrix: sp.csr_matrix | sp.coo_matrix) -> np.ndarray:
        """Class probabilities (float32) of a feature matrix."""
        proba = softmax(self.logits_from_matrix(matrix))
        proba[_empty_rows(matrix)] = self._empty_row()
        return proba

    def _empty_row(self) -> np.ndarray:
        row = np.zeros(len(self.classes_), dtype=np.float32)
        row[list(self.classes_).index(self.empty_class_)] = 1.0
        return row

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """Calibrated logits; for two classes, the log-odds of ``classes_[1]`` (shape (n,))."""
        z, _ = self._logits(X)
        if z.shape[1] == 2:
            log_odds: np.ndarray = z[:, 1] - z[:, 0]
            return log_odds
        return z

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Probabilities (n, k), float32, columns in ``classes_`` order, rows summing to 1.

        A post with nothing to score (empty after normalisation) gets probability 1 for
        ``empty_class_`` ("neutral" when the model has it). Posts of several sentences are
        scored with their sentences (``sentence_margin``).
        """
        z, empty = self._logits(X)
        proba = softmax(z)
        proba[empty] = self._empty_row()
        return proba

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """The most probable class of each post."""
        check_is_fitted(self, "weights_")
        labels: np.ndarray = self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        return labels


def _empty_rows(matrix: sp.csr_matrix | sp.coo_matrix) -> np.ndarray:
    """True for rows without any entry (posts with nothing to score)."""
    empty: np.ndarray
    if sp.isspmatrix_coo(matrix):
        empty = np.bincount(matrix.row, minlength=matrix.shape[0]) == 0
    else:
        empty = np.diff(matrix.indptr) == 0
    return empty


def _transform(featurizer: Featurizer, texts: list[str]) -> sp.csr_matrix:
    parts = [featurizer.transform(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
    if not parts:
        # scipy-stubs type the shape-only constructor for float64 alone
        return sp.csr_matrix((0, featurizer.n_features), dtype=np.float32)  # type: ignore[arg-type]
    stacked: sp.csr_matrix = sp.vstack(parts, format="csr")
    return stacked


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float32."""
    z = np.asarray(z, dtype=np.float32)
    e: np.ndarray = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def _empty_class(classes: np.ndarray, counts: np.ndarray) -> str | int | bool:
    """The class of a post with no content: "neutral" if known, else the majority non-attack
    class (attack, 1 and True count as attack), as a Python value of the classes' type."""
    names = [label_text(c) for c in classes]
    order = np.argsort(-counts, kind="stable")
    if "neutral" in names:
        chosen = names.index("neutral")
    else:
        chosen = next((int(i) for i in order if names[i] not in ("attack", "1", "True")), int(order[0]))
    value: str | int | bool = classes[chosen].item()
    return value


def _fit_temperature(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Temperature T and biases b minimising the log-loss of softmax(logits / T + b)."""
    k = logits.shape[1]
    onehot = np.eye(k)[y]

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        log_t, b = params[0], params[1:]
        inv_t = np.exp(-log_t)
        z = logits * inv_t + b
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        p = np.exp(logp)
        n = len(y)
        value = -(onehot * logp).sum() / n
        dz = (p - onehot) / n
        grad_b = dz.sum(axis=0)
        grad_log_t = -(dz * logits * inv_t).sum()
        return value, np.concatenate([[grad_log_t], grad_b])

    res = minimize(loss, np.zeros(k + 1), jac=True, method="L-BFGS-B", bounds=[(-3.0, 3.0)] + [(-10.0, 10.0)] * k)
    bias = res.x[1:] - res.x[1:].mean()
    return float(np.exp(res.x[0])), bias.astype(np.float32)
