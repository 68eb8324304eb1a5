"""Helpers for showing post text to people: clipping and unencodable characters."""

from __future__ import annotations

import re

SURROGATE = re.compile("[\ud800-\udfff]")
"""Lone UTF-16 surrogates: valid in a Python ``str``, not encodable as UTF-8 (MeCab, files)."""


def clip(text: str, width: int = 24) -> str:
    """``text`` on one line (whitespace runs become one space), cut to ``width`` with ``…``."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
