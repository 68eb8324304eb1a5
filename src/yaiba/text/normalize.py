"""Unicode normalisation of posts, batched, with an offset-tracking twin for explanations.

A normaliser is a numbered list of steps (regex substitutions, NFKC, lower-casing). The
version is stored in every model file, so a model is always scored with the normaliser
it was trained with. :func:`normalize_batch` applies the steps to a whole batch joined by
NUL (NUL never survives normalisation, and no step matches across it), which costs a few
C calls per batch instead of per post. :func:`normalize_with_offsets` applies the same
steps to one text and keeps, for each output character, the span of the input it came from.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

SEP = "\x00"  # joins posts in a batch; removed from every post first

_CONTROL = (
    "\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0/C1 controls but NUL (removed first), \t \n \r
    "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"  # invisible, bidi
    "\ufe00-\ufe0f\ufeff\U000e0000-\U000e007f\U000e0100-\U000e01ef"  # selectors, tags, BOM
)


# Characters NFKC leaves alone and that never combine with what precedes them (ASCII, kana,
# CJK ideographs, common Japanese punctuation, NUL). NFKC runs only on the stretches between
# them, found with numpy, with one character of context on the left: the same result, ten
# times faster than NFKC on the whole text.
_NFKC_STABLE = "\x00\t\n\r\x20-\x7e\u3001-\u3003\u3005-\u3011\u3041-\u3096\u30a1-\u30fc\u3400-\u4dbf\u4e00-\u9fff"


def _unstable_table() -> np.ndarray:
    """True for BMP code points outside ``_NFKC_STABLE``; U+FFFF stands for all astral ones."""
    table = np.ones(0x10000, dtype=bool)
    for lo, hi in re.findall(r"(.)(?:-(.))?", _NFKC_STABLE, re.S):
        table[ord(lo) : ord(hi or lo) + 1] = False
    table[0xFFFF] = True
    return table


_UNSTABLE = _unstable_table()


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, faster: only runs that NFKC can change are normalised."""
    if text.isascii():
        return text
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bad = _UNSTABLE[np.minimum(cp, 0xFFFF)]
    edges = np.flatnonzero(np.diff(bad, prepend=False, append=False)).tolist()
    pieces = []
    pos = 0
    for start, end in zip(edges[::2], edges[1::2]):
        start = max(start - 1, 0)  # one character of left context, always a stable one
        pieces.append(text[pos:start])
        pieces.append(unicodedata.normalize("NFKC", text[start:end]))
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


@dataclass(frozen=True)
class _Regex:
    pattern: re.Pattern[str]
    repl: str | Callable[[re.Match[str]], str]

    def expand(self, m: re.Match[str]) -> str:
        return self.repl(m) if callable(self.repl) else m.expand(self.repl)


@dataclass(frozen=True)
class _Call:
    name: str  # "nfkc", "lower" or "strip"


_Step = _Regex | _Call


def _sub(pattern: str, repl: str | Callable[[re.Match[str]], str]) -> _Regex:
    return _Regex(re.compile(pattern), repl)


_V1: tuple[_Step, ...] = (
    _sub("[\ud800-\udfff]", "\ufffd"),  # lone surrogates cannot be encoded: replace them
    _sub(f"[{_CONTROL}]+", ""),
    _Call("nfkc"),  # width variants, compatibility forms, composed kana
    _Call("lower"),
    _sub(r"\s+", " "),  # \s never matches NUL
    _Call("strip"),  # the space a post may start or end with
    _sub(r"([^\x00])\1\1\1+", r"\1\1\1"),  # elongation: しねえええええ -> しねえええ
)

# -- version 2: undo common evasions (し.ね, ｼ ﾈ, 死ねぇぇぇー, コ口ス, 杀す, タヒね, 4ね) -------
_KATA = "\u30a1-\u30fa\u30fc"  # katakana and the long-vowel mark
_KANJI = "\u3400-\u4dbf\u4e00-\u9fff"
_SEPS = "._~/*+|\u30fb-"  # . _ ~ / * + | ・ - (after NFKC; the hyphen last, literal)
_UNIT = f"[^\\s\\x00\\d{_SEPS}]"  # a character that can be spelled out between separators
_JA = f"[\u3041-\u3096{_KATA}{_KANJI}]"
_LOOKALIKE = dict(zip("口力三工二卜夕八才千", "ロカミエニトタハオチ"))  # kanji that pass for katakana
_SUBSTITUTES = {"杀": "殺", "莫迦": "馬鹿"}  # a simplified kanji and an old spelling


def _kana_vowel(c: str) -> str:
    """The vowel a kana ends in ("a" for カ and か), or "" (ン, っ, ー, other characters)."""
    name = unicodedata.name(c, "")
    if not (name.startswith("HIRAGANA LETTER") or name.startswith("KATAKANA LETTER")):
        return ""
    return name[-1].lower() if name[-1] in "AEIOU" and name.split()[-1] != "N" else ""


_VOWELS = {c: _kana_vowel(c) for c in map(chr, range(0x3041, 0x30FB)) if _kana_vowel(c)}
_PLAIN_VOWELS = "あいうえおアイウエオ"
_KATA_SET = {chr(c) for c in range(0x30A1, 0x30FB)} | {"ー"}
_KANJI_RE = re.compile(f"[{_KANJI}]")


def _before(m: re.Match[str], k: int = 1) -> str:
    i = m.start() - k
    return m.string[i] if i >= 0 else ""


def _after(m: re.Match[str], k: int = 0) -> str:
    i = m.end() + k
    return m.string[i] if i < len(m.string) else ""


def _drop_echo(m: re.Match[str]) -> str:
    """キモオオ -> キモ: a run of the vowel the previous kana ends in is elongation."""
    vowel = _VOWELS.get(_before(m), "")
    return "" if vowel and all(_VOWELS[c] == vowel for c in m.group()) else m.group()


def _lookalike(m: re.Match[str]) -> str:
    """コ口ス -> コロス: a kanji that passes for katakana, next to katakana and not to kanji."""
    prev, nxt = _before(m), _after(m)
    if (prev in _KATA_SET and not _KANJI_RE.match(nxt)) or (nxt in _KATA_SET and not _KANJI_RE.match(prev)):
        return _LOOKALIKE[m.group()]
    return m.group()


def _death_wish(m: re.Match[str]) -> str:
    """タヒね, 4ね, 〇ね, 氏ね -> 死ね; not 4ねん, 田中氏ね, 40ね."""
    head = m.group()
    if head == "タヒ":
        return "死"
    if _after(m, 1) == "ん":
        return head
    prev = _before(m)
    if (head == "4" and prev.isdigit()) or (head in "氏市" and _KANJI_RE.match(prev)):
        return head
    return "死"


def _join_units(m: re.Match[str]) -> str:
    return re.sub(f"[ {_SEPS}]", "", m.group())


_V2: tuple[_Step, ...] = _V1[:-1] + (
    _sub(r"https?://[^\s\x00]+", "url"),  # links: one token, not spelled-out characters
    # characters spelled out with separators: し.ね, 死_ん_で, 生・ま・れ・て, シ ン デ -> joined;
    # spaces only between three or more Japanese characters, so English words and line breaks
    # turned into spaces stay apart. (Each pattern starts with its separator, so the regex
    # engine can skip to candidates.)
    _sub(f"[{_SEPS}](?<={_UNIT}[{_SEPS}]){_UNIT}(?:[{_SEPS}]{_UNIT})*", _join_units),
    _sub(f" (?<={_JA} ){_JA}(?: {_JA})+", _join_units),
    # elongation: runs of long-vowel marks or small kana go, other runs keep two, and a run of
    # the vowel the previous kana ends in goes (死ねぇぇぇ, 殺すーーー, キモオオ)
    _sub("[ー〜~ぁぃぅぇぉゃゅょァィゥェォャュョ]{2,}", ""),
    _sub(r"([^\x00])\1\1+", r"\1\1"),
    _sub(f"[{_PLAIN_VOWELS}](?<=[\u3041-\u3096\u30a1-\u30fa][{_PLAIN_VOWELS}])[{_PLAIN_VOWELS}]+", _drop_echo),
    _sub("[口力三工二卜夕八才千]", _lookalike),
    _sub("杀|莫迦", lambda m: _SUBSTITUTES[m.group()]),
    _sub("タヒ(?=[ねんぬのにだ])|[4〇○◯●氏市](?=ね)", _death_wish),
)

# -- version 3: evasions undone only where a death wish or threat is the likely reading -------
# (あの市ね、 この問題は○ね and あと4ね! stay), new spellings (死…ね, 死🔥ね, 死●, 殺＊, ѕhine with a
# Cyrillic ѕ, shine / korosu / kill you as romaji words), and every step linear with a small
# constant: contexts are decided by the patterns, Python is called only to pick a replacement.

_EMOJI = "\U0001f000-\U0001faff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff"
_MASKS = "●○◯〇◎■□◆◇×✕*"  # 伏字: a character masked by a symbol (＊ is * after NFKC)
# padding between the characters of 死ね, 殺す, しね: separators, ellipses, masks, emoji, spaces
_PAD = f"[ .…‥・_~〜/|+\\-★☆♪♡♥{_MASKS}{_EMOJI}]"
# what may follow the ね of a death wish: end of post, punctuation, laughter, emoji, よ/や/ば/っ,
# an insult or another death wish; not 、 or , (あの市ね、財政が), nor a word (4ねん, 市ねぎ)
_TAIL = (
    f"(?:\\Z|[\\x00 。.!?w草…♪・ー〜~\"'」』)\\]{_EMOJI}]|[よやばっ死4〇○◯●氏市]|タヒ"
    "|カス|クズ|ゴミ|ボケ|かす|くず|ごみ|ぼけ|お前|おまえ)"
)
_NUMBERISH = "0-9〇○◯●×✕=:*+\\-/対位点問"  # 3-4ね, 〇〇ね, 〇×ね, 第4問
_COUNTING = ("あと", "残り", "残", "第", "全", "計", "約", "最低", "最大", "ラスト", "たった", "正解", "答え", "解答")
# "お前は〇ね" is a death wish although "正解は〇ね" is not: a particle after a second person
_YOU = {
    1: ("君",),
    2: ("お前", "貴様", "きみ", "キミ"),
    3: ("おまえ", "オマエ", "てめえ", "テメエ", "てめー", "きさま", "あんた", "アンタ", "お前ら", "あなた"),
}
_HEAD = "[4〇○◯●]"
_AFTER_YOU = "|".join(f"(?<=(?:{'|'.join(words)})[はがも]{_HEAD})" for words in _YOU.values())
# (each branch starts with a character, so the regex engine can skip to candidates)
_DEATH_V3 = (
    "タヒ(?=[ねんぬのにだ])"
    # 氏 / 市 not after a name or place (山田氏, ヤマダ氏, a氏, 横浜市, あの市, わが市)
    f"|[氏市](?<![{_KANJI}{_KATA}a-z0-9の][氏市])(?<!わが[氏市])(?=ね{_TAIL})"
    # 4 / 〇 not in a count, score or answer (あと4ね, 3-4ね, 正解は〇ね, この問題は○ね)
    f"|{_HEAD}(?:(?<![{_NUMBERISH}はがのもと]{_HEAD})|{_AFTER_YOU})"
    + "".join(f"(?<!{w}{_HEAD})" for w in _COUNTING)
    + f"(?=ね{_TAIL})"
)

# Cyrillic and Greek letters that look like Latin ones (ѕhine, kоrosu), mapped before lower-casing
_CONFUSABLE = str.maketrans(
    "АВЕКМНОРСТХУІЈЅаеорсухѕіјһԁкмнтвѵӏΑΒΕΖΗΙΚΜΝΟΡΤΥΧαοικνρτυεηϲϳ",
    "ABEKMHOPCTXYIJSaeopcyxsijhdkmhtbvlABEZHIKMNOPTYXaoikvptuencj",
)
_ROMAJI = {"shine": "死ね", "sine": "死ね", "korosu": "殺す", "kill you": "殺す", "kill u": "殺す"}
_LETTER = "A-Za-z\u0370-\u052f"  # Latin, Greek, Cyrillic


def _confusable(m: re.Match[str]) -> str:
    """ѕhine (Cyrillic ѕ) -> shine: a word mixing Latin and look-alike letters, or spelling a romaji threat."""
    word = m.group()
    latin = word.translate(_CONFUSABLE)
    if latin.isascii() and (latin.lower() in _ROMAJI or any(c.isascii() for c in word)):
        return latin
    return word


def _unpad(ahead: str, *after: str) -> str:
    """Padding (one character, then the rest) right after one of ``after``, before ``ahead``."""
    behind = "|".join(f"(?<={a}{_PAD})" for a in after)
    return f"{_PAD}(?:{behind}){_PAD}*(?={ahead})"


_NOT_PARTICLE = "".join(c for c in map(chr, range(0x3041, 0x30FB)) if c not in "はもがをでっ・")

_V3: tuple[_Step, ...] = (
    *_V2[:3],  # surrogates, controls, NFKC
    # a word of Latin letters with Cyrillic or Greek look-alikes (it starts at a letter that no
    # letter precedes, so a long word is scanned once)
    _sub(
        f"[{_LETTER}](?<![{_LETTER}][{_LETTER}])(?:(?<=[\u0370-\u052f])|[A-Za-z]*[\u0370-\u052f])[{_LETTER}]*",
        _confusable,
    ),
    *_V2[3:6],  # lower case, white space, strip
    # 伏字: 死●, 殺＊ at the end of a clause (before separators are joined: 殺*ぞ is not 殺ぞ)
    _sub(f"[{_MASKS}](?<=死[{_MASKS}])[{_MASKS}]*(?=\\Z|[\\x00 。.!?w草…♪ー〜~よや]|{_PAD})", "ね"),
    _sub(f"[{_MASKS}](?<=殺[{_MASKS}])[{_MASKS}]*(?=\\Z|[\\x00 。.!?w草…♪ー〜~よぞ]|{_PAD})", "す"),
    *_V2[6:12],  # links, separators, elongation, vowel echoes (as in version 2)
    # look-alike kanji, the rule of version 2 decided by the pattern (one dict look-up per hit)
    _sub(
        f"(?s:[口力三工二卜夕八才千](?:(?<=[{_KATA}].)(?![{_KANJI}])|(?<![{_KANJI}].)(?=[{_KATA}])))",
        lambda m: _LOOKALIKE[m.group()],
    ),
    _V2[13],  # 杀, 莫迦
    # romaji as whole words, not next to another Latin word (rise and shine, sine wave, sine関数);
    # kill you anywhere as words
    _sub(
        "s(?<![a-z0-9']s)(?<![a-z] s)(?<![a-z]-s)h?ine(?![a-z0-9'])(?! ?[a-z])(?![\u3400-\u4dbf\u4e00-\u9fff])"
        "|k(?<![a-z0-9']k)(?:(?<![a-z] k)(?<![a-z]-k)orosu(?![a-z0-9'])(?! ?[a-z])(?![\u3400-\u4dbf\u4e00-\u9fff])"
        "|ill (?:you|u)(?![a-z0-9']))",
        lambda m: _ROMAJI[m.group()],
    ),
    # padding between the characters: 死…ね, 死🔥ね, 殺 す; し・・ね only at the end of a clause
    # and not inside a word (だし…ねぇ)
    _sub(_unpad("[ねネ]", "死") + "|" + _unpad("[すスしシさせそ]", "殺"), ""),
    _sub(_unpad(f"[ねネ]{_TAIL}", "[しシ]") + f"(?<![{_NOT_PARTICLE}][しシ]{_PAD})", ""),
    _sub(_DEATH_V3, "死"),
)

STEPS: dict[int, tuple[_Step, ...]] = {1: _V1, 2: _V2, 3: _V3}
LATEST = max(STEPS)


def _steps(version: int) -> tuple[_Step, ...]:
    try:
        return STEPS[version]
    except KeyError:
        raise ValueError(f"unknown normaliser version {version!r}; known: {sorted(STEPS)}") from None


def _apply(step: _Step, text: str) -> str:
    if isinstance(step, _Regex):
        return step.pattern.sub(step.repl, text)
    if step.name == "nfkc":
        return nfkc(text)
    if step.name == "strip":  # posts are joined by SEP: strip around every SEP too
        return text.replace(" " + SEP, SEP).replace(SEP + " ", SEP).strip(" ")
    return text.lower()


def normalize(text: str, version: int = LATEST) -> str:
    """Normalise one post."""
    text = text.replace(SEP, "")
    for step in _steps(version):
        text = _apply(step, text)
    return text


def normalize_batch(texts: Sequence[str], version: int = LATEST) -> list[str]:
    """Normalise many posts at once; same result as ``[normalize(t) for t in texts]``."""
    if not texts:
        return []
    big = SEP.join(texts)
    if big.count(SEP) != len(texts) - 1:  # some post holds NUL itself
        big = SEP.join(t.replace(SEP, "") for t in texts)
    for step in _steps(version):
        big = _apply(step, big)
    return big.split(SEP)


def normalize_with_offsets(text: str, version: int = LATEST) -> tuple[str, np.ndarray]:
    """Normalise one post and map each output character back to the input.

    Returns
    -------
    normalized : str
        Equal to ``normalize(text, version)``.
    spans : ndarray of shape (len(normalized), 2)
        ``text[spans[i, 0]:spans[i, 1]]`` is the input that became ``normalized[i]``.
    """
    chars = list(text)
    spans = [(i, i + 1) for i in range(len(text))]
    keep = [k for k, c in enumerate(chars) if c != SEP]
    cur = "".join(chars[k] for k in keep)
    spans = [spans[k] for k in keep]
    for step in _steps(version):
        cur, spans = _apply_tracked(step, cur, spans)
    return cur, np.asarray(spans, dtype=np.int64).reshape(-1, 2)


Span = tuple[int, int]


def _merge(spans: list[Span]) -> Span:
    return (min(s for s, _ in spans), max(e for _, e in spans))


def _apply_tracked(step: _Step, text: str, spans: list[Span]) -> tuple[str, list[Span]]:
    if isinstance(step, _Regex):
        return _regex_tracked(step, text, spans)
    if step.name == "strip":
        start = len(text) - len(text.lstrip(" "))
        end = len(text.rstrip(" "))
        return text[start:end], spans[start:end]
    if step.name == "lower":
        out: list[str] = []
        new: list[Span] = []
        for c, span in zip(text, spans):
            low = c.lower()
            out.append(low)
            new.extend([span] * len(low))
        result = "".join(out)
        if result == text.lower():  # final sigma and friends depend on context
            return result, new
        return _whole(text.lower(), spans)
    return _nfkc_tracked(text, spans)


def _whole(result: str, spans: list[Span]) -> tuple[str, list[Span]]:
    """Fallback: every output character maps to the whole input."""
    whole = _merge(spans) if spans else (0, 0)
    return result, [whole] * len(result)


def _regex_tracked(step: _Regex, text: str, spans: list[Span]) -> tuple[str, list[Span]]:
    out: list[str] = []
    new: list[Span] = []
    pos = 0
    for m in step.pattern.finditer(text):
        out.append(text[pos : m.start()])
        new.extend(spans[pos : m.start()])
        repl = step.expand(m)
        if repl:
            whole = _merge(spans[m.start() : m.end()])  # no step matches the empty string
            out.append(repl)
            new.extend([whole] * len(repl))
        pos = m.end()
    out.append(text[pos:])
    new.extend(spans[pos:])
    return "".join(out), new


def _nfkc_tracked(text: str, spans: list[Span]) -> tuple[str, list[Span]]:
    """NFKC in segments that normalise independently (a base character and its marks)."""
    target = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    new: list[Span] = []
    seg_start = 0
    for i in range(1, len(text) + 1):
        if i < len(text):
            a, b = text[seg_start:i], text[i]
            joined = unicodedata.normalize("NFKC", a + b)
            if joined != unicodedata.normalize("NFKC", a) + unicodedata.normalize("NFKC", b):
                continue  # b combines with the segment: keep it inside
        seg = unicodedata.normalize("NFKC", text[seg_start:i])
        out.append(seg)
        new.extend([_merge(spans[seg_start:i])] * len(seg))
        seg_start = i
    result = "".join(out)
    if result != target:
        return _whole(target, spans)
    return result, new
