"""A lexicon of attack cues written for the project, matched on MeCab token boundaries.

``resources/lexicon.tsv`` lists terms (insult nouns, death wishes and their obfuscated
spellings, threats, slurs, second-person markers, repost, counter-speech and criticism
cues) with a category each. A term matches where it starts at a token start and ends at a
token end, so ばか does not fire inside ばかり; katakana and hiragana match alike. Matching is a rolling hash per term length
over the batch's token characters, looked up in sorted arrays: no Python loop per post.
Each model file carries the lexicon it was trained with.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources

import numpy as np

from yaiba.text.normalize import normalize

MIN_LEN, MAX_LEN = 1, 9  # terms outside these lengths (in characters) are not matched


@dataclass(frozen=True)
class Lexicon:
    """Terms and their categories (parallel tuples), as normalised text without spaces."""

    terms: tuple[str, ...]
    categories: tuple[str, ...]
    _tables: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=dict, compare=False, repr=False, hash=False
    )

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> Lexicon:
        seen: set[tuple[str, str]] = set()
        terms: list[str] = []
        cats: list[str] = []
        for term, cat in pairs:
            t = normalize(term).replace(" ", "")
            if MIN_LEN <= len(t) <= MAX_LEN and (t, cat) not in seen:
                seen.add((t, cat))
                terms.append(t)
                cats.append(cat)
        return cls(tuple(terms), tuple(cats))

    def __repr__(self) -> str:
        return f"Lexicon({len(self.terms)} terms in {len(self.category_names)} categories)"

    @cached_property
    def category_names(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.categories)))

    def tables(self, term_hash: Callable[[str], int]) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """For each term length: sorted term hashes (``term_hash``, the features' n-gram hash),
        their category ids, and a 2**16-slot prefilter (:func:`prefilter_slot`) that rules most
        non-terms out with one lookup. Built once per lexicon."""
        if not self._tables:
            names = {c: i for i, c in enumerate(self.category_names)}
            by_len: dict[int, list[tuple[int, int]]] = {}
            for term, cat in zip(self.terms, self.categories):
                h = term_hash(term)
                by_len.setdefault(len(term), []).append((h, names[cat]))
            for n, items in by_len.items():
                items.sort()
                keys = np.array([h for h, _ in items], dtype=np.uint64)
                maybe = np.zeros(1 << 16, dtype=bool)
                maybe[prefilter_slot(keys)] = True
                self._tables[n] = (keys, np.array([c for _, c in items], dtype=np.int64), maybe)
        return self._tables


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def prefilter_slot(h: np.ndarray) -> np.ndarray:
    """16 bits of a hash by Fibonacci hashing (the top bits of h times the golden ratio)."""
    return ((h * _GOLDEN) >> np.uint64(48)).astype(np.intp)


@cache
def default_lexicon() -> Lexicon:
    """The lexicon shipped with yaiba (``resources/lexicon.tsv``)."""
    text = resources.files("yaiba").joinpath("resources/lexicon.tsv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines(), delimiter="\t")
    return Lexicon.from_pairs((r["term"], r["category"]) for r in rows)
