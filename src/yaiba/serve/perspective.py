"""``POST /v1alpha1/comments:analyze``: Perspective API's AnalyzeComment, answered by yaiba.

A client written for Perspective (``commentanalyzer.googleapis.com``) can point at yaiba
instead: the request and response bodies are Perspective's, the attributes are computed from
yaiba's probabilities (:data:`ATTRIBUTE_KINDS` and :func:`attributes`), and errors use
Perspective's envelope, including its typed ``LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE`` record.

Span offsets (``begin``/``end``) count UTF-16 code units, as Perspective's do ("The values
are the UTF-16 codepoint range"): an emoji before a sentence moves it by two.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from yaiba.model import Model
from yaiba.serve.wire import RequestError, describe, probability, utf16_offset

FIELDS = (
    "comment",
    "context",
    "requestedAttributes",
    "languages",
    "doNotStore",
    "clientToken",
    "sessionId",
    "communityId",
    "spanAnnotations",
    "dropUnsupportedAttributes",
)
"""Request fields accepted; ``context``, ``doNotStore``, ``sessionId`` and ``communityId`` are ignored."""

ATTRIBUTE_KINDS: dict[str, tuple[str, ...]] = {
    "SEVERE_TOXICITY": ("threat", "death_wish", "doxxing", "discrimination"),
    "IDENTITY_ATTACK": ("discrimination",),
    "INSULT": ("insult",),
    "THREAT": ("threat", "death_wish"),
}
"""Perspective attributes that are P(attack and one of these kinds), from the model's kind head."""

SCORE_TYPE = "PROBABILITY"
LANGUAGE = "ja"
_JAPANESE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_ERROR_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"


@dataclass(frozen=True)
class Attribute:
    """How one attribute is computed: the probability of class ``cls``, or the summed joint
    probabilities P(attack and kind) of ``kinds``."""

    name: str
    cls: str | None = None
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnalyzeRequest:
    """A checked AnalyzeComment request.

    ``attributes`` maps each requested (and supported) attribute to its ``scoreThreshold``
    (None: return every score).
    """

    text: str
    attributes: dict[str, float | None]
    languages: list[str] = field(default_factory=list)
    span_annotations: bool = False
    client_token: str | None = None


def attributes(model: Model) -> dict[str, Attribute]:
    """The attributes ``model`` can answer, by name.

    TOXICITY and ATTACK are P(attack) (the positive class); CRITICISM is P(criticism);
    SEVERE_TOXICITY, IDENTITY_ATTACK, INSULT and THREAT need a kind head and sum the joint
    probabilities P(attack and kind) of the kinds in :data:`ATTRIBUTE_KINDS` that the model has.
    """
    out: dict[str, Attribute] = {}
    if model.positive_label is not None:
        out["TOXICITY"] = Attribute("TOXICITY", cls=model.positive_label)
        for name, kinds in ATTRIBUTE_KINDS.items():
            present = tuple(k for k in kinds if k in model.kinds_)
            if present:
                out[name] = Attribute(name, kinds=present)
        out["ATTACK"] = Attribute("ATTACK", cls=model.positive_label)
    if "criticism" in model.classes_:
        out["CRITICISM"] = Attribute("CRITICISM", cls="criticism")
    return out


def parse(value: Any, supported: Mapping[str, Attribute]) -> AnalyzeRequest:
    """Check a decoded AnalyzeComment body; RequestError (400) in Perspective's words where it has them."""
    if not isinstance(value, dict):
        raise RequestError(
            400, f"the request body must be a JSON object (AnalyzeCommentRequest), got {describe(value)}"
        )
    _no_unknown(value, FIELDS, "")
    comment = _get(value, "comment", dict)
    if comment is None:
        raise RequestError(400, 'comment is required: {"comment": {"text": "..."}}', field="comment")
    _no_unknown(comment, ("text", "type"), "comment.")
    text = _get(comment, "text", str, "comment.")
    if not text:
        raise RequestError(400, "Comment must be non-empty.", field="comment.text")
    kind = _get(comment, "type", str, "comment.")
    if kind not in (None, "", "PLAIN_TEXT"):
        raise RequestError(400, f"comment.type {kind!r} is not supported; only PLAIN_TEXT", field="comment.type")
    for name in ("doNotStore", "spanAnnotations", "dropUnsupportedAttributes"):
        _get(value, name, bool)
    for name in ("clientToken", "sessionId", "communityId"):
        _get(value, name, str)
    _get(value, "context", dict)
    requested = _get(value, "requestedAttributes", dict)
    if not requested:
        raise RequestError(
            400,
            'requestedAttributes is required and must name at least one attribute, e.g. {"TOXICITY": {}}',
            field="requestedAttributes",
        )
    languages = _get(value, "languages", list) or []
    for i, lang in enumerate(languages):
        if not isinstance(lang, str):
            raise RequestError(400, f"languages[{i}] is {describe(lang)}, not a string", field=f"languages[{i}]")
    unsupported = [lang for lang in languages if not _is_japanese(lang)]
    if unsupported:
        first = next(iter(requested))
        raise RequestError(
            400,
            f"Attribute {first} does not support request languages: {','.join(unsupported)}",
            field="languages",
            details=[
                {
                    "@type": _ERROR_TYPE,
                    "errorType": "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
                    "languageNotSupportedByAttributeError": {
                        "requestedLanguages": languages,
                        "attribute": first,
                        "supportedLanguages": [LANGUAGE],
                    },
                }
            ],
        )
    drop = bool(value.get("dropUnsupportedAttributes"))
    chosen: dict[str, float | None] = {}
    for name, params in requested.items():
        where = f"requestedAttributes.{name}"
        if params is not None and not isinstance(params, dict):
            raise RequestError(400, f"{where} must be an object such as {{}}, got {describe(params)}", field=where)
        params = params or {}
        _no_unknown(params, ("scoreType", "scoreThreshold"), where + ".")
        score_type = _get(params, "scoreType", str, where + ".")
        if score_type not in (None, "", SCORE_TYPE):
            raise RequestError(
                400, f"{where}.scoreType {score_type!r} is not supported; only PROBABILITY", field=where + ".scoreType"
            )
        threshold = params.get("scoreThreshold")
        if threshold is not None and (
            isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not np.isfinite(threshold)
        ):
            raise RequestError(
                400,
                f"{where}.scoreThreshold must be a number, got {describe(threshold)}",
                field=where + ".scoreThreshold",
            )
        if name not in supported:
            if drop:
                continue
            raise RequestError(
                400,
                f"Attribute {name} is not supported by this yaiba server (it answers {', '.join(supported)}); "
                "send dropUnsupportedAttributes: true to leave it out",
                field=where,
            )
        chosen[name] = None if threshold is None else float(threshold)
    if not chosen:
        raise RequestError(
            400,
            f"none of the requested attributes is supported (this yaiba server answers {', '.join(supported)})",
            field="requestedAttributes",
        )
    return AnalyzeRequest(
        text,
        chosen,
        languages=languages,
        span_annotations=bool(value.get("spanAnnotations")),
        client_token=value.get("clientToken") or None,
    )


def analyze(model: Model, supported: Mapping[str, Attribute], request: AnalyzeRequest) -> dict[str, Any]:
    """The AnalyzeComment response for a checked request."""
    wanted = [supported[name] for name in request.attributes]
    summary = _values(model, wanted, [request.text])[0]
    spans: list[tuple[int, int, dict[str, float]]] = []
    if request.span_annotations:
        sentences = model.sentence_scores([request.text])[0]
        proba = {c: np.array([s.proba[c] for s in sentences]) for c in model.classes_}
        values = _values(model, wanted, [s.text for s in sentences], given=proba) if sentences else []
        at = utf16_offset(request.text)
        spans = [(at(s.start), at(s.end), v) for s, v in zip(sentences, values)]
    scores: dict[str, Any] = {}
    for name, threshold in request.attributes.items():
        floor = -1.0 if threshold is None else threshold
        entry: dict[str, Any] = {}
        if request.span_annotations:
            kept = [
                {"begin": a, "end": b, "score": {"value": probability(v[name]), "type": SCORE_TYPE}}
                for a, b, v in spans
                if v[name] >= floor
            ]
            if kept:
                entry["spanScores"] = kept
        if summary[name] >= floor:
            entry["summaryScore"] = {"value": probability(summary[name]), "type": SCORE_TYPE}
        if entry:
            scores[name] = entry
    out: dict[str, Any] = {
        "attributeScores": scores,
        "languages": request.languages or [LANGUAGE],
        "detectedLanguages": [LANGUAGE] if _JAPANESE.search(request.text) else [],
    }
    if request.client_token is not None:
        out["clientToken"] = request.client_token
    return out


def _values(
    model: Model, wanted: Sequence[Attribute], texts: list[str], given: Mapping[str, np.ndarray] | None = None
) -> list[dict[str, float]]:
    """Each attribute's value for each text (``given``: class probabilities already known, by class)."""
    out: list[dict[str, float]] = [{} for _ in texts]
    classes = model.classes_
    if given is None and any(a.cls is not None for a in wanted):
        matrix = model.predict_proba(texts)
        given = {c: matrix[:, i] for i, c in enumerate(classes)}
    if any(a.kinds for a in wanted):
        joint = np.asarray(model.predict_kind_proba(texts), dtype=np.float64)
        if given is not None and model.positive_label is not None:
            # P(kind | attack) from the kind head, times the P(attack) the class values use,
            # so that a kind attribute never exceeds TOXICITY of the same text
            total = joint.sum(axis=1, keepdims=True)
            share = np.divide(joint, total, out=np.zeros_like(joint), where=total > 0)
            joint = share * np.asarray(given[model.positive_label], dtype=np.float64)[:, None]
    for a in wanted:
        if a.kinds:
            cols = [model.kinds_.index(k) for k in a.kinds]
            column = joint[:, cols].sum(axis=1)
        else:
            assert given is not None and a.cls is not None  # a class attribute: computed above
            column = np.asarray(given[a.cls], dtype=np.float64)
        for row, v in zip(out, column):
            row[a.name] = min(max(float(v), 0.0), 1.0)
    return out


def _is_japanese(code: str) -> bool:
    return re.split("[-_]", code.strip(), maxsplit=1)[0].lower() == LANGUAGE


def _get(obj: dict[str, Any], name: str, kind: type, prefix: str = "") -> Any:
    """``obj[name]`` if it has type ``kind``; None when absent or null (proto3 JSON); else RequestError."""
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        expected = {dict: "an object", list: "a list", str: "a string", bool: "true or false"}[kind]
        raise RequestError(400, f"{prefix}{name} must be {expected}, got {describe(value)}", field=prefix + name)
    return value


def _no_unknown(obj: dict[str, Any], known: Sequence[str], prefix: str) -> None:
    for key in obj:
        if key not in known:
            raise RequestError(
                400,
                f'Invalid JSON payload received. Unknown name "{prefix}{key}": Cannot find field.',
                field=prefix + key,
            )


__all__ = ["ATTRIBUTE_KINDS", "FIELDS", "AnalyzeRequest", "Attribute", "analyze", "attributes", "parse"]
