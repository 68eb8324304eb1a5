"""Where people targeted by online abuse in Japan can turn: a table shipped with yaiba.

``resources/help_resources.csv`` lists public consultation services (違法・有害情報相談センター,
法務省の人権相談, 警察, 法テラス, こころの相談 ...) with what each handles, which attack kinds
it is relevant to, how to reach it, and the date the row was last checked against public
pages. ``notes`` says what was confirmed where, and marks with 未確認 what was not.
Contact details change: review the table before showing it to anyone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

ATTACK_KINDS = ("insult", "defamation", "threat", "death_wish", "discrimination", "doxxing", "repost_attack")
COLUMNS = ["name", "organisation", "handles", "kinds", "contact", "url", "notes", "checked"]
TABLE = "help_resources.csv"


@dataclass(frozen=True)
class HelpResource:
    """One consultation service.

    Attributes
    ----------
    name, organisation : str
        The service and who runs it.
    handles : str
        What it handles and does, in Japanese.
    kinds : tuple of str
        Attack kinds it is relevant to; ``("all",)`` for every kind.
    contact : str
        Phone number, form or account, with opening hours where known.
    url : str
        Its public page.
    notes : str
        What was confirmed and where; 未確認 marks what could not be confirmed.
    checked : datetime.date
        When the row was last checked.
    """

    name: str
    organisation: str
    handles: str
    kinds: tuple[str, ...]
    contact: str
    url: str
    notes: str
    checked: dt.date

    def applies_to(self, kind: str) -> bool:
        """Whether the service is relevant to an attack of ``kind``."""
        return "all" in self.kinds or kind in self.kinds

    @property
    def unconfirmed(self) -> bool:
        """True when part of the row could not be confirmed (its notes say 未確認)."""
        return "未確認" in self.notes


def load_table(source: str | Path | None = None) -> list[HelpResource]:
    """Read and check a help-resources table (default: the one shipped with yaiba).

    Raises ValueError naming the file, line and column of the first bad value.
    """
    if source is None:
        where = f"yaiba/resources/{TABLE}"
        text = files("yaiba").joinpath("resources", TABLE).read_text(encoding="utf-8")
    else:
        where = str(source)
        text = Path(source).read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header != COLUMNS:
        raise ValueError(f"{where}: header must be {','.join(COLUMNS)}, got {header!r}")
    out = []
    for rec in reader:
        line = reader.line_num
        if len(rec) != len(COLUMNS):
            raise ValueError(f"{where}: line {line}: expected {len(COLUMNS)} fields, got {len(rec)}")
        row = dict(zip(COLUMNS, (v.strip() for v in rec)))
        for col in ("name", "handles", "contact", "url", "checked"):
            if not row[col]:
                raise ValueError(f"{where}: line {line}: column {col!r} is empty")
        kinds = tuple(k.strip() for k in row["kinds"].split("|"))
        bad = [k for k in kinds if k not in ATTACK_KINDS and k != "all"]
        if bad or not kinds:
            raise ValueError(
                f"{where}: line {line}: column 'kinds' has unknown kind(s) {bad}; use 'all' or {'|'.join(ATTACK_KINDS)}"
            )
        if not row["url"].startswith(("https://", "http://")):
            raise ValueError(f"{where}: line {line}: column 'url' is not a web address: {row['url']!r}")
        try:
            checked = dt.date.fromisoformat(row["checked"])
        except ValueError:
            raise ValueError(
                f"{where}: line {line}: column 'checked' is not a date (YYYY-MM-DD): {row['checked']!r}"
            ) from None
        out.append(
            HelpResource(
                name=row["name"],
                organisation=row["organisation"],
                handles=row["handles"],
                kinds=kinds,
                contact=row["contact"],
                url=row["url"],
                notes=row["notes"],
                checked=checked,
            )
        )
    return out


def help_resources(kind: str | None = None) -> list[HelpResource]:
    """Consultation services relevant to an attack of ``kind`` (all of them for None).

    Rows keep the table's order. The table was checked on the dates in ``checked``; contact
    details change, so review it before showing it to anyone.

    Examples
    --------
    >>> import yaiba
    >>> [r.name for r in yaiba.help_resources("threat")][:2]
    ['違法・有害情報相談センター', 'こどもの人権110番']
    """
    table = load_table()
    if kind is None:
        return table
    if kind not in ATTACK_KINDS:
        raise ValueError(f"unknown attack kind {kind!r}; choose from {', '.join(ATTACK_KINDS)} (or None for all)")
    return [r for r in table if r.applies_to(kind)]


def last_checked() -> dt.date:
    """The oldest ``checked`` date in the shipped table: when all of it was last reviewed."""
    return min(r.checked for r in load_table())
