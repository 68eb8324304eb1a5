"""``POST /v1/score``: yaiba's own batch endpoint, request checking and results.

Request::

    {"posts": ["...", "..."], "reasons": false, "spans": false, "offsets": "codepoints"}

Response: one result per post, in order::

    {"results": [{"label": "attack", "p_attack": 0.98, "p_criticism": 0.0, "p_neutral": 0.02,
                  "kind": "death_wish", "reasons": {...}, "spans": [...]}]}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from yaiba.model import Model, SentenceScore
from yaiba.reasons import Reason
from yaiba.serve.wire import RequestError, describe, probability, utf16_offset

FIELDS = ("posts", "reasons", "spans", "offsets")
OFFSETS = ("codepoints", "utf16")


@dataclass(frozen=True)
class ScoreRequest:
    """A checked ``/v1/score`` request.

    Attributes
    ----------
    posts : list of str
        The posts, in order.
    reasons : bool
        Add reason codes (kind, driving phrases, a Japanese message) to posts labelled attack.
    spans : bool
        Add the sentences of each post with their own scores.
    offsets : str
        ``"codepoints"`` (Python ``str`` indices, the default) or ``"utf16"`` (JavaScript string
        indices) for every ``start``/``end`` in the response.
    """

    posts: list[str]
    reasons: bool = False
    spans: bool = False
    offsets: str = "codepoints"


def parse(value: Any, max_posts: int) -> ScoreRequest:
    """Check a decoded request body; RequestError (400, or 413 over ``max_posts``) naming the fault."""
    if not isinstance(value, dict):
        raise RequestError(
            400, f'the request body must be a JSON object like {{"posts": ["..."]}}, got {describe(value)}'
        )
    unknown = [k for k in value if k not in FIELDS]
    if unknown:
        raise RequestError(
            400, f"unknown field {unknown[0]!r}; the fields are {', '.join(FIELDS)}", field=str(unknown[0])
        )
    if "posts" not in value:
        raise RequestError(400, 'missing field "posts": a list of strings', field="posts")
    posts = value["posts"]
    if not isinstance(posts, list):
        raise RequestError(400, f"posts must be a list of strings, got {describe(posts)}", field="posts")
    if len(posts) > max_posts:
        raise RequestError(
            413,
            f"too many posts: {len(posts)} in one request, at most {max_posts} (yaiba serve --max-posts); "
            "split them over several requests",
            field="posts",
        )
    for i, post in enumerate(posts):
        if not isinstance(post, str):
            raise RequestError(
                400,
                f'posts[{i}] is {describe(post)}, not a string; every post must be a string (use "" for an empty post)',
                field=f"posts[{i}]",
            )
    flags = {}
    for name in ("reasons", "spans"):
        flag = value.get(name, False)
        if not isinstance(flag, bool):
            raise RequestError(400, f"{name} must be true or false, got {describe(flag)}", field=name)
        flags[name] = flag
    offsets = value.get("offsets", "codepoints")
    if offsets not in OFFSETS:
        shown = repr(offsets) if isinstance(offsets, str) else describe(offsets)
        raise RequestError(400, f'offsets must be "codepoints" or "utf16", got {shown}', field="offsets")
    return ScoreRequest(posts, reasons=flags["reasons"], spans=flags["spans"], offsets=offsets)


def score(model: Model, request: ScoreRequest) -> dict[str, Any]:
    """The response body of a checked request: ``{"results": [...]}``, one result per post in order."""
    posts = request.posts
    if request.reasons and model.positive_label is None:
        raise RequestError(400, "this model has no positive label, so it gives no reasons; send reasons: false")
    if request.spans:  # one featurisation pass for the scores and the sentences
        pred, all_sentences = model.predict_batch_with_sentences(posts)
    else:
        pred, all_sentences = model.predict_batch(posts), []
    columns = [(f"p_{c}", model.classes_.index(c)) for c in model.proba_columns]
    results: list[dict[str, Any]] = []
    for row, label, kind in zip(pred.proba, pred.labels, pred.kinds):
        result: dict[str, Any] = {"label": label}
        for name, col in columns:
            result[name] = probability(row[col])
        result["kind"] = kind
        results.append(result)
    offset: Callable[[str], Callable[[int], int]] = utf16_offset if request.offsets == "utf16" else _codepoints
    if request.reasons:
        hit = [i for i, label in enumerate(pred.labels) if label == model.positive_label]
        found = dict(zip(hit, model.reasons([posts[i] for i in hit]))) if hit else {}
        for i, result in enumerate(results):
            reason = found.get(i)
            result["reasons"] = None if reason is None else _reason(reason, offset(posts[i]))
    if request.spans:
        for post, result, sentences in zip(posts, results, all_sentences):
            result["spans"] = _sentences(model, sentences, columns, offset(post))
    return {"results": results}


def _codepoints(text: str) -> Callable[[int], int]:
    return _same


def _same(i: int) -> int:
    return i


def _reason(reason: Reason, at: Callable[[int], int]) -> dict[str, Any]:
    return {
        "kind": reason.kind,
        "probability": probability(reason.probability),
        "message": reason.message,
        "phrases": [
            {"start": at(p.start), "end": at(p.end), "text": p.text, "weight": round(float(p.weight), 6)}
            for p in reason.phrases
        ],
    }


def _sentences(
    model: Model, sentences: Sequence[SentenceScore], columns: list[tuple[str, int]], at: Callable[[int], int]
) -> list[dict[str, Any]]:
    if not sentences:
        return []
    classes = model.classes_
    proba = np.array([[s.proba[c] for c in classes] for s in sentences], dtype=np.float64)
    labels = model.labels_from_proba(proba)
    out = []
    for s, row, label in zip(sentences, proba, labels):
        item: dict[str, Any] = {"start": at(s.start), "end": at(s.end), "text": s.text, "label": label}
        for name, col in columns:
            item[name] = probability(row[col])
        out.append(item)
    return out


__all__ = ["FIELDS", "OFFSETS", "ScoreRequest", "parse", "score"]
