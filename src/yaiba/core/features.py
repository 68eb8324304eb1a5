"""Hashed word, character and lexicon features, built for a whole batch with numpy.

A batch is normalised, segmented by MeCab, and joined into two strings (the normalised text
and its space-separated tokens, posts separated by NUL). Both become arrays of code points;
n-gram hashes are polynomial hashes over those arrays, mixed with a splitmix64 finaliser
and folded into ``n_features`` columns. No Python object is made per token or n-gram.

Views:

- ``word``: MeCab token n-grams;
- ``char``: character n-grams of the normalised text (spaces excluded), katakana folded to
  hiragana so シネ and しね share features;
- ``lex``: lexicon categories (:mod:`yaiba.lexicon`) matched on token boundaries (katakana
  folded to hiragana on both sides), marked
  when they sit inside 「」/『』 quotes (victims and counter-speech quote abuse), plus
  "second person + insult/threat/death wish" when both occur outside quotes.

Each view contributes ``1 / sqrt(m)`` per occurrence, where m is the number of occurrences
the view produced for the post, so views weigh alike and long posts are not louder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, SupportsInt, TypedDict, cast, overload

import numpy as np
import scipy.sparse as sp

from yaiba.text.lexicon import MAX_LEN, Lexicon, prefilter_slot
from yaiba.text.normalize import LATEST, SEP, normalize_batch, normalize_with_offsets
from yaiba.text.sentences import may_hold, sentence_spans, sentence_texts
from yaiba.text.tokenizer import MAX_PIECE, wakati, wakati_batch

_P = np.uint64(0x100000001B3)  # polynomial base (odd)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
# one salt per view and n, so "死" the word and "死" the character are different features
_WORD_SALT = [np.uint64(0x9E3779B97F4A7C15 * (n + 1) % 2**64) for n in range(8)]
_CHAR_SALT = [np.uint64(0xC2B2AE3D27D4EB4F * (n + 1) % 2**64) for n in range(8)]
_LEX_SALT = np.uint64(0x165667B19E3779F9)
_SPACE, _NUL = 32, 0
_OPEN = np.array([ord(c) for c in "「『"], dtype=np.uint64)
_CLOSE = np.array([ord(c) for c in "」』"], dtype=np.uint64)
# Conjunctions: a post that holds a marker of the first category and one of the second
# (outside quotes) gets one extra feature per pair: "you + insult", "group + slur", ...
_CONJUNCTIONS = (
    ("second_person", ("insult", "death_wish", "threat")),
    ("identity", ("insult", "dehumanizing", "death_wish", "threat", "discrimination")),
    ("negation", ("insult", "death_wish", "threat")),
)

MIN_SENTENCES = 4
"""Sentences only decide posts of at least this many. On the real-post set, letting posts of
3 sentences be decided by a sentence too changed one post (+0.002 attack F1, -0.001 macro-F1,
+0.2 pt criticism called attack) and 2-sentence posts none; skipping them leaves sentence rows
to 8 % of posts instead of 32 % (Nishika), which keeps scoring fast."""

HASH_SCHEME = "splitmix64-poly-v2"
"""Name of the feature hash; a model file made with another scheme is refused (CHANGELOG.md)."""

WORD, CHAR, LEX = 0, 1, 2
VIEW_NAMES = ("word", "char", "lex")


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


def fold_kana(cp: np.ndarray) -> np.ndarray:
    """Katakana to hiragana (シネ and しね alike), in place on a code-point array."""
    kata = (cp >= 0x30A1) & (cp <= 0x30F6)
    cp[kata] -= np.uint64(0x60)
    return cp


def term_hash(term: str) -> int:
    """The lexicon view's n-gram hash of a whole term (katakana folded), as a Python int."""
    h = 0
    for c in fold_kana(_codepoints(term)).tolist():
        h = (h * int(_P) + c) % 2**64
    return h


def _power_table(n: int) -> np.ndarray:
    """_P ** i for i in range(n), modulo 2**64."""
    table = np.full(n, _P, dtype=np.uint64)
    table[0] = 1
    return np.cumprod(table)


_POW = _power_table(MAX_PIECE * 2)


def _powers(n: int) -> np.ndarray:
    global _POW
    if n > len(_POW):
        _POW = _power_table(2 * n)
    return _POW


@dataclass
class Occurrences:
    """Every feature occurrence in a batch: which post, which column, and where it came from."""

    doc: np.ndarray  # int64, post index
    col: np.ndarray  # int64, feature column
    start: np.ndarray  # int64: first token (word), character (char) or token character (lex)
    n: np.ndarray  # int64: n-gram order, or matched length in token characters (lex)
    label: np.ndarray | None = None  # lex only: 2 * category id + quoted; -1 - k for conjunction k


class FeatureRecord(TypedDict):
    """One feature occurrence of :meth:`Featurizer.describe`."""

    view: str
    ngram: str
    column: int
    value: float
    span: tuple[int, int]


_NONE = np.empty(0, dtype=np.int64)


def _empty() -> Occurrences:
    e = np.empty(0, dtype=np.int64)
    return Occurrences(e, e, e, e, e)


def _collect(parts: Sequence[tuple[Any, ...]], positions: bool = True) -> Occurrences:
    """Concatenate per-n parts; ``positions=False`` (scoring) skips start, n and label."""
    if not parts:
        return _empty()
    doc = np.concatenate([p[0] for p in parts])
    col = np.concatenate([p[1] for p in parts])
    if not positions:
        return Occurrences(doc, col, _NONE, _NONE, _NONE)
    return Occurrences(
        doc=doc,
        col=col.astype(np.int64) if len(parts[0]) > 4 else col,  # n-gram columns stay uint64, as unpositioned
        start=np.concatenate([p[2] for p in parts]).astype(np.int64, copy=False),
        n=np.repeat(np.array([p[3] for p in parts], dtype=np.int64), [len(p[1]) for p in parts]),
        label=np.concatenate([p[4] for p in parts]).astype(np.int64) if len(parts[0]) > 4 else None,
    )


def _char_occurrences(text: str, lo: int, hi: int, mask: np.uint64, positions: bool = True) -> Occurrences:
    cp = fold_kana(_codepoints(text))
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
            parts.append((doc_at[idx], _mix(g[idx] ^ _CHAR_SALT[n]) & mask, idx, n))
    return _collect(parts, positions)


@dataclass
class _TokenChars:
    """The characters of all tokens of a batch, without separators."""

    cp: np.ndarray  # code points
    doc: np.ndarray  # post of each character
    starts: np.ndarray  # bool: a token starts here
    ends: np.ndarray  # bool: a token ends here
    tok_of: np.ndarray  # token index of each character
    first: np.ndarray  # first character of each token


def _token_chars(tokens: str) -> _TokenChars | None:
    cp_all = _codepoints(tokens)
    sep = (cp_all == _SPACE) | (cp_all == _NUL)
    inner = np.flatnonzero(~sep)
    if len(inner) == 0:
        return None
    gap = np.diff(inner) > 1  # a separator lies between two characters
    starts = np.empty(len(inner), dtype=bool)
    starts[0] = True
    starts[1:] = gap
    ends = np.empty(len(inner), dtype=bool)
    ends[-1] = True
    ends[:-1] = gap
    tok_of = np.cumsum(starts) - 1
    return _TokenChars(
        cp=cp_all[inner],
        doc=np.cumsum(cp_all == _NUL)[inner],
        starts=starts,
        ends=ends,
        tok_of=tok_of,
        first=np.flatnonzero(starts),
    )


def _word_occurrences(tc: _TokenChars | None, lo: int, hi: int, mask: np.uint64, positions: bool = True) -> Occurrences:
    if tc is None:
        return _empty()
    rel = np.arange(len(tc.cp)) - tc.first[tc.tok_of]
    tok = _mix(np.add.reduceat(tc.cp * _powers(int(rel.max()) + 1)[rel], tc.first))
    doc_at = tc.doc[tc.first]
    parts = []
    g = tok
    same = np.ones(len(tok), dtype=bool)
    for n in range(1, hi + 1):
        if n > 1:
            g = g[:-1] * _P + tok[n - 1 :]
            same = same[:-1] & (doc_at[n - 1 :] == doc_at[: len(doc_at) - n + 1])
        if n >= lo:
            idx = np.flatnonzero(same)
            parts.append((doc_at[idx], _mix(g[idx] ^ _WORD_SALT[n]) & mask, idx, n))
    return _collect(parts, positions)


def _quote_depth(tc: _TokenChars) -> np.ndarray:
    """How many 「『 are open at each token character, counted within its post."""
    cp = tc.cp
    step = ((cp == _OPEN[0]) | (cp == _OPEN[1])).astype(np.int64)
    step -= (cp == _CLOSE[0]) | (cp == _CLOSE[1])
    depth = np.cumsum(step)
    doc_first = np.flatnonzero(np.r_[True, tc.doc[1:] != tc.doc[:-1]])
    base = (depth - step)[doc_first]
    relative: np.ndarray = depth - np.repeat(base, np.diff(np.r_[doc_first, len(depth)]))
    return relative


def _lex_col(category: np.ndarray, quoted: np.ndarray, mask: np.uint64) -> np.ndarray:
    key = category.astype(np.uint64) * np.uint64(4) + quoted.astype(np.uint64) * np.uint64(2) + np.uint64(1)
    return _mix(key ^ _LEX_SALT) & mask


def _lex_occurrences(
    tc: _TokenChars | None, lex: Lexicon, mask: np.uint64, n_docs: int, quotes: bool, conjunctions: bool
) -> Occurrences:
    if tc is None:
        return _empty()
    tables = lex.tables(term_hash)
    depth = _quote_depth(tc) if quotes else np.zeros(len(tc.cp), dtype=np.int64)
    parts = []
    folded = fold_kana(tc.cp.copy())
    g = folded  # only ever replaced, never changed in place
    m = len(g)
    for n in range(1, MAX_LEN + 1):
        if n > 1:
            g = g[:-1] * _P + folded[n - 1 :]
        if n not in tables or len(g) == 0:
            continue
        keys, cats, maybe = tables[n]
        cand = np.flatnonzero(tc.starts[: m - n + 1] & tc.ends[n - 1 :])
        cand = cand[maybe[prefilter_slot(g[cand])]]
        cand = cand[tc.doc[cand] == tc.doc[cand + n - 1]]
        if len(cand) == 0:
            continue
        h = g[cand]
        left = np.searchsorted(keys, h, side="left")
        right = np.searchsorted(keys, h, side="right")
        count = right - left
        if not count.any():
            continue
        pos = np.repeat(cand, count)  # a term may sit in several categories
        offset = np.arange(len(pos)) - np.repeat(np.cumsum(count) - count, count)
        which = np.repeat(left, count) + offset
        category = cats[which]
        quoted = depth[pos] > 0
        parts.append((tc.doc[pos], _lex_col(category, quoted, mask), pos, n, 2 * category + quoted))
    occ = _collect(parts)
    return _with_conjunction(occ, lex, mask, n_docs) if conjunctions else occ


def _with_conjunction(occ: Occurrences, lex: Lexicon, mask: np.uint64, n_docs: int) -> Occurrences:
    """Add one feature per post and conjunction whose two sides both occur outside quotes."""
    names = lex.category_names
    if len(occ.doc) == 0:
        return occ
    label = cast(np.ndarray, occ.label)  # lexicon occurrences always carry labels
    outside = label % 2 == 0
    category = label // 2
    extras = [occ]
    for k, (left, rights) in enumerate(_CONJUNCTIONS):
        if left not in names:
            continue
        hit = outside & (category == names.index(left))
        has_left = np.zeros(n_docs, dtype=bool)
        has_left[occ.doc[hit]] = True
        is_right = np.zeros(len(names), dtype=bool)
        is_right[[names.index(c) for c in rights if c in names]] = True
        has_right = np.zeros(n_docs, dtype=bool)
        has_right[occ.doc[outside & is_right[category]]] = True
        docs = np.flatnonzero(has_left & has_right)
        if len(docs) == 0:
            continue
        first = np.full(n_docs, -1, dtype=np.int64)  # where the left marker first appears
        first[occ.doc[hit][::-1]] = occ.start[hit][::-1]
        zeros = np.zeros(len(docs), dtype=np.int64)
        col = _lex_col(np.full(len(docs), len(names) + k), zeros.astype(bool), mask)
        extras.append(
            Occurrences(docs.astype(np.int64), col.astype(np.int64), first[docs], zeros, np.full(len(docs), -1 - k))
        )
    if len(extras) == 1:
        return occ
    return Occurrences(
        *(np.concatenate([getattr(e, f) for e in extras]) for f in ("doc", "col", "start", "n", "label"))
    )


def _view_values(doc: np.ndarray, n_docs: int) -> np.ndarray:
    counts = np.bincount(doc, minlength=n_docs).astype(np.float32)
    values: np.ndarray = (1.0 / np.sqrt(np.maximum(counts, 1.0)))[doc]
    return values


@dataclass(frozen=True)
class Featurizer:
    """Texts to a CSR matrix of hashed features.

    Parameters
    ----------
    n_features : int
        Number of columns, a power of two.
    word_ngrams, char_ngrams : (int, int)
        Inclusive n-gram order ranges for MeCab tokens and for characters; ``(0, 0)`` turns a
        view off.
    normalizer : int
        Version of the normaliser (:mod:`yaiba.normalize`).
    lexicon : Lexicon or None
        Attack-cue lexicon for the ``lex`` view; None turns it off.
    lexicon_weight : float
        Scale of the ``lex`` view against the n-gram views (larger: the model leans more on
        lexicon categories, which generalise beyond the training vocabulary).
    lexicon_quotes : bool
        Mark lexicon matches inside 「」/『』 as quoted (a separate feature per category).
    lexicon_conjunctions : bool
        Add the conjunction features ("second person + insult", ...).
    """

    n_features: int = 2**18
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (1, 3)
    normalizer: int = LATEST
    lexicon: Lexicon | None = None
    lexicon_weight: float = 1.0
    lexicon_quotes: bool = True
    lexicon_conjunctions: bool = True

    def __post_init__(self) -> None:
        if self.n_features < 2 or self.n_features & (self.n_features - 1):
            raise ValueError(f"n_features must be a power of two >= 2, got {self.n_features}")
        for name in ("word_ngrams", "char_ngrams"):
            lo, hi = getattr(self, name)
            if not (0 <= lo <= hi <= 6) or (lo == 0) != (hi == 0):
                raise ValueError(f"{name} must be (lo, hi) with 1 <= lo <= hi <= 6, or (0, 0)")

    def normalize(self, texts: Sequence[str]) -> list[str]:
        return normalize_batch(texts, self.normalizer)

    def occurrences(self, norm: Sequence[str], positions: bool = True) -> tuple[Occurrences, Occurrences, Occurrences]:
        """Word, character and lexicon occurrences of already normalised posts (``positions``:
        also where each n-gram starts, for explanations)."""
        need_tokens = self.word_ngrams[1] > 0 or self.lexicon is not None
        tc = _token_chars(SEP.join(wakati_batch(norm))) if need_tokens else None
        return self._occurrences(norm, tc, positions)

    def _occurrences(
        self, norm: Sequence[str], tc: _TokenChars | None, positions: bool
    ) -> tuple[Occurrences, Occurrences, Occurrences]:
        mask = np.uint64(self.n_features - 1)
        lo, hi = self.word_ngrams
        words = _word_occurrences(tc, lo, hi, mask, positions) if hi else _empty()
        lo, hi = self.char_ngrams
        chars = _char_occurrences(SEP.join(norm), lo, hi, mask, positions) if hi else _empty()
        lex = (
            _lex_occurrences(tc, self.lexicon, mask, len(norm), self.lexicon_quotes, self.lexicon_conjunctions)
            if self.lexicon is not None
            else _empty()
        )
        return words, chars, lex

    def _entries(self, norm: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row, column and value of every feature occurrence, view by view (rows unsorted)."""
        return self._values(self.occurrences(norm, positions=False), len(norm))

    def _values(self, views: Sequence[Occurrences], n_docs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        doc = np.concatenate([v.doc for v in views])
        col = np.concatenate([v.col for v in views]).astype(np.int32)
        values = [_view_values(v.doc, n_docs) for v in views]
        if self.lexicon_weight != 1.0:
            values[LEX] = values[LEX] * np.float32(self.lexicon_weight)
        return doc, col, np.concatenate(values)

    def transform_sentences(
        self, texts: Sequence[str], *, spans: bool = False, min_sentences: int = MIN_SENTENCES
    ) -> SentenceFeatures:
        """Features of the posts and of the sentences of long posts, with one MeCab pass.

        The posts' matrix equals ``transform(texts, sparse="coo")``. Sentences
        (:func:`yaiba.text.sentences.sentence_spans`) are normalised on their own only to learn
        which characters of the normalised post belong to which sentence; their rows are then
        cut out of the n-gram occurrences of the post's own MeCab tokens (an n-gram across two
        sentences belongs to neither), so MeCab runs once per post. The sentences of a post
        that do not line up with it (normalisation across a sentence end: 9 of 20,000 Nishika
        posts) are featurised on their own instead. A post's rows never depend on the other
        posts of the batch. ``spans``: also give where each sentence row lies in its post
        (``SentenceFeatures.spans``; left empty otherwise, which is faster). Only posts of at
        least ``min_sentences`` non-empty sentences get sentence rows.
        """
        norm = self.normalize(texts)
        n_docs = len(norm)
        least = max(min_sentences, 2)
        need_tokens = self.word_ngrams[1] > 0 or self.lexicon is not None
        tokens = wakati_batch(norm) if need_tokens else None
        tc = _token_chars(SEP.join(tokens)) if tokens is not None else None
        doc, col, val = self._values(self._occurrences(norm, tc, positions=False), n_docs)
        posts = sp.coo_matrix((val, (doc, col)), shape=(n_docs, self.n_features))
        pieces = {i: sentence_texts(t) for i, t in enumerate(texts) if may_hold(t, least)}
        multi = [i for i, p in pieces.items() if len(p) >= least]
        if not multi:
            return SentenceFeatures(posts, *_no_sentences(self.n_features))

        # Only the posts with enough sentences are looked at again ("sub" posts), from their
        # normalised text and MeCab tokens: n-grams are hashed again with their positions.
        sent_norm = self.normalize([piece for i in multi for piece in pieces[i]])
        sub_norm = [norm[i] for i in multi]
        sub_tc = _token_chars(SEP.join(tokens[i] for i in multi)) if tokens is not None else None
        views = self._occurrences(sub_norm, sub_tc, positions=True)
        n_sub = len(multi)
        # A post lines up when its sentences' normalised characters, spaces aside, are its own;
        # then each non-space character of the normalised post belongs to one sentence.
        n_sent = [len(pieces[i]) for i in multi]
        bounds = np.cumsum([0, *n_sent]).tolist()
        lined_up = np.array(
            [
                "".join(sent_norm[bounds[k] : bounds[k + 1]]).replace(" ", "") == post.replace(" ", "")
                for k, post in enumerate(sub_norm)
            ],
            dtype=bool,
        )
        sent_len = np.array([len(t) - t.count(" ") for t in sent_norm], dtype=np.int64)
        sent_sub = np.repeat(np.arange(n_sub), n_sent)
        filled = sent_len > 0  # a sentence normalised to nothing gets no row
        keeps = np.bincount(sent_sub[filled], minlength=n_sub) >= least  # posts with rows
        has_row = filled & keeps[sent_sub]
        row_of = np.where(has_row, np.cumsum(has_row) - 1, -1)
        owner = np.asarray(multi, dtype=np.int64)[sent_sub[has_row]]
        if len(owner) == 0:
            return SentenceFeatures(posts, *_no_sentences(self.n_features))
        where: list[tuple[int, int]] = []
        if spans:
            where_all = [span for i in multi for span in sentence_spans(texts[i])]
            where = [where_all[j] for j in np.flatnonzero(has_row)]

        cp = _codepoints(SEP.join(sub_norm))
        nonspace = np.flatnonzero((cp != _SPACE) & (cp != _NUL))
        post_len = np.bincount(np.cumsum(cp == _NUL)[nonspace], minlength=n_sub)
        aligned = sub_tc is None or (len(sub_tc.cp) == len(nonspace) and np.array_equal(cp[nonspace], sub_tc.cp))
        if not aligned:  # MeCab dropped or changed a character (not seen for any code point)
            tok_len = np.bincount(sub_tc.doc, minlength=n_sub) if sub_tc is not None else post_len
            lined_up &= _same_characters(cp[nonspace], post_len, sub_tc.cp if sub_tc is not None else cp, tok_len)
        # the sentence row of each non-space character (-1: a post without rows, or not lined up)
        cut = lined_up[sent_sub]
        lens = np.concatenate([np.where(lined_up, 0, post_len), np.where(cut, sent_len, 0)])
        ids = np.concatenate([np.full(n_sub, -1, dtype=np.int64), row_of])
        order = np.argsort(np.concatenate([np.arange(n_sub) * 2, sent_sub * 2 + 1]), kind="stable")
        sid = np.repeat(ids[order], lens[order])
        sid_char = np.full(len(cp), -1, dtype=np.int64)
        sid_char[nonspace] = sid
        sid_tok = sid
        if not aligned and sub_tc is not None:  # token characters of posts that line up only
            sid_tok = np.full(len(sub_tc.cp), -1, dtype=np.int64)
            ns_at, tok_at = np.cumsum(post_len) - post_len, np.cumsum(tok_len) - tok_len
            for k in np.flatnonzero(lined_up):
                sid_tok[tok_at[k] : tok_at[k] + post_len[k]] = sid[ns_at[k] : ns_at[k] + post_len[k]]
        parts = [self._sentence_entries(views, sid_char, sid_tok, sub_tc, len(owner))]
        alone = np.flatnonzero(has_row & ~cut)  # sentences of posts that do not line up
        if len(alone):
            m = self.transform_normalized([sent_norm[j] for j in alone], sparse="coo")
            parts.append((row_of[alone][m.row], m.col, m.data))
        rows, cols, vals = (np.concatenate(x) for x in zip(*parts))
        sentences = sp.coo_matrix((vals, (rows, cols.astype(np.int32))), shape=(len(owner), self.n_features))
        return SentenceFeatures(posts, sentences, owner, where)

    def _sentence_entries(
        self,
        views: Sequence[Occurrences],
        sid_char: np.ndarray,
        sid_tok: np.ndarray,
        tc: _TokenChars | None,
        n_rows: int,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row, column and value of the occurrences that lie inside one sentence.

        ``sid_char``: the sentence row of each character of the joined normalised batch (-1:
        none); ``sid_tok``: the same for each token character.
        """
        words, chars, lex = views
        first = sid_char[chars.start]
        inside = [
            _empty(),
            _subset(chars, (first >= 0) & (first == sid_char[chars.start + chars.n - 1]), first),
            _empty(),
        ]
        if tc is not None:
            last = np.flatnonzero(tc.ends)
            a, b = sid_tok[tc.first[words.start]], sid_tok[last[words.start + words.n - 1]]
            inside[WORD] = _subset(words, (a >= 0) & (a == b), a)
            label = cast(np.ndarray, lex.label)
            a, b = sid_tok[lex.start], sid_tok[lex.start + np.maximum(lex.n, 1) - 1]
            base = _subset(lex, (label >= 0) & (a >= 0) & (a == b), a, positions=True)
            if self.lexicon is not None and self.lexicon_conjunctions:
                base = _with_conjunction(base, self.lexicon, np.uint64(self.n_features - 1), n_rows)
            inside[LEX] = base
        return self._values(inside, n_rows)

    @overload
    def transform_normalized(self, norm: Sequence[str], *, sparse: Literal["csr"] = ...) -> sp.csr_matrix: ...
    @overload
    def transform_normalized(self, norm: Sequence[str], *, sparse: Literal["coo"]) -> sp.coo_matrix: ...
    @overload
    def transform_normalized(self, norm: Sequence[str], *, sparse: str) -> sp.csr_matrix | sp.coo_matrix: ...
    def transform_normalized(self, norm: Sequence[str], *, sparse: str = "csr") -> sp.csr_matrix | sp.coo_matrix:
        """Matrix (len(norm), n_features) of already normalised posts, float32, duplicates not summed.

        ``sparse="csr"`` (default) for slicing and training; ``"coo"`` for products only (the
        scoring path): it skips the sort by row, and ``coo @ dense`` adds each row's entries
        in the same order as the CSR product, so scores are bit-identical.
        """
        n_docs = len(norm)
        doc, col, val = self._entries(norm)
        if sparse == "coo":
            return sp.coo_matrix((val, (doc, col)), shape=(n_docs, self.n_features))
        if sparse != "csr":
            raise ValueError(f"sparse must be 'csr' or 'coo', got {sparse!r}")
        order = np.argsort(doc, kind="stable")
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(np.bincount(doc, minlength=n_docs), out=indptr[1:])
        return sp.csr_matrix((val[order], col[order], indptr), shape=(n_docs, self.n_features))

    @overload
    def transform(self, texts: Sequence[str], *, sparse: Literal["csr"] = ...) -> sp.csr_matrix: ...
    @overload
    def transform(self, texts: Sequence[str], *, sparse: Literal["coo"]) -> sp.coo_matrix: ...
    @overload
    def transform(self, texts: Sequence[str], *, sparse: str) -> sp.csr_matrix | sp.coo_matrix: ...
    def transform(self, texts: Sequence[str], *, sparse: str = "csr") -> sp.csr_matrix | sp.coo_matrix:
        """Normalise, segment and hash ``texts`` (already validated strings)."""
        return self.transform_normalized(self.normalize(texts), sparse=sparse)

    def describe(self, text: str) -> list[FeatureRecord]:
        """Every feature occurrence of one post with its column, value, and span in the original text.

        The slow, explanatory twin of :meth:`transform`: it returns the same columns and values.
        """
        norm, spans = normalize_with_offsets(text, self.normalizer)
        words, chars, lex = self.occurrences([norm])
        out: list[FeatureRecord] = []
        if len(chars.col):
            value = float(_view_values(chars.doc, 1)[0])
            for col, start, n in zip(chars.col, chars.start, chars.n):
                out.append(_record(CHAR, norm[start : start + n], col, value, spans, start, start + n))
        if len(words.col) or len(lex.col):
            tokens = wakati(norm).split(" ")
            where = _token_positions(norm, tokens)
        if len(words.col):
            value = float(_view_values(words.doc, 1)[0])
            for col, k, n in zip(words.col, words.start, words.n):
                a, b = where[k][0], where[k + n - 1][1]
                out.append(_record(WORD, " ".join(tokens[k : k + n]), col, value, spans, a, b))
        if len(lex.col):
            value = float(_view_values(lex.doc, 1)[0] * np.float32(self.lexicon_weight))
            names = self.lexicon.category_names if self.lexicon else ()
            tok_of = np.repeat(np.arange(len(tokens)), [len(t) for t in tokens])
            for col, start, n, cat in zip(lex.col, lex.start, lex.n, cast(np.ndarray, lex.label)):
                if cat < 0:
                    left, rights = _CONJUNCTIONS[-1 - cat]
                    name = f"[{left} + {'/'.join(rights)}]"
                    out.append(_record(LEX, name, col, value, spans, *where[tok_of[start]]))
                    continue
                k0, k1 = tok_of[start], tok_of[start + n - 1]
                a, b = where[k0][0], where[k1][1]
                tag = names[cat // 2] + (", quoted" if cat % 2 else "")
                out.append(_record(LEX, f"[{tag}] {norm[a:b]}", col, value, spans, a, b))
        return out


@dataclass
class SentenceFeatures:
    """What :meth:`Featurizer.transform_sentences` gives for a batch.

    ``posts``: the posts' matrix (n_posts, n_features). ``sentences``: one row per sentence
    of each post with two or more sentences, post by post in text order; ``owner`` (int64)
    is the post of each row and ``spans`` its ``(start, end)`` in the original post.
    """

    posts: sp.coo_matrix
    sentences: sp.coo_matrix
    owner: np.ndarray
    spans: list[tuple[int, int]]


def _no_sentences(n_features: int) -> tuple[sp.coo_matrix, np.ndarray, list[tuple[int, int]]]:
    empty = sp.coo_matrix((np.zeros(0, np.float32), (_NONE, _NONE)), shape=(0, n_features))
    return empty, _NONE, []


def _subset(occ: Occurrences, keep: np.ndarray, doc: np.ndarray, positions: bool = False) -> Occurrences:
    """The occurrences where ``keep``, re-assigned to the rows ``doc`` (``positions``: keep
    start, n and label too)."""
    if not positions:
        return Occurrences(doc[keep], occ.col[keep], _NONE, _NONE)
    label = occ.label[keep] if occ.label is not None and len(occ.label) else None
    return Occurrences(doc[keep], occ.col[keep], occ.start[keep], occ.n[keep], label)


def _same_characters(a: np.ndarray, a_len: np.ndarray, b: np.ndarray, b_len: np.ndarray) -> np.ndarray:
    """Per post: do its characters in ``a`` (``a_len`` per post, in order) equal those in ``b``?"""
    a_at, b_at = np.cumsum(a_len) - a_len, np.cumsum(b_len) - b_len
    return np.array(
        [
            a_len[k] == b_len[k] and np.array_equal(a[a_at[k] : a_at[k] + a_len[k]], b[b_at[k] : b_at[k] + b_len[k]])
            for k in range(len(a_len))
        ],
        dtype=bool,
    )


def _record(view: int, ngram: str, col: SupportsInt, value: float, spans: np.ndarray, a: int, b: int) -> FeatureRecord:
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
