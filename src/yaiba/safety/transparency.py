"""Transparency-report counts from ``yaiba score`` output: posts by label and attacks by kind.

Reads a scored CSV or JSONL file in chunks (constant memory) and counts, per group (e.g. per
day and source), how many posts were scored, how many could not be (rows with an ``error``
or no label: counted separately, never dropped), how many got each label, and how the
attacks split by kind. ``day`` is derived from a time column, which must hold a full date
in one of these spellings (surrounding spaces ignored):

* ISO 8601 (extended form): a date ``2026-11-29``, or a date and time ``2026-11-29T10:00``,
  ``2026-11-29 10:00:00.5``, with or without an offset (``Z``, ``+09:00``, ``+0900``, ``+09``);
* ``YYYY/MM/DD`` with an optional time: ``2026/11/29``, ``2026/11/29 10:00``,
  ``2026/11/29 10:00:00``;
* Unix epoch seconds or milliseconds: 9 to 13 digits, optionally with a fraction.

Aware times are converted to ``tz`` (Asia/Tokyo by default), naive ones are taken as
already local. A missing time counts as day ``(no time)``; anything else — a time without a
date (``10:00``), a partial or relative date (``May``, ``now``, ``-1``), an impossible date
(``2026-02-30``) — counts as ``(bad time)``: no day is ever invented.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import pandas as pd

from yaiba.errors import DataError
from yaiba.io.posts import detect_format, open_text

DAY = "day"
NO_TIME, BAD_TIME = "(no time)", "(bad time)"
NO_KIND = "(none)"
ALL = "(all)"
CHUNK = 100_000
_LABEL_ORDER = ("attack", "criticism", "neutral")


@dataclass
class Counts:
    """Aggregated counts.

    Attributes
    ----------
    labels : DataFrame
        One row per group: the group columns, ``posts``, ``errors``, ``scored``, one column
        per label, and ``attack_share`` (share of scored posts labelled ``attack``).
    kinds : DataFrame
        One row per group and attack kind: group columns, ``kind``, ``posts``,
        ``share_of_attacks``.
    """

    source: str
    by: tuple[str, ...]
    labels: pd.DataFrame
    kinds: pd.DataFrame
    rows: int
    errors: int
    time_col: str | None = None
    tz: str | None = None
    bad_times: int = 0
    first_bad_time: int | None = None  # 1-based data row
    notes: list[str] = field(default_factory=list)


_ISO = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
_SLASH = r"\d{4}/\d{2}/\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?"
_EPOCH = r"\d{9,13}(?:\.\d+)?"
_OFFSET = r"(?:Z|[+-]\d{2}(?::?\d{2})?)$"


def parse_days(values: pd.Series, tz: str = "Asia/Tokyo") -> pd.Series:
    """Calendar day (``YYYY-MM-DD``) of each time value, ``(no time)`` or ``(bad time)``.

    Only the spellings listed in the module docstring are read; anything else is a bad time.
    """
    s = values.fillna("").astype(str).str.strip()
    out = pd.Series(BAD_TIME, index=s.index, dtype=object)
    out[s == ""] = NO_TIME
    epoch = s.str.fullmatch(_EPOCH)
    if epoch.any():
        num = pd.to_numeric(s[epoch])
        num = num.where(num < 1e11, num / 1000.0)  # milliseconds
        t = pd.to_datetime(num, unit="s", utc=True).dt.tz_convert(tz)
        out[epoch] = t.dt.strftime("%Y-%m-%d")
    iso = s.str.fullmatch(_ISO)
    slash = s.str.fullmatch(_SLASH)
    dated = s.where(~slash, s.str.replace("/", "-", regex=False))  # 2026/11/29 10:00 -> ISO
    readable = iso | slash
    # an offset only counts after a time (the "-29" ending 2026-11-29 is not one)
    aware = iso & s.str.contains(_OFFSET, regex=True) & s.str.contains(r"\d:\d", regex=True)
    for mask, utc in ((aware, True), (readable & ~aware, False)):
        if not mask.any():
            continue
        t = pd.to_datetime(dated[mask], errors="coerce", utc=utc, format="ISO8601")  # 2026-02-30: NaT
        if utc:
            t = t.dt.tz_convert(tz)
        ok = t.notna()
        out[ok[ok].index] = t[ok].dt.strftime("%Y-%m-%d")
    return out


def _csv_chunks(path: str, encoding: str, check: Callable[[list[str]], list[str]]) -> Iterator[pd.DataFrame]:
    """Chunks of a CSV file; ``check(header)`` returns the columns to keep or raises."""
    import csv

    with open_text(path, encoding) as fh:
        try:
            first = fh.readline()
            if not first.strip():
                raise DataError(f"{path}: empty file, expected a CSV header")
            header = next(csv.reader([first]))
            if header:
                header[0] = header[0].lstrip("\ufeff")
            keep = check(header)
            reader = pd.read_csv(
                fh, dtype=str, keep_default_na=False, header=None, names=header, usecols=keep, chunksize=CHUNK
            )
            yield from reader
        except pd.errors.EmptyDataError:
            return
        except pd.errors.ParserError as exc:
            raise DataError(
                f"{path}: malformed CSV: {exc} (line numbers count from the row after the header)"
            ) from None
        except UnicodeDecodeError:
            raise DataError(f"{path}: cannot decode the file as {encoding}; try --encoding cp932") from None


def _jsonl_chunks(path: str, columns: list[str], encoding: str) -> Iterator[pd.DataFrame]:
    rows: list[list[str]] = []
    with open_text(path, encoding) as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}: line {line_no}: invalid JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise DataError(f"{path}: line {line_no}: not a JSON object")
            rows.append(["" if obj.get(c) is None else str(obj.get(c)) for c in columns])
            if len(rows) >= CHUNK:
                yield pd.DataFrame(rows, columns=columns)
                rows = []
    if rows:
        yield pd.DataFrame(rows, columns=columns)


def count_scored(
    path: str,
    *,
    by: Sequence[str] = (),
    time_col: str = "timestamp",
    tz: str = "Asia/Tokyo",
    prefix: str = "",
    fmt: str | None = None,
    encoding: str = "utf-8",
) -> Counts:
    """Count the posts of a ``yaiba score`` output file by label and kind, per group.

    Parameters
    ----------
    path : str
        Scored CSV or JSONL file (``-`` for stdin).
    by : sequence of str
        Group columns; ``day`` is derived from ``time_col``.
    time_col, tz : str
        Where ``day`` comes from, and the time zone days are counted in.
    prefix : str
        The ``--prefix`` given to ``yaiba score`` (its columns are ``{prefix}label`` ...).
    """
    fmt = detect_format(path if path != "-" else "x.csv", fmt)
    if fmt == "txt":
        raise DataError(f"{path}: scored output must be CSV or JSONL")
    by = tuple(dict.fromkeys(b.strip() for b in by if b.strip()))
    label_col, kind_col, error_col = f"{prefix}label", f"{prefix}kind", f"{prefix}error"
    group_cols = [time_col if b == DAY else b for b in by]
    wanted = list(dict.fromkeys([label_col, kind_col, error_col, *group_cols]))
    notes: list[str] = []

    def check(header: list[str]) -> list[str]:
        missing = [c for c in [label_col, *group_cols] if c not in header]
        if missing:
            hint = f" (day comes from --time-col, now {time_col!r})" if time_col in missing and DAY in by else ""
            raise DataError(f"{path}: no column(s) {', '.join(map(repr, missing))}{hint}; columns: {', '.join(header)}")
        for col, what in ((kind_col, "kinds"), (error_col, "errors")):
            if col not in header:
                notes.append(f"no `{col}` column: {what} not available")
        return [c for c in wanted if c in header]

    chunks = _csv_chunks(path, encoding, check) if fmt == "csv" else _jsonl_chunks(path, wanted, encoding)
    label_parts, kind_parts = [], []
    rows = errors = bad_times = 0
    first_bad: int | None = None
    for part in chunks:
        part = part.reindex(columns=wanted, fill_value="")
        keys = pd.DataFrame(index=part.index)
        for b, col in zip(by, group_cols):
            if b == DAY:
                keys[b] = parse_days(part[col], tz)
                bad = (keys[b] == BAD_TIME).to_numpy()
                if bad.any() and first_bad is None:
                    first_bad = rows + int(bad.argmax()) + 1
                bad_times += int(bad.sum())
            else:
                keys[b] = part[col].astype(str)
        if not by:
            keys["group"] = ALL
        label = part[label_col].astype(str).str.strip()
        failed = (part[error_col].astype(str).str.strip() != "") | (label == "")
        keys["label"] = label.where(~failed, "(error)")
        keys["kind"] = part[kind_col].astype(str).str.strip().replace("", NO_KIND)
        gcols = list(by) or ["group"]
        label_parts.append(keys.groupby([*gcols, "label"], sort=False).size())
        kind_parts.append(keys[keys["label"] == "attack"].groupby([*gcols, "kind"], sort=False).size())
        rows += len(part)
        errors += int(failed.sum())

    gcols = list(by) or ["group"]
    labels = _label_table(label_parts, gcols)
    kinds = _kind_table(kind_parts, gcols)
    if not by:
        labels = labels.drop(columns="group")
        kinds = kinds.drop(columns="group")
    return Counts(
        source=path,
        by=by,
        labels=labels,
        kinds=kinds,
        rows=rows,
        errors=errors,
        time_col=time_col if DAY in by else None,
        tz=tz if DAY in by else None,
        bad_times=bad_times,
        first_bad_time=first_bad,
        notes=notes,
    )


def _sum(parts: list[pd.Series], names: list[str]) -> pd.Series:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.Series(dtype="int64", index=pd.MultiIndex.from_tuples([], names=names))
    total: pd.Series = pd.concat(parts).groupby(level=list(range(len(names)))).sum().rename_axis(names)
    return total


def _label_table(parts: list[pd.Series], gcols: list[str]) -> pd.DataFrame:
    counts = _sum(parts, [*gcols, "label"])
    wide = (
        counts.unstack("label", fill_value=0)
        if len(counts)
        else pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=gcols))
    )
    present = [c for c in wide.columns if c != "(error)"]
    standard = not present or any(c in _LABEL_ORDER for c in present)
    ordered = (list(_LABEL_ORDER) if standard else []) + sorted(c for c in present if c not in _LABEL_ORDER)
    for c in ordered:
        if c not in wide.columns:
            wide[c] = 0
    errors = wide["(error)"] if "(error)" in wide.columns else 0
    out = pd.DataFrame(index=wide.index)
    out["scored"] = wide[ordered].sum(axis=1)
    out["errors"] = errors
    out["posts"] = out["scored"] + out["errors"]
    for c in ordered:
        out[c] = wide[c]
    share = []
    if "attack" in ordered:
        out["attack_share"] = (out["attack"] / out["scored"].where(out["scored"] > 0)).round(4)
        share = ["attack_share"]
    out = out[["posts", "errors", "scored", *ordered, *share]].astype(
        {c: "int64" for c in ["posts", "errors", "scored", *ordered]}
    )
    return _sort_groups(out.reset_index(), gcols)


def _special_last(col: pd.Series) -> pd.Series:
    """Sort key: '(no time)', '(bad time)' and other bracketed markers after real values."""
    text = col.astype(str)
    return text.where(~text.str.startswith("("), "\uffff" + text)


def _sort_groups(
    df: pd.DataFrame, gcols: list[str], extra: list[str] | None = None, ascending: list[bool] | None = None
) -> pd.DataFrame:
    cols = [*gcols, *(extra or [])]
    asc = [True] * len(gcols) + (ascending or [])
    key = lambda c: _special_last(c) if c.name in gcols else c  # noqa: E731
    return df.sort_values(cols, ascending=asc, key=key, kind="stable").reset_index(drop=True)


def _kind_table(parts: list[pd.Series], gcols: list[str]) -> pd.DataFrame:
    counts = _sum(parts, [*gcols, "kind"])
    out = counts.rename("posts").reset_index()
    if len(out) == 0:
        return pd.DataFrame(columns=[*gcols, "kind", "posts", "share_of_attacks"])
    total = out.groupby(gcols)["posts"].transform("sum")
    out["share_of_attacks"] = (out["posts"] / total).round(4)
    return _sort_groups(out, gcols, ["posts", "kind"], [False, True])


def to_markdown(counts: Counts, version: str = "") -> str:
    """The counts as a Markdown document for a transparency report."""
    lines = ["# yaiba transparency counts", ""]
    lines.append(
        f"- source: `{os.path.basename(counts.source)}`: {counts.rows:,} posts, "
        f"{counts.rows - counts.errors:,} scored, {counts.errors:,} could not be scored"
    )
    if counts.by:
        lines.append(f"- grouped by: {', '.join(counts.by)}")
    if counts.time_col:
        lines.append(
            f"- day: calendar date of `{counts.time_col}` in {counts.tz}"
            + (f"; {counts.bad_times:,} unreadable time(s) counted as `{BAD_TIME}`" if counts.bad_times else "")
        )
    for note in counts.notes:
        lines.append(f"- {note}")
    lines.append(
        f"- labels by yaiba{' ' + version if version else ''}: a triage score, not a verdict; "
        "attacks are counted as predicted, before human review"
    )
    lines += ["", "## Posts by label", "", _md_table(counts.labels), "", "## Attacks by kind", ""]
    lines.append(_md_table(counts.kinds) if len(counts.kinds) else "(no post was labelled attack)")
    return "\n".join(lines) + "\n"


def _md_table(df: pd.DataFrame) -> str:
    def cell(v: object) -> str:
        if isinstance(v, float):
            return "" if pd.isna(v) else f"{v:.4f}"
        return str(v).replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(cell(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(df[c]) else "---" for c in df.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])
