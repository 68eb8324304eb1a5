"""Reason codes for moderators: why a post was called an attack, where, in one Japanese line.

For each post predicted ``attack`` a :class:`Reason` names the attack kind, the phrases that
drove the decision as character offsets into the ORIGINAL post, and a one-line Japanese
explanation (``人格や容姿・能力をおとしめる侮辱表現（『クズ』）が含まれています``).

How the phrases are found: the post is cut into readable phrases (:mod:`yaiba.phrases`);
each phrase is blanked out in turn and the post re-scored, all variants in one batch. A
phrase's ``weight`` is how much the attack log-odds fall without it, so it measures what
drove this model's decision, for any model. Phrases that pull at least ``share`` of the
strongest one's weight are kept, neighbours are merged (``人間の`` + ``クズだから`` ->
``人間のクズだから``) and re-scored, and the strongest ``max_phrases`` are reported.
Per-n-gram evidence (:meth:`yaiba.Model.explain`) is finer but less readable: for a linear
model over hashed n-grams, single characters such as ``の`` often carry as much weight as
``クズ``; a phrase's weight sums all of its n-grams, characters and word pairs alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .normalize import normalize
from .phrases import Chunk, chunk
from .validation import check_texts

BATCH = 2048  # posts featurised at once to find the attacks

if TYPE_CHECKING:
    from .model import Model

MAX_CANDIDATES = 64  # phrases blanked out per post; long posts keep the strongest by explain()

KIND_MESSAGES: dict[str | None, str] = {
    "insult": "人格や容姿・能力をおとしめる侮辱表現{q}が含まれています",
    "defamation": "根拠を示さずに人や団体の評判を落とす事実の主張{q}が含まれています",
    "threat": "相手や家族の身体・生活への危害をほのめかす脅迫的な表現{q}が含まれています",
    "death_wish": "相手の死や消滅を願う表現{q}が含まれています",
    "discrimination": "国籍・性別・障害などの属性を理由にした攻撃{q}が含まれています",
    "doxxing": "個人の本名・住所・勤務先などをさらす、または特定や凸を呼びかける表現{q}が含まれています",
    "repost_attack": "他人の誹謗中傷を賛同して広める再投稿・引用{q}です",
    None: "誹謗中傷にあたる可能性の高い表現{q}が含まれています",
}


@dataclass(frozen=True)
class Phrase:
    """A phrase that drove the decision: ``text == post[start:end]`` of the original post.

    ``weight`` is the fall in the attack log-odds when the phrase is blanked out.
    """

    start: int
    end: int
    text: str
    weight: float


@dataclass(frozen=True)
class Reason:
    """Why one post was predicted ``attack``.

    Attributes
    ----------
    text : str
        The post as given.
    probability : float
        P(attack).
    kind : str or None
        Attack kind (:meth:`yaiba.Model.predict_kind`); None when the model has no kind head.
    phrases : tuple of Phrase
        The phrases that drove the decision, strongest first, offsets into ``text``.
    message : str
        One line of Japanese for a moderator, naming the kind and quoting the phrases.
    """

    text: str
    probability: float
    kind: str | None
    phrases: tuple[Phrase, ...]
    message: str

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """``(start, end)`` of each phrase, strongest first."""
        return tuple((p.start, p.end) for p in self.phrases)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"attack/{self.kind or '-'} (p={self.probability:.2f})  {self.message}"


def message_for(kind: str | None, phrases: Sequence[Phrase]) -> str:
    """The moderator's one-line Japanese explanation of an attack of ``kind``."""
    template = KIND_MESSAGES.get(kind, KIND_MESSAGES[None])
    shown = [_clip(p.text) for p in phrases]
    quoted = "（" + "、".join(f"『{s}』" for s in shown) + "）" if shown else ""
    return template.format(q=quoted)


def reasons(
    model: Model, texts: Iterable[str], *, max_phrases: int = 3, share: float = 0.35
) -> list[Reason | None]:
    """A :class:`Reason` for each post predicted ``attack``; None for the others.

    Parameters
    ----------
    model : yaiba.Model
        A model with a positive label (``"attack"``).
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
    if model.positive_label is None:
        raise ValueError(f"this model has no positive label (classes {model.classes_}); reasons need one")
    col = model.classes_.index(model.positive_label)
    out: list[Reason | None] = [None] * len(items)
    for start in range(0, len(items), BATCH):
        proba, labels, kinds = model.predict_batch(items[start : start + BATCH])  # featurised once
        for k, (label, kind) in enumerate(zip(labels, kinds)):
            if label != model.positive_label:
                continue
            text = items[start + k]
            phrases = _phrases(model, text, col, max_phrases, share)
            out[start + k] = Reason(
                text=text,
                probability=float(proba[k, col]),
                kind=kind,
                phrases=phrases,
                message=message_for(kind, phrases),
            )
    return out


def _log_odds(model: Model, texts: list[str], col: int) -> np.ndarray:
    """Attack log-odds from the calibrated logits (no float32 saturation at p = 1)."""
    z = model.estimator.logits_from_matrix(model._matrix(texts)).astype(np.float64)
    others = np.delete(z, col, axis=1)
    top = others.max(axis=1, keepdims=True)
    return z[:, col] - (top[:, 0] + np.log(np.exp(others - top).sum(axis=1)))


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with each span replaced by one space (a boundary no n-gram crosses)."""
    out, pos = [], 0
    for a, b in sorted(spans):
        out.append(text[pos:a])
        out.append(" ")
        pos = b
    out.append(text[pos:])
    return "".join(out)


def _drops(model: Model, text: str, col: int, groups: list[list[tuple[int, int]]]) -> np.ndarray:
    """Fall in attack log-odds when each group of spans is blanked out (one batch)."""
    z = _log_odds(model, [text] + [_blank(text, g) for g in groups], col)
    return z[0] - z[1:]


def _candidates(model: Model, text: str, found: list[Chunk]) -> list[Chunk]:
    """At most MAX_CANDIDATES chunks: for long posts, those with the most explain() evidence."""
    if len(found) <= MAX_CANDIDATES:
        return found
    exp = model.explain(text, top=10_000, label=model.positive_label)
    score = np.zeros(len(text) + 1)
    for ev in exp.evidence:
        for a, b in ev.spans:
            score[a:b] += ev.weight / len(ev.spans) / max(b - a, 1)
    ranked = sorted(range(len(found)), key=lambda k: -score[found[k].start : found[k].end].sum())
    keep = sorted(ranked[:MAX_CANDIDATES])
    return [found[k] for k in keep]


def _phrases(model: Model, text: str, col: int, max_phrases: int, share: float) -> tuple[Phrase, ...]:
    found = _candidates(model, text, chunk(text, model.featurizer.normalizer))
    if not found:
        return ()
    drops = _drops(model, text, col, [[(c.start, c.end)] for c in found])
    top = float(drops.max())
    if top <= 0:
        return ()
    keep = [k for k, d in enumerate(drops) if d >= share * top]
    # neighbouring kept chunks (nothing but spaces between them) become one phrase
    runs: list[list[int]] = []
    for k in keep:
        gap = text[found[k - 1].end : found[k].start] if k else ""
        if runs and runs[-1][-1] == k - 1 and not normalize(gap, model.featurizer.normalizer).strip():
            runs[-1].append(k)
        else:
            runs.append([k])
    spans = [(found[r[0]].start, found[r[-1]].end) for r in runs]
    weights = [float(drops[r[0]]) if len(r) == 1 else None for r in runs]
    merged = [i for i, w in enumerate(weights) if w is None]
    if merged:
        again = _drops(model, text, col, [[spans[i]] for i in merged])
        for i, w in zip(merged, again):
            weights[i] = float(w)
    order = sorted(range(len(spans)), key=lambda i: (-weights[i], spans[i]))[:max_phrases]
    return tuple(
        Phrase(start=spans[i][0], end=spans[i][1], text=text[spans[i][0] : spans[i][1]], weight=round(weights[i], 4))
        for i in order
    )


def _clip(s: str, width: int = 24) -> str:
    flat = " ".join(s.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
