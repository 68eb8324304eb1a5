"""The schema of the project's corpus (``data/corpus.csv``): columns and the value sets of
``label``, ``kind``, ``target`` and ``form`` as ``data/GUIDELINE.md`` defines them."""

from __future__ import annotations

COLUMNS = ("id", "text", "label", "kind", "target", "pair_id", "form")
KINDS: dict[str, frozenset[str]] = {
    "attack": frozenset({"insult", "defamation", "threat", "death_wish", "discrimination", "doxxing", "repost_attack"}),
    "criticism": frozenset({"conduct", "performance", "product", "policy", "harsh"}),
    "neutral": frozenset(
        {"everyday", "praise", "counter_speech", "victim_report", "self_deprecation", "news", "question"}
    ),
}
TARGETS = frozenset({"individual", "organization", "group", "none"})
FORMS = frozenset({"plain", "polite", "sarcasm", "obfuscated", "slang", "quote", "repost", "question"})
