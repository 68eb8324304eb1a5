"""Pre-post nudge: a gentle note before a draft that may hurt someone is sent.

``nudge(draft)`` returns None for an acceptable draft, or a :class:`Nudge` with a short
Japanese message quoting the phrase that may hurt, its spans in the draft, and a suggestion
to say it as criticism of the conduct instead.

The rule is ``P(attack) >= threshold``. The shipped threshold lives in
``resources/nudge_rule.json`` with how it was derived: out-of-fold P(attack) from grouped
k-fold cross-validation on the project's corpus (minimal pairs never split across folds),
and the threshold that leaves the widest margin on both targets, at most
``max_criticism`` of the ``criticism`` rows nudged and at least ``min_attack`` of the
``attack`` rows nudged. Re-derive it whenever the corpus or the training recipe changes::

    python -m yaiba.nudging data/corpus.csv -o src/yaiba/resources/nudge_rule.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .reasons import Phrase, _clip, _phrases
from .validation import check_texts

if TYPE_CHECKING:
    from .model import Model

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
        raise ValueError(f"{where}: missing or unreadable nudge rule ({exc})") from None
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"{where}: threshold must be in (0, 1), got {threshold}")
    return NudgeRule(threshold, record)


@lru_cache(maxsize=1)
def _default_model() -> Model:
    from .model import load

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
        (:func:`derive_threshold`).

    Examples
    --------
    >>> import yaiba
    >>> yaiba.nudge("今日の采配は最悪。説明してほしい") is None  # doctest: +SKIP
    True
    """
    (draft,) = check_texts([draft], "draft")
    if threshold is None:
        threshold = load_rule().threshold
    elif not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")
    model = _default_model() if model is None else model
    if model.positive_label is None:
        raise ValueError(f"the model has no positive label (classes {model.classes_}); nudge needs one")
    col = model.classes_.index(model.positive_label)
    p = float(model.predict_proba([draft])[0, col])
    if p < threshold or not draft.strip():
        return None
    kind, confident = None, False
    if model.kind_estimator is not None:  # the kind head's view, whatever the label decision
        kp = model.kind_estimator.predict_proba([draft])[0]
        kind, confident = str(model.kinds_[int(np.argmax(kp))]), float(kp.max()) >= KIND_CONFIDENCE
    phrases = _phrases(model, draft, col, max_phrases=2, share=0.35)
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
    quoted = "、".join(f"『{_clip(ph.text)}』" for ph in phrases)
    if kind == "repost_attack":
        return "この投稿は、誰かへの中傷に賛同して広めることになるかもしれません" + (f"（{quoted}）。" if quoted else "。")
    if quoted:
        return f"{quoted}という表現は、読んだ人を深く傷つけるかもしれません。"
    return "この投稿は、読んだ人を深く傷つけるかもしれません。"


# -- deriving the rule ---------------------------------------------------------------------

def choose_threshold(
    p_criticism: np.ndarray, p_attack: np.ndarray, *, max_criticism: float = MAX_CRITICISM,
    min_attack: float = MIN_ATTACK,
) -> tuple[float, dict[str, float]]:
    """The threshold leaving the widest margin on both targets, from held-out P(attack).

    Among cut points between observed scores, maximise ``min(max_criticism - c(t),
    a(t) - min_attack)`` where c(t) and a(t) are the shares of criticism and attack rows with
    P(attack) >= t; ties go to the middle of the best run. Returns the threshold and the rates
    at it.
    """
    pc = np.sort(np.asarray(p_criticism, dtype=np.float64))
    pa = np.sort(np.asarray(p_attack, dtype=np.float64))
    if not len(pc) or not len(pa):
        raise ValueError("need held-out scores of both criticism and attack rows")
    values = np.unique(np.concatenate([pc, pa, [0.0, 1.0]]))
    cuts = np.concatenate([[values[0]], (values[:-1] + values[1:]) / 2, [np.nextafter(values[-1], 2)]])
    cuts = cuts[(cuts > 0) & (cuts <= 1)]
    c = (len(pc) - np.searchsorted(pc, cuts, side="left")) / len(pc)  # share >= cut
    a = (len(pa) - np.searchsorted(pa, cuts, side="left")) / len(pa)
    slack = np.minimum(max_criticism - c, a - min_attack)
    best = np.flatnonzero(np.isclose(slack, slack.max()))
    pick = best[len(best) // 2]
    t = float(cuts[pick])
    return t, {"criticism_nudged": float(c[pick]), "attack_nudged": float(a[pick]), "slack": float(slack[pick])}


def derive_threshold(
    texts: Sequence[str], labels: Sequence[str], groups: Sequence[str] | None = None, *,
    folds: int = 5, max_criticism: float = MAX_CRITICISM, min_attack: float = MIN_ATTACK,
    random_state: int = 0, **train_options: Any,
) -> dict[str, Any]:
    """Derive the nudge threshold by grouped k-fold cross-validation on labelled posts.

    Parameters
    ----------
    texts, labels
        Labelled posts (labels include ``criticism`` and ``attack``).
    groups : optional
        Group of each post (e.g. ``pair_id``; '' for none): a group never straddles folds,
        so a minimal pair's members are never one in training and one held out.
    **train_options
        Passed to :func:`yaiba.train` (use the recipe of the model the rule is for).

    Returns
    -------
    dict
        ``threshold``, the cross-validated rates at it, and the settings.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    from .model import train

    items = check_texts(texts)
    y = np.asarray([str(v) for v in labels])
    if len(y) != len(items):
        raise ValueError(f"got {len(items)} texts but {len(y)} labels")
    g = np.asarray([str(v) if v else f"row{i}" for i, v in enumerate(groups)] if groups is not None
                   else [f"row{i}" for i in range(len(items))])
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=random_state)
    oof = np.full(len(items), np.nan)
    for train_idx, test_idx in cv.split(np.zeros(len(y)), y, g):
        model = train([items[i] for i in train_idx], y[train_idx], **train_options)
        oof[test_idx] = model.score([items[i] for i in test_idx])
    t, rates = choose_threshold(oof[y == "criticism"], oof[y == "attack"],
                                max_criticism=max_criticism, min_attack=min_attack)
    rates["neutral_nudged"] = float((oof[y == "neutral"] >= t).mean()) if (y == "neutral").any() else float("nan")
    return {
        "rule": "nudge when P(attack) >= threshold",
        "threshold": round(t, 6),
        "cross_validation": {k: round(v, 4) for k, v in rates.items()},
        "targets": {"max_criticism_nudged": max_criticism, "min_attack_nudged": min_attack},
        "method": (f"{folds}-fold StratifiedGroupKFold (groups: minimal pairs) out-of-fold P(attack) of "
                   "yaiba.train models; threshold maximising the smaller margin to the two targets"),
        "rows": {str(k): int((y == k).sum()) for k in np.unique(y)},
        "train_options": train_options,
        "random_state": random_state,
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m yaiba.nudging CORPUS... -o RULE.json``: derive and write the rule."""
    import pandas as pd

    from . import __version__

    p = argparse.ArgumentParser(prog="python -m yaiba.nudging", description="derive the nudge threshold")
    p.add_argument("data", nargs="+", help="labelled CSV file(s) (the training corpus of the model)")
    p.add_argument("-o", "--output", default="-", help="where to write the rule JSON (default stdout)")
    p.add_argument("--text-col", default="text")
    p.add_argument("--label-col", default="label")
    p.add_argument("--group-col", default="pair_id", help="minimal-pair column ('' for none)")
    p.add_argument("--folds", type=int, default=5)
    args = p.parse_args(list(argv) if argv is not None else None)
    frames, sources = [], []
    for path in args.data:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        for col in (args.text_col, args.label_col, *([args.group_col] if args.group_col else [])):
            if col not in df.columns:
                print(f"{path}: no column {col!r}", file=sys.stderr)
                return 1
        frames.append(df)
        sources.append({"path": Path(path).as_posix(), "rows": len(df), "sha256": _sha256(Path(path))})
    data = pd.concat(frames, ignore_index=True)
    groups = data[args.group_col].tolist() if args.group_col else None
    record = derive_threshold(data[args.text_col].tolist(), data[args.label_col].tolist(), groups,
                              folds=args.folds)
    record["data"] = sources
    record["derived_with"] = {"yaiba": __version__, "date": dt.date.today().isoformat()}
    text = json.dumps(record, ensure_ascii=False, indent=1) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}: threshold {record['threshold']} "
              f"(cv: {record['cross_validation']})", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
