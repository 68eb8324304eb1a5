"""Reason codes for moderators: why a post was called an attack, where, in one Japanese line.

:meth:`yaiba.Model.reasons` gives a :class:`Reason` for each post predicted ``attack``: the
attack kind, the phrases that drove the decision as character offsets into the ORIGINAL post
(:func:`yaiba.core.attribution.driving_phrases`), and a one-line Japanese explanation
(``人格や容姿・能力をおとしめる侮辱表現（『クズ』）が含まれています``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from yaiba.core.attribution import Phrase
from yaiba.text.display import clip

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
    shown = [clip(p.text) for p in phrases]
    quoted = "（" + "、".join(f"『{s}』" for s in shown) + "）" if shown else ""
    return template.format(q=quoted)
