"""Hashed word and character n-gram features, built for a whole batch with numpy.

A batch is normalised, segmented by MeCab, and joined into two strings (the normalised text
and its space-separated tokens, posts separated by NUL). Both become arrays of code points;
n-gram hashes are polynomial hashes over those arrays, mixed with a splitmix64 finaliser
and folded into ``n_features`` columns. No Python object is made per token or n-gram.

Each view (words, characters) contributes ``1 / sqrt(m)`` per n-gram occurrence, where m
is the number of n-grams the view produced for the post, so both views weigh alike and
long posts are not louder than short ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .normalize import SEP, normalize_batch, normalize_with_offsets
from .tokenizer import MAX_CHUNK, wakati, wakati_batch

_P = np.uint64(0x100000001B3)  # polynomial base (odd)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
# one salt per view and n, so "死" the word and "死" the character are different features
_WORD_SALT = [np.uint64(0x9E3779B97F4A7C15 * (n + 1) % 2**64) for n in range(8)]
_CHAR_SALT = [np.uint64(0xC2B2AE3D27D4EB4F * (n + 1) % 2**64) for n in range(8)]
_SPACE = 32
_NUL = 0

WORD, CHAR = 0, 1
VIEW_NAMES = ("word", "char")


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on uint64 arrays (wraps modulo 2**64)."""
    x = x ^ (x >> np.uint64(30))
    x *= _M1
    x ^= x >> np.uint64(27)
    x *= _M2
    x ^= x >> np.uint64(31)
    return x


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def _power_table(n: int) -> np.ndarray:
    """_P ** i for i in range(n), modulo 2**64."""
    table = np.full(n, _P, dtype=np.uint64)
    table[0] = 1
    return np.cumprod(table)


_POW = _power_table(MAX_CHUNK * 2)


def _powers(n: int) -> np.ndarray:
    global _POW
    if n > len(_POW):
        _POW = _power_table(2 * n)
    return _POW


@dataclass
class Occurrences:
    """Every n-gram occurrence in a batch: which post, which column, and where it came from."""

    doc: np.ndarray  # int64, post index
    col: np.ndarray  # int64, feature column
    view: np.ndarray  # int8, WORD or CHAR
    start: np.ndarray  # int64, first token (WORD) or character (CHAR) index in the joined string
    n: np.ndarray  # int8, n-gram order


def _char_occurrences(text: str, lo: int, hi: int, mask: np.uint64) -> Occurrences:
    cp = _codepoints(text)
    boundary = (cp == _NUL) | (cp == _SPACE)
    doc_at = np.cumsum(cp == _NUL)
    parts = []
    g = cp.copy()
    ok = ~boundary
    for n in range(1, hi + 1):
        if n > 1:
            g = g[:-1] * _P + cp[n - 1 :]
            ok = ok[:-1] & ~boundary[n - 1 :]
        if n >= lo:
            idx = np.flatnonzero(ok)
            cols = (_mix(g[idx] ^ _CHAR_SALT[n]) & mask).astype(np.int64)
            parts.append((doc_at[idx], cols, idx, n))
    return _collect(parts, CHAR)


def _word_occurrences(tokens: str, lo: int, hi: int, mask: np.uint64) -> Occurrences:
    cp = _codepoints(tokens)
    sep = (cp == _SPACE) | (cp == _NUL)
    inner = np.flatnonzero(~sep)
    if len(inner) == 0:
        return _collect([], WORD)
    is_start = np.empty(len(inner), dtype=bool)
    is_start[0] = True
    is_start[1:] = np.diff(inner) > 1  # a gap means a separator came before
    tok_of = np.cumsum(is_start) - 1
    first = np.flatnonzero(is_start)
    rel = np.arange(len(inner)) - first[tok_of]
    tok = np.add.reduceat(cp[inner] * _powers(int(rel.max()) + 1)[rel], first)
    tok = _mix(tok)
    doc_at = np.cumsum(cp == _NUL)[inner[first]]
    parts = []
    g = tok
    same = np.ones(len(tok), dtype=bool)
    for n in range(1, hi + 1):
        if n > 1:
            g = g[:-1] * _P + tok[n - 1 :]
            same = same[:-1] & (doc_at[n - 1 :] == doc_at[: len(doc_at) - n + 1])
        if n >= lo:
            idx = np.flatnonzero(same)
            cols = (_mix(g[idx] ^ _WORD_SALT[n]) & mask).astype(np.int64)
            parts.append((doc_at[idx], cols, idx, n))
    return _collect(parts, WORD)


def _collect(parts: list, view: int) -> Occurrences:
    if not parts:
        e = np.empty(0, dtype=np.int64)
        return Occurrences(e, e, e.astype(np.int8), e, e.astype(np.int8))
    return Occurrences(
        doc=np.concatenate([p[0] for p in parts]).astype(np.int64),
        col=np.concatenate([p[1] for p in parts]),
        view=np.full(sum(len(p[1]) for p in parts), view, dtype=np.int8),
        start=np.concatenate([p[2] for p in parts]).astype(np.int64),
        n=np.concatenate([np.full(len(p[1]), p[3], dtype=np.int8) for p in parts]),
    )


def _view_values(doc: np.ndarray, n_docs: int) -> np.ndarray:
    counts = np.bincount(doc, minlength=n_docs).astype(np.float32)
    return (1.0 / np.sqrt(np.maximum(counts, 1.0)))[doc]


@dataclass(frozen=True)
class Featurizer:
    """Texts to a CSR matrix of hashed n-gram features.

    Parameters
    ----------
    n_features : int
        Number of columns, a power of two.
    word_ngrams, char_ngrams : (int, int)
        Inclusive n-gram order ranges for MeCab tokens and for characters; ``(0, 0)`` turns a
        view off.
    normalizer : int
        Version of the normaliser (:mod:`yaiba.normalize`).
    """

    n_features: int = 2**20
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (1, 3)
    normalizer: int = 1

    def __post_init__(self) -> None:
        if self.n_features < 2 or self.n_features & (self.n_features - 1):
            raise ValueError(f"n_features must be a power of two >= 2, got {self.n_features}")
        for name in ("word_ngrams", "char_ngrams"):
            lo, hi = getattr(self, name)
            if not (0 <= lo <= hi <= 6) or (lo == 0) != (hi == 0):
                raise ValueError(f"{name} must be (lo, hi) with 1 <= lo <= hi <= 6, or (0, 0)")

    def normalize(self, texts: Sequence[str]) -> list[str]:
        return normalize_batch(texts, self.normalizer)

    def occurrences(self, norm: Sequence[str]) -> tuple[Occurrences, Occurrences]:
        """Word and character n-gram occurrences of already normalised posts."""
        mask = np.uint64(self.n_features - 1)
        lo, hi = self.word_ngrams
        words = (
            _word_occurrences(SEP.join(wakati_batch(norm)), lo, hi, mask)
            if hi
            else _collect([], WORD)
        )
        lo, hi = self.char_ngrams
        chars = _char_occurrences(SEP.join(norm), lo, hi, mask) if hi else _collect([], CHAR)
        return words, chars

    def transform_normalized(self, norm: Sequence[str]) -> sp.csr_matrix:
        """CSR matrix (len(norm), n_features), float32, duplicates not summed."""
        n_docs = len(norm)
        words, chars = self.occurrences(norm)
        doc = np.concatenate([words.doc, chars.doc])
        col = np.concatenate([words.col, chars.col])
        val = np.concatenate([_view_values(words.doc, n_docs), _view_values(chars.doc, n_docs)])
        order = np.argsort(doc, kind="stable")
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(np.bincount(doc, minlength=n_docs), out=indptr[1:])
        return sp.csr_matrix(
            (val[order], col[order].astype(np.int32), indptr), shape=(n_docs, self.n_features)
        )

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Normalise, segment and hash ``texts`` (already validated strings)."""
        return self.transform_normalized(self.normalize(texts))

    def describe(self, text: str) -> list[dict]:
        """Every n-gram of one post with its column, value, and span in the original text.

        The slow, explanatory twin of :meth:`transform`: it returns the same columns and values.
        """
        norm, spans = normalize_with_offsets(text, self.normalizer)
        words, chars = self.occurrences([norm])
        out = []
        if len(chars.col):
            value = float(_view_values(chars.doc, 1)[0])
            for col, start, n in zip(chars.col, chars.start, chars.n):
                out.append(_record(CHAR, norm[start : start + n], col, value, spans, start, start + n))
        if len(words.col):
            tokens = wakati(norm).split(" ")
            where = _token_positions(norm, tokens)
            value = float(_view_values(words.doc, 1)[0])
            for col, k, n in zip(words.col, words.start, words.n):
                a, b = where[k][0], where[k + n - 1][1]
                out.append(_record(WORD, " ".join(tokens[k : k + n]), col, value, spans, a, b))
        return out


def _record(view: int, ngram: str, col, value: float, spans: np.ndarray, a: int, b: int) -> dict:
    return {
        "view": VIEW_NAMES[view],
        "ngram": ngram,
        "column": int(col),
        "value": value,
        "span": (int(spans[a, 0]), int(spans[b - 1, 1])) if b > a else (0, 0),
    }


def _token_positions(norm: str, tokens: list[str]) -> list[tuple[int, int]]:
    """Character span of each MeCab token inside the normalised text."""
    where = []
    pos = 0
    for tok in tokens:
        at = norm.find(tok, pos)
        if at < 0:  # MeCab never rewrites surfaces; stay safe anyway
            at = pos
        where.append((at, at + len(tok)))
        pos = at + len(tok)
    return where
