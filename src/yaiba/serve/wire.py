"""JSON on the wire: request bodies in, response bodies and error envelopes out.

Every error the service sends has one shape, Google's (which Perspective API clients
already parse)::

    {"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "posts[3] is null, not a string",
               "field": "posts[3]"}}

``field`` names the part of the request that was wrong, when there is one; ``details``
carries Perspective's typed error records (``LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE``).
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Callable
from typing import Any

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    413: "PAYLOAD_TOO_LARGE",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
"""The ``status`` string of each HTTP code the service answers with (Google's names where it has one)."""


class RequestError(Exception):
    """A request the service refuses: an HTTP status and a message naming what was wrong.

    Parameters
    ----------
    code : int
        HTTP status code (4xx).
    message : str
        One sentence for the client, naming the field or limit at fault.
    field : str, optional
        The request field at fault, e.g. ``posts[3]`` or ``comment.text``.
    details : list of dict, optional
        Typed error records (Perspective's ``details``).
    close : bool
        Close the connection after answering (the rest of the body was not read).
    """

    def __init__(
        self,
        code: int,
        message: str,
        *,
        field: str | None = None,
        details: list[dict[str, Any]] | None = None,
        close: bool = False,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.details = details
        self.close = close

    def body(self) -> bytes:
        """The JSON error envelope."""
        return error_body(self.code, self.message, field=self.field, details=self.details)


def error_body(
    code: int, message: str, *, field: str | None = None, details: list[dict[str, Any]] | None = None
) -> bytes:
    """``{"error": {"code", "status", "message"[, "field"][, "details"]}}`` as bytes."""
    error: dict[str, Any] = {"code": code, "status": STATUS_NAMES.get(code, "UNKNOWN"), "message": message}
    if field is not None:
        error["field"] = field
    if details:
        error["details"] = details
    return encode({"error": error})


def decode(body: bytes) -> Any:
    """The JSON value of a request body; RequestError 400 for bytes that are not UTF-8 JSON.

    A UTF-8 byte order mark is skipped. Numbers too large for Python (``1e999`` is inf, an
    integer of more than 4300 digits) and nesting deeper than the interpreter's recursion
    limit are refused like any other malformed body.
    """
    if not body.strip():
        raise RequestError(400, "the request body is empty; send a JSON object")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RequestError(
            400, f"the request body is not valid UTF-8 (byte 0x{body[exc.start]:02x} at offset {exc.start})"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestError(
            400, f"the request body is not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
        ) from None
    except (ValueError, RecursionError) as exc:  # huge integers, nesting past the recursion limit
        raise RequestError(400, f"the request body is not usable JSON: {str(exc) or type(exc).__name__}") from None


def encode(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON.

    Text holding a lone surrogate (possible in posts sent as ``"\\ud800"``) cannot be UTF-8:
    such a body is written with ASCII escapes instead, the same JSON value.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode("ascii")


def describe(value: Any) -> str:
    """How a JSON value is named in an error message: ``null``, ``a number``, ``an object``, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__  # pragma: no cover - json.loads gives only the above


def utf16_offset(text: str) -> Callable[[int], int]:
    """A function from a code-point offset into ``text`` to the UTF-16 code-unit offset.

    Characters outside the Basic Multilingual Plane (emoji, some rare kanji) take two UTF-16
    units, every other code point (a lone surrogate too) one; for text without the former the
    function is the identity.
    """
    if not text or max(text) <= "\uffff":
        return _same
    astral = [i for i, ch in enumerate(text) if ch > "\uffff"]
    return lambda i: i + bisect_left(astral, i)


def _same(i: int) -> int:
    return i


def probability(value: Any) -> float:
    """A probability as it goes on the wire: a float rounded to 6 decimals (as ``yaiba score`` writes)."""
    return round(float(value), 6)


__all__ = ["STATUS_NAMES", "RequestError", "decode", "describe", "encode", "error_body", "probability", "utf16_offset"]
