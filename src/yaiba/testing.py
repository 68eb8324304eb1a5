"""Input generators, Hypothesis strategies and invariant checks for property tests of yaiba.

Shared by the test suite (tests/test_fuzz.py, tests/test_odd_input.py) and the long fuzz run
(benchmarks/fuzz.py); :func:`strategies` needs hypothesis (``pip install 'yaiba[dev]'``).
Each ``check_*`` raises AssertionError on a violation.

Invariants, whatever the input: nothing raises; one output per input, in order; scores and
probabilities finite and in [0, 1]; the same input gives the same output, alone or in a batch.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from yaiba.text import tokenizer
from yaiba.text.normalize import normalize, normalize_batch, normalize_with_offsets

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from yaiba.model import Model

# Characters and pieces that broke or could break text pipelines: NUL and controls, lone
# surrogates, bidi and zero-width marks, combining marks, ZWJ emoji, variation selectors,
# tag characters, half- and full-width forms, non-characters, private use, odd whitespace,
# characters whose case mapping or NFKC form changes length (ß, İ, ﬁ, ㍿, ǅ, final sigma).
ODD_PIECES: tuple[str, ...] = (
    "\x00",
    "\x01",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\x9f",
    "\t",
    "\r\n",
    "\r",
    "\x0b\x0c",
    "\u2028\u2029",
    "\ud800",
    "\udfff",
    "\udbff\udc00",
    "\ud83d",
    "\u202e",
    "\u202d",
    "\u2066\u2069",
    "\u200e\u200f",
    "\u061c",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u0301",
    "\u0316\u0301",
    "e\u0301\u0301\u0301",
    "a" + "\u0300" * 40,
    "\u3099",
    "\u309a",
    "か\u3099",
    "👨\u200d👩\u200d👧\u200d👦",
    "👍🏽",
    "🏳️\u200d🌈",
    "1\ufe0f\u20e3",
    "🇯🇵",
    "\U000e0041\U000e007f",
    "ｼﾈ",
    "ｶﾞ",
    "ﾊﾟ",
    "ｰ",
    "ＡＢＣ１２３！？",
    "　",
    "\u3000\u3000",
    "\ufffe",
    "\uffff",
    "\U0010ffff",
    "\ue000",
    "\U000f0000",
    "\ufffd",
    "ß",
    "İ",
    "ﬁ",
    "㍿",
    "ǅ",
    "ΣΑΣ",
    "ﷺ",
    "ẞ",
    "Ⅻ",
    "⑳",
    "㈱",
    "し ね",
    "し.ね",
    "氏ね",
    "4ね",
    "タヒね",
    "しねええええええ",
    "ｷﾓｲ",
    "殺 す",
    "コ口ス",
    "مرحبا",
    "שלום",
    "Привет",
    "你好",
    "안녕",
    "ไทย",
    "हिन्दी",
    "。",
    "！？",
    "...",
    '"',
    "'",
    ",",
    "\\",
    "\n\n",
    " ",
    "",
)

JAPANESE = (
    "この采配は最悪。説明してほしい",
    "お前なんか消えろ",
    "店員さんの対応が丁寧で嬉しかった",
    "あいつは本当に最低な人間だ。",
    "新機能、使いにくいので元に戻してほしい",
    "死ね",
    "クズ",
)

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL_CATEGORIES = {"Cc"}


def strategies() -> tuple[SearchStrategy[str], SearchStrategy[list[str]]]:
    """Hypothesis strategies: ``text`` (one post) and ``texts`` (a batch of 1 to 6 posts)."""
    from hypothesis import strategies as st

    any_char = st.characters(exclude_categories=())  # every code point, surrogates included
    piece = st.one_of(
        st.text(any_char, max_size=12),
        st.sampled_from(ODD_PIECES),
        st.sampled_from(JAPANESE),
        st.builds(lambda p, n: p * n, st.sampled_from(ODD_PIECES + JAPANESE), st.integers(2, 60)),
    )
    text = st.lists(piece, max_size=8).map("".join)
    return text, st.lists(text, min_size=1, max_size=6)


# -- normaliser -------------------------------------------------------------------------------


def check_normalizer(text: str) -> None:
    norm = normalize(text)
    assert normalize_batch([text, "", text]) == [norm, "", norm]
    tracked, spans = normalize_with_offsets(text)
    assert tracked == norm
    assert spans.shape == (len(norm), 2)
    if len(norm):
        assert spans.min() >= 0 and spans.max() <= len(text)
        assert (spans[:, 0] <= spans[:, 1]).all()
    assert "\x00" not in norm and not _SURROGATE.search(norm)
    assert not any(unicodedata.category(c) in _CONTROL_CATEGORIES for c in norm)
    assert all(c == " " or not c.isspace() for c in norm)  # every kind of whitespace became " "
    norm.encode("utf-8")


# -- tokenizer --------------------------------------------------------------------------------


class ParseSpy:
    """Wraps the thread's MeCab tagger and records the length of every piece it is given."""

    def __init__(self, tagger: tokenizer.WakatiTagger) -> None:
        self._tagger = tagger
        self.lengths: list[int] = []
        self.pieces: list[str] = []

    def parse(self, text: str) -> str:
        self.lengths.append(len(text))
        self.pieces.append(text)
        return self._tagger.parse(text)


@contextlib.contextmanager
def spy_on_mecab() -> Iterator[ParseSpy]:
    """Route every MeCab call of this thread through a :class:`ParseSpy`."""
    spy = ParseSpy(tokenizer.wakati_tagger())
    original = tokenizer.wakati_tagger
    tokenizer.wakati_tagger = lambda: spy
    try:
        yield spy
    finally:
        tokenizer.wakati_tagger = original


def check_tokenizer(text: str) -> None:
    with spy_on_mecab() as spy:
        raw = tokenizer.wakati(text)  # any str, not only normalised text
        assert tokenizer.wakati_batch([text, text]) == [raw, raw]
        norm = normalize(text)
        words = tokenizer.wakati(norm)
    assert max(spy.lengths, default=0) <= tokenizer.MAX_PIECE
    assert "\x00" not in raw and not _SURROGATE.search(raw)
    # segmentation only cuts: the normalised text's characters all come back, in order
    assert words.replace(" ", "") == norm.replace(" ", "")


# -- model ------------------------------------------------------------------------------------


def check_model(model: Model, texts: Sequence[str], explain: int = 2) -> None:
    texts = list(texts)
    proba = model.predict_proba(texts)
    assert proba.shape == (len(texts), len(model.classes_)) and proba.dtype == np.float32
    assert np.isfinite(proba).all() and (proba >= 0).all() and (proba <= 1).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    score = model.score(texts)
    assert score.shape == (len(texts),)
    np.testing.assert_array_equal(score, proba[:, model.classes_.index(model.positive_label)])
    np.testing.assert_array_equal(model.score(texts), score)  # deterministic
    one_by_one = np.concatenate([model.score([t]) for t in texts])
    np.testing.assert_array_equal(one_by_one, score)  # a row does not depend on its batch
    np.testing.assert_array_equal(model.score(texts, batch_size=1), score)
    labels = model.predict(texts)
    assert len(labels) == len(texts) and set(labels) <= set(model.classes_)
    for i, t in enumerate(texts[:explain]):
        e = model.explain(t)
        assert e == model.explain(t)
        assert e.text == t and e.label in model.classes_
        assert e.probability == float(proba[i, model.classes_.index(e.label)])
        assert math.isfinite(e.probability) and 0 <= e.probability <= 1
        for ev in e.evidence:
            assert math.isfinite(ev.weight) and ev.weight > 0
            assert all(0 <= a <= b <= len(t) for a, b in ev.spans)
            ev.ngram.encode("utf-8")
        str(e).encode("utf-8")  # printable for a moderator, lone surrogates included
        json.dumps(e.to_dict())


# -- command line -----------------------------------------------------------------------------


def write_csv(path: Path, rows: Sequence[Sequence[object]], header: Sequence[str] = ("id", "text")) -> Path:
    """Write ``rows`` under ``header`` as a UTF-8 CSV file (the csv module's quoting); return ``path``."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_input(folder: Path, texts: Sequence[str], fmt: str) -> tuple[Path, list[str], list[bool]]:
    """Write ``texts`` as a CSV, JSONL or text file the way a user's tool would.

    Returns the path, the texts the file really holds (a UTF-8 file cannot hold a lone
    surrogate; a text file cannot hold a line break inside a post; JSON merges an escaped
    surrogate pair into one character) and which rows must come back as errors.
    """
    path = folder / f"in.{fmt}"
    if fmt == "jsonl":
        held = [json.loads(json.dumps(t)) for t in texts]
        path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)), encoding="ascii")
        return path, held, [False] * len(texts)
    held = [_SURROGATE.sub("\ufffd", t) for t in texts]
    if fmt == "csv":
        write_csv(path, list(enumerate(held)))
        return path, held, [t == "" or "\x00" in t for t in held]
    held = [re.sub("[\r\n]", "", t) for t in held]
    path.write_text("".join(t + "\n" for t in held), encoding="utf-8")
    if held and held[0].startswith("\ufeff"):  # one byte order mark at the top is skipped
        held[0] = held[0][1:]
    return path, held, [False] * len(texts)


def check_cli(
    main: Callable[[list[str]], int],
    model: Model,
    model_path: str | os.PathLike[str],
    folder: Path,
    texts: Sequence[str],
    fmt: str,
) -> None:
    """``yaiba score`` on a file of ``texts``: exit 0, one row per input in order, the text
    kept, the scores the API gives, errors exactly on the rows that must fail, no stray files."""
    path, held, bad = write_input(folder, texts, fmt)
    ok = [i for i, b in enumerate(bad) if not b]
    expected = dict(zip(ok, model.score([held[i] for i in ok])))
    for out_fmt in ("jsonl", "csv"):
        out = folder / f"out.{out_fmt}"
        assert main(["score", str(path), "-o", str(out), "--model", str(model_path), "--batch-size", "4"]) == 0
        if out_fmt == "jsonl":
            rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
            texts_out = [r["text"] for r in rows]
            assert texts_out == held
        else:
            with open(out, encoding="utf-8", newline="") as fh:
                rows = list(csv.DictReader(fh))
            assert [r["text"] for r in rows] == [_SURROGATE.sub("\ufffd", t) for t in held]
        assert len(rows) == len(texts)
        for i, r in enumerate(rows):
            if fmt == "csv" or out_fmt == fmt == "jsonl":  # text input has no id; JSONL to CSV keeps only text
                assert str(r["id"]) == str(i)
            failed = r["error"] not in (None, "")
            assert failed == bad[i], (i, r["error"])
            if not failed:
                p = float(r["p_attack"])
                assert math.isfinite(p) and 0 <= p <= 1
                assert abs(p - float(expected[i])) <= 5e-7  # rounded to 6 decimals
        again = folder / f"again.{out_fmt}"
        main(["score", str(path), "-o", str(again), "--model", str(model_path), "--batch-size", "3"])
        assert again.read_bytes() == out.read_bytes()  # deterministic, whatever the batch size
        again.unlink()
        out.unlink()
    path.unlink()
    assert list(folder.iterdir()) == []  # no temporary file left behind
