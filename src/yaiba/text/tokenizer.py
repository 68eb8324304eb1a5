"""fugashi (MeCab) word segmentation with unidic-lite: one Tagger per process and thread.

MeCab is not thread-safe and a Tagger cannot be pickled, so nothing here holds a Tagger
across threads or processes: :func:`wakati` builds one lazily in thread-local storage and
rebuilds it after a fork. Long posts never reach MeCab whole (it crashes on inputs of about a
million characters): they are cut into pieces of at most ``MAX_PIECE`` characters at
sentence ends where possible.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Protocol

from yaiba.errors import TokenizerError
from yaiba.text.display import SURROGATE

MAX_PIECE = 2048
_SENTENCE_END = re.compile(r"[。．.!?！？\n]+ ?")
_local = threading.local()


# fugashi ships no type information: what yaiba uses of its GenericTagger, as protocols
class MeCabNode(Protocol):
    """A token of a tagger with parts of speech: its surface and its feature fields."""

    @property
    def surface(self) -> str: ...
    @property
    def feature(self) -> Sequence[str]: ...


class WakatiTagger(Protocol):
    """A tagger in ``-Owakati`` mode: ``parse`` gives space-separated surfaces."""

    def parse(self, text: str) -> str: ...


class MeCabTagger(WakatiTagger, Protocol):
    """A fugashi ``GenericTagger``: also callable, giving the nodes of a text."""

    def __call__(self, text: str) -> Sequence[MeCabNode]: ...


def dictionary_info() -> dict[str, str]:
    """Name and version of the dictionary every yaiba Tagger uses."""
    try:
        return {"name": "unidic-lite", "version": version("unidic-lite")}
    except PackageNotFoundError:  # pragma: no cover - a core dependency
        return {"name": "unidic-lite", "version": "missing"}


def new_tagger(wakati: bool = True) -> MeCabTagger:
    """A MeCab tagger on unidic-lite: space-separated surfaces (``wakati``) or nodes with
    parts of speech."""
    try:
        import fugashi
        import unidic_lite
    except ImportError as exc:
        raise TokenizerError(f"cannot import {exc.name!r}.\n  fix: pip install fugashi unidic-lite") from exc
    dicdir = unidic_lite.DICDIR
    args = f'{"-Owakati " if wakati else ""}-d "{dicdir}" -r "{os.path.join(dicdir, "mecabrc")}"'
    try:
        tagger: MeCabTagger = fugashi.GenericTagger(args)
        return tagger
    except RuntimeError as exc:
        raise TokenizerError(
            "MeCab failed to start with the unidic-lite dictionary.\n"
            f"  arguments: {args}\n"
            f"  dictionary directory exists: {os.path.isdir(dicdir)}\n"
            "  fix: pip install --force-reinstall fugashi unidic-lite"
        ) from exc


def _thread_tagger(wakati: bool) -> MeCabTagger:
    pid = os.getpid()
    if getattr(_local, "pid", None) != pid:  # a new thread, or a forked child
        _local.taggers = {}
        _local.pid = pid
    tagger: MeCabTagger | None = _local.taggers.get(wakati)
    if tagger is None:
        tagger = _local.taggers[wakati] = new_tagger(wakati)
    return tagger


def wakati_tagger() -> WakatiTagger:
    """This thread's MeCab tagger in ``-Owakati`` mode (what :func:`wakati` parses with)."""
    return _thread_tagger(wakati=True)


def pos_tagger() -> MeCabTagger:
    """This thread's MeCab tagger with parts of speech (nodes with ``surface`` and ``feature``)."""
    return _thread_tagger(wakati=False)


def mecab_pieces(text: str, limit: int = MAX_PIECE) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters, at sentence ends if possible."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    start = 0
    n = len(text)
    while n - start > limit:
        window_end = start + limit
        cut = -1
        for m in _SENTENCE_END.finditer(text, start + limit // 2, window_end):
            cut = m.end()
        if cut <= start:
            cut = window_end
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def _parse(parse: Callable[[str], str], text: str) -> str:
    """MeCab on one piece. It reads a UTF-8 C string: a NUL would silently end the text
    there (becomes a space) and a lone surrogate cannot be encoded (becomes U+FFFD)."""
    if "\x00" in text:
        text = text.replace("\x00", " ")
    try:
        return parse(text)
    except UnicodeEncodeError:
        return parse(SURROGATE.sub("\ufffd", text))


def wakati(text: str) -> str:
    """Space-separated surface forms of ``text`` (normalised text in the pipeline; any str works)."""
    parse = wakati_tagger().parse
    if len(text) <= MAX_PIECE:
        return _parse(parse, text)
    return " ".join(p for p in (_parse(parse, c) for c in mecab_pieces(text)) if p)


def wakati_batch(texts: Sequence[str]) -> list[str]:
    """:func:`wakati` over many texts, with one Tagger lookup."""
    parse = wakati_tagger().parse
    return [_parse(parse, t) if len(t) <= MAX_PIECE else wakati(t) for t in texts]
