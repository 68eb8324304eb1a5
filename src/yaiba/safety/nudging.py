"""Pre-post nudge: a gentle note before a draft that may hurt someone is sent.

``nudge(draft)`` returns None for an acceptable draft, or a :class:`Nudge` with a short
Japanese message quoting the phrase that may hurt, its spans in the draft, and a suggestion
to say it as criticism of the conduct instead.

The rule is ``P(attack) >= threshold``. The shipped threshold lives in
``resources/nudge_rule.json`` with how it was derived: out-of-fold P(attack) from grouped
k-fold cross-validation on the project's corpus (minimal pairs never split across folds),
and the threshold that leaves the widest margin on both targets, at most
``max_criticism`` of the ``criticism`` rows nudged and at least ``min_attack`` of the
``attack`` rows nudged (:mod:`yaiba.recipe.nudge_rule`). Re-derive it whenever the corpus or the
training recipe changes: ``make nudge-rule``.

Size cap: the whole draft is scored, however long, but the phrases quoted are looked for in
at most :data:`yaiba.core.attribution.MAX_CHARS` (20,000) characters of it: the window that
leans most towards ``attack``. Memory stays bounded (well under 300 MB for a draft of
200,000 characters) and spans are offsets into the whole draft.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import numpy as np

from yaiba.core.attribution import Phrase, driving_phrases
from yaiba.errors import YaibaError
from yaiba.model import Model, load
from yaiba.text.display import clip
from yaiba.validation import check_probability, check_texts

RULE_FILE = "nudge_rule.json"
MAX_CRITICISM, MIN_ATTACK = 0.05, 0.90
KIND_CONFIDENCE = 0.5  # below this, the suggestion does not assume a kind

OPENING = "送信する前に、少しだけ見直してみませんか。"
SUGGESTIONS: dict[str | None, str] = {
    "insult": "人そのものではなく、その人の行動や発言のどこが問題なのかを具体的に書くと、批判として伝わります。",
    "death_wish": "相手の死や消滅を願う言葉は、強い苦しみを与えます。怒りのもとになった出来事について、具体的に書いてみませんか。",
    "threat": "危害をほのめかす言葉は、脅迫と受け取られることがあります。問題だと思う行動について、落ち着いて伝える形に書き直してみませんか。",
    "defamation": "確かな根拠のない話を事実のように書くと、人の名誉を傷つけます。確認できる事実と、それについてのあなたの意見に分けて書いてみませんか。",
    "discrimination": "国籍・性別・障害などの属性でひとくくりにすると、多くの人を傷つけます。特定の行動についての意見として書き直してみませんか。",
    "doxxing": "個人の名前・住所・勤務先などを書き込むと、その人の生活を危険にさらします。その情報は書かずに、問題だと思う行動について書いてみませんか。",
    "repost_attack": "他の人の中傷を広めると、同じように相手を傷つけることになります。反対の立場で引用するなら、そのことをはっきり書きましょう。",
    None: "人そのものではなく、その人の行動や発言への意見として書き直してみませんか。",
}


@dataclass(frozen=True)
class Nudge:
    """A gentle note about a draft.

    Attributes
    ----------
    message : str
        Japanese, quoting the phrase(s) that may hurt.
    spans : tuple of (int, int)
        Offsets of those phrases in the draft, strongest first.
    suggestion : str
        How to say it as criticism of the conduct instead.
    probability : float
        P(attack) of the draft.
    kind : str or None
        The attack kind the model sees (None without a kind head). The message and
        suggestion are kind-specific only when the kind head gives it >= KIND_CONFIDENCE.
    phrases : tuple of Phrase
        The phrases behind ``spans``, with their weights.
    """

    message: str
    spans: tuple[tuple[int, int], ...]
    suggestion: str
    probability: float
    kind: str | None
    phrases: tuple[Phrase, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render(self, draft: str) -> str:
        """The message, the draft with the phrases in 【】, and the suggestion."""
        out, pos = [], 0
        for a, b in sorted(self.spans):
            out += [draft[pos:a], "【", draft[a:b], "】"]
            pos = b
        marked = "".join(out) + draft[pos:]
        return f"{self.message}\n\n  {marked}\n\n{self.suggestion}"


@dataclass(frozen=True)
class NudgeRule:
    """The shipped rule: nudge when P(attack) >= ``threshold``; ``record`` says how it was derived."""

    threshold: float
    record: dict[str, Any]


@lru_cache(maxsize=1)
def load_rule() -> NudgeRule:
    """The nudge rule shipped in ``yaiba/resources/nudge_rule.json``."""
    where = f"yaiba/resources/{RULE_FILE}"
    try:
        record = json.loads(files("yaiba").joinpath("resources", RULE_FILE).read_text(encoding="utf-8"))
        threshold = float(record["threshold"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise YaibaError(f"{where}: missing or unreadable nudge rule ({exc})") from None
    if not 0.0 < threshold < 1.0:
        raise YaibaError(f"{where}: threshold must be in (0, 1), got {threshold}")
    return NudgeRule(threshold, record)


@lru_cache(maxsize=1)
def _default_model() -> Model:
    return load()


def nudge(draft: str, model: Model | None = None, *, threshold: float | None = None) -> Nudge | None:
    """None if ``draft`` is fine to post, else a :class:`Nudge` pointing at what may hurt.

    Parameters
    ----------
    draft : str
        The post about to be sent.
    model : yaiba.Model, optional
        Default: the shipped model.
    threshold : float, optional
        Nudge when P(attack) >= this. Default: the shipped rule (:func:`load_rule`), derived
        for the shipped training recipe; derive your own for a model of your own
        (:func:`yaiba.recipe.nudge_rule.derive_threshold`).

    A draft longer than ``MAX_CHARS`` characters is scored whole; its phrases come from its
    most telling ``MAX_CHARS``-character window (see the module docstring).

    Examples
    --------
    >>> import yaiba
    >>> yaiba.nudge("今日の采配は最悪。説明してほしい") is None  # doctest: +SKIP
    True
    """
    (draft,) = check_texts([draft], "draft")
    threshold = load_rule().threshold if threshold is None else check_probability(threshold)
    model = _default_model() if model is None else model
    if model.positive_label is None:
        raise ValueError(f"the model has no positive label (classes {model.classes_}); nudge needs one")
    col = model.classes_.index(model.positive_label)
    matrix = model.features([draft])  # featurised once for both heads
    p = float(model.estimator.proba_from_matrix(matrix)[0, col])
    if p < threshold or not draft.strip():
        return None
    kind, confident = None, False
    if model.kind_estimator is not None:  # the kind head's view, whatever the label decision
        kp = model.kind_estimator.proba_from_matrix(matrix)[0]
        kind, confident = str(model.kinds_[int(np.argmax(kp))]), float(kp.max()) >= KIND_CONFIDENCE
    phrases = driving_phrases(model.estimator, draft, col, max_phrases=2, share=0.35)
    message = OPENING + _body(kind if confident else None, phrases)
    return Nudge(
        message=message,
        spans=tuple((ph.start, ph.end) for ph in phrases),
        suggestion=SUGGESTIONS.get(kind if confident else None, SUGGESTIONS[None]),
        probability=p,
        kind=kind,
        phrases=phrases,
    )


def _body(kind: str | None, phrases: Sequence[Phrase]) -> str:
    quoted = "、".join(f"『{clip(ph.text)}』" for ph in phrases)
    if kind == "repost_attack":
        return "この投稿は、誰かへの中傷に賛同して広めることになるかもしれません" + (
            f"（{quoted}）。" if quoted else "。"
        )
    if quoted:
        return f"{quoted}という表現は、読んだ人を深く傷つけるかもしれません。"
    return "この投稿は、読んだ人を深く傷つけるかもしれません。"
