"""Post files in and out, in chunks: CSV, JSON Lines and plain text (one post per line).

Every input row becomes exactly one :class:`Row`, in order. A row whose text is missing or
malformed keeps its place and carries an ``error`` instead of a text, so the output always
has as many rows as the input.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import stat
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Any, cast

from yaiba.errors import DataError
from yaiba.text.display import SURROGATE, clip

FORMATS = ("csv", "jsonl", "txt")
csv.field_size_limit(2**31 - 1)  # posts of many megabytes are legal input
MAX_RECORD = 50_000_000
"""Most characters in one CSV record or one JSONL/text line (line breaks included); a longer
one becomes an error row and is skipped without being held in memory, the other rows are kept."""
_SKIP_PIECE = 1 << 20  # characters read at a time while skipping an overlong record


class _StrictExcel(csv.excel):
    strict = True  # an unterminated quote or text after a closing quote is an error, not a guess


class _StrictTab(csv.excel_tab):
    strict = True


@dataclass
class Row:
    line: int  # 1-based line number where the record ends (CSV) or sits (JSONL, text)
    fields: Any  # list[str] (CSV), dict (JSONL), str (text)
    text: str | None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class FormatUndecided(ValueError):
    """The first line of a stream looks like a CSV header or JSON, but which format it is
    cannot be told; the message says to pass the format explicitly."""


_HEADER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")
"""A column name as a header line spells it: an ASCII identifier (``id``, ``post_text``)."""


def sniff_format(first_line: str, text_col: str = "text") -> str | None:
    """The format of a stream (stdin) told from its first line: ``jsonl``, ``csv``, ``txt``,
    or None when the line looks like a CSV header or JSON but the format cannot be decided.

    - a JSON object (``{...}``) is JSON Lines;
    - a CSV header naming the ``text_col`` column (``id,text``; the name alone also counts)
      is CSV;
    - a line that starts with ``{``, or that is JSON but not an object, or that looks like a
      header (two or more ASCII column names, comma- or tab-separated) but has no
      ``text_col`` column, is undecided (None);
    - anything else is plain text, one post per line.

    Examples
    --------
    >>> sniff_format('{"text": "こんにちは"}'), sniff_format("id,text"), sniff_format("こんにちは")
    ('jsonl', 'csv', 'txt')
    >>> sniff_format("id,body") is None  # a header without a 'text' column
    True
    """
    line = first_line.lstrip("\ufeff").rstrip("\r\n")
    stripped = line.strip()
    if stripped.startswith(("{", "[")):
        try:
            value = json.loads(stripped)
        except (ValueError, RecursionError):
            return None if stripped.startswith("{") else "txt"  # "[速報] ..." is a post
        return "jsonl" if isinstance(value, dict) else None
    try:
        fields = next(csv.reader([line]), [])
    except csv.Error:
        fields = []
    if text_col in fields:
        return "csv"
    for cells in (fields, line.split("\t")):
        if len(cells) >= 2 and all(_HEADER_NAME.fullmatch(c.strip()) for c in cells):
            return None
    return "txt"


def detect_format(path: str, explicit: str | None = None) -> str:
    """The input format: ``explicit`` if given, else from the extension (stdin: text; use
    ``fmt="auto"`` in :class:`Reader` to tell stdin's format from its first line)."""
    if explicit:
        if explicit not in FORMATS:
            raise ValueError(f"unknown format {explicit!r}; choose from {', '.join(FORMATS)}")
        return explicit
    ext = os.path.splitext(path)[1].lower()
    if ext in (".csv", ".tsv"):
        return "csv"
    if ext in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "txt"


def open_text(path: str, encoding: str) -> IO[str]:
    """Open ``path`` (``-`` for stdin) for reading text, with universal newlines kept for CSV.

    UTF-8 input may start with a byte order mark (Windows tools write one); it is skipped.
    """
    try:
        if codecs.lookup(encoding).name == "utf-8":
            encoding = "utf-8-sig"
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r} (e.g. utf-8, cp932)") from None
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding=encoding, newline="")
    if not os.path.exists(path):
        raise DataError(f"{path}: no such file")
    if os.path.isdir(path):
        raise DataError(f"{path} is a folder, not a file")
    try:
        return open(path, encoding=encoding, newline="")
    except OSError as exc:  # permission denied, ...
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None


class Reader:
    """Iterate the rows of one file as lists of at most ``chunk_size`` rows.

    ``fmt`` is ``csv``, ``jsonl``, ``txt`` or ``auto``: told from the first line by
    :func:`sniff_format` (for stdin, whose name has no extension); :attr:`fmt` then holds the
    format found. ``auto`` raises :class:`FormatUndecided` when the first line looks like a
    header or JSON but the format cannot be told.
    """

    def __init__(
        self, path: str, fmt: str, text_col: str = "text", encoding: str = "utf-8", *, max_record: int = MAX_RECORD
    ) -> None:
        self.path, self.fmt, self.text_col, self.encoding = path, fmt, text_col, encoding
        self.max_record = max_record  # characters in one record; see MAX_RECORD
        self.header: list[str] | None = None  # CSV only
        self._last_line = 0  # line of the last row read, for errors on stdin
        self._fh = self._opened = open_text(path, encoding)
        if fmt == "auto":
            self.fmt = self._sniff()
        self._rows = self._iter_rows()
        if self.fmt == "csv":
            self._read_header()

    def close(self) -> None:
        if self.path != "-":
            self._fh.close()

    def _sniff(self) -> str:
        """The format of the first line (read here, then put back in front of the stream)."""
        try:
            first = self._fh.readline(self.max_record + 1)
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc) from None
        fmt = sniff_format(first, self.text_col)
        if fmt is None:
            name = "stdin" if self.path == "-" else self.path
            raise FormatUndecided(
                f"{name}: cannot tell the input format from the first line ({clip(first.strip(), 40)!r}): "
                f"it looks like JSON or a CSV header, but not JSON Lines or a CSV header with a column "
                f"{self.text_col!r}; pass --in-format csv, jsonl or txt (and --text-col NAME)"
            )
        self._fh = cast(IO[str], _Prepended(first, self._fh))
        return fmt

    @property
    def size(self) -> int | None:
        """Bytes in the input when known (a file, or stdin redirected from a file), else None."""
        try:
            fd = getattr(self._opened, "buffer", self._opened).fileno()
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return None
            return st.st_size
        except (AttributeError, OSError, ValueError):
            return None

    def bytes_read(self) -> int | None:
        """Bytes of the input read so far (decoded text runs a chunk ahead), or None."""
        try:
            return int(getattr(self._opened, "buffer", self._opened).tell())
        except (AttributeError, OSError, ValueError):
            return None

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def batches(self, size: int) -> Iterator[list[Row]]:
        while chunk := list(islice(self._rows, size)):
            yield chunk

    def _decode_guard(self, gen: Iterator[Row]) -> Iterator[Row]:
        try:
            for row in gen:
                self._last_line = row.line
                yield row
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc) from None

    def _decode_error(self, exc: UnicodeDecodeError) -> DataError:
        """One line naming the file, the line that cannot be decoded and the likely fix."""
        hint = (
            " (Japanese files are often Shift_JIS: try --encoding cp932)"
            if self.encoding.lower().startswith("utf")
            else ""
        )
        line = self._undecodable_line()
        where = f"line {line}" if line is not None else f"the line after line {self._last_line}"
        return DataError(
            f"{self.path}: cannot decode {where} as {self.encoding} (byte 0x{exc.object[exc.start]:02x}){hint}"
        )

    def _undecodable_line(self) -> int | None:
        """The first line (counted by line feeds) of the file that does not decode; None on stdin.

        Text is decoded in chunks of many lines, so the error itself does not tell the line:
        the file is read again, as bytes, on this error path only.
        """
        if self.path == "-":
            return None
        try:
            name = codecs.lookup(self.encoding).name
            decoder = codecs.getincrementaldecoder("utf-8-sig" if name == "utf-8" else name)()
            with open(self.path, "rb") as fh:
                for line_no, raw in enumerate(fh, start=1):
                    try:
                        decoder.decode(raw)
                    except UnicodeDecodeError:
                        return line_no
        except (OSError, LookupError):
            pass
        return None

    def _iter_rows(self) -> Iterator[Row]:
        if self.fmt == "csv":
            return self._decode_guard(self._csv_rows())
        if self.fmt == "jsonl":
            return self._decode_guard(self._jsonl_rows())
        return self._decode_guard(self._txt_rows())

    # -- CSV -------------------------------------------------------------------------------
    def _read_header(self) -> None:
        header_reader = csv.reader(self._fh, dialect=self._dialect())
        try:
            header = next(header_reader)
        except StopIteration:
            raise DataError(f"{self.path}: empty file, expected a CSV header") from None
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc) from None
        except csv.Error as exc:
            raise DataError(f"{self.path}: malformed CSV header: {exc}") from None
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        duplicates = sorted({c for c in header if header.count(c) > 1})
        if duplicates:
            raise DataError(
                f"{self.path}: duplicate column name(s) in the CSV header: {', '.join(map(repr, duplicates))}"
            )
        if self.text_col not in header:
            raise DataError(
                f"{self.path}: no column {self.text_col!r} (columns: {', '.join(header)}); choose one with --text-col"
            )
        self.header = header
        self._text_index = header.index(self.text_col)
        self._line = header_reader.line_num

    def _dialect(self) -> type[csv.Dialect]:
        return _StrictTab if self.path.lower().endswith(".tsv") else _StrictExcel

    def _csv_rows(self) -> Iterator[Row]:
        """One Row per record. A malformed record (unterminated quote, text after a closing
        quote, NUL byte) becomes an error row for its first line, and the lines it swallowed
        are read again as records of their own: one stray quote costs one row, not the file."""
        if self.header is None:
            return
        n = len(self.header)
        pending: deque[tuple[int, str]] = deque()  # lines to read again after an error
        record: list[tuple[int, str]] = []  # (line number, raw line) of the record being read
        size = 0  # characters in the record being read

        def lines() -> Iterator[str]:
            nonlocal size
            while True:
                if pending:  # lines of a record read before, so within the limit
                    item = pending.popleft()
                else:
                    raw = self._fh.readline(self.max_record - size + 1)
                    if not raw:
                        return
                    self._line += 1
                    if size + len(raw) > self.max_record:
                        raise _TooLong(record[0] if record else (self._line, raw), raw)
                    item = (self._line, raw)
                size += len(item[1])
                record.append(item)
                yield item[1]

        reader = csv.reader(lines(), dialect=self._dialect())
        while True:
            record.clear()
            size = 0
            try:
                rec = next(reader)
            except StopIteration:
                return
            except _TooLong as too_long:
                yield self._skip_long_record(too_long, record, n)
                reader = csv.reader(lines(), dialect=self._dialect())
                continue
            except csv.Error as exc:
                (line, raw), *rest = record
                reason = "unterminated quote" if "unexpected end of data" in str(exc) else str(exc)
                yield Row(
                    line, _fit(_loose_fields(raw, self._dialect()), n), None, f"malformed CSV at line {line}: {reason}"
                )
                pending.extendleft(reversed(rest))
                reader = csv.reader(lines(), dialect=self._dialect())
                continue
            line = record[-1][0]
            if any("\x00" in raw for _, raw in record):
                yield Row(line, _fit(rec, n), None, f"malformed CSV at line {record[0][0]}: NUL byte in the record")
                continue
            if len(rec) != n:
                yield Row(
                    line, _fit(rec, n), None, f"malformed CSV row at line {line}: expected {n} fields, got {len(rec)}"
                )
                continue
            text = rec[self._text_index]
            if text == "":
                yield Row(line, rec, None, f"missing text in column {self.text_col!r} at line {line}")
            else:
                yield Row(line, rec, text)

    def _skip_long_record(self, too_long: _TooLong, record: list[tuple[int, str]], n: int) -> Row:
        """Read past a record longer than ``max_record`` without keeping it; its error row.

        Where the record ends follows from its quotes: a line break ends it when the quotes
        seen so far are even (an escaped quote is doubled, so it keeps the count's parity).
        """
        quote = self._dialect().quotechar or '"'
        quotes = sum(raw.count(quote) for _, raw in record)
        piece = too_long.piece
        while True:
            quotes += piece.count(quote)
            ended = piece.endswith(("\n", "\r"))
            if ended and quotes % 2 == 0:
                break
            piece = self._fh.readline(_SKIP_PIECE)
            if not piece:
                break
            if ended:  # the record goes on past a quoted line break
                self._line += 1
        first, first_raw = too_long.first
        cells = _fit(_loose_fields(first_raw[:_SKIP_PIECE], self._dialect()), n)
        cells[self._text_index] = ""
        return Row(first, cells, None, f"CSV record at line {first} is longer than {self.max_record:,} characters")

    # -- JSON Lines ------------------------------------------------------------------------
    def _lines(self) -> Iterator[tuple[int, str | None]]:
        """(line number, line) of a JSONL or text file; None for a line longer than
        ``max_record``, read past without keeping it."""
        line_no = 0
        while raw := self._fh.readline(self.max_record + 1):
            line_no += 1
            if len(raw) <= self.max_record:
                yield line_no, raw
                continue
            while raw and not raw.endswith(("\n", "\r")):
                raw = self._fh.readline(_SKIP_PIECE)
            yield line_no, None

    def _too_long(self, line_no: int) -> str:
        return f"line {line_no} is longer than {self.max_record:,} characters"

    def _jsonl_rows(self) -> Iterator[Row]:
        for line_no, raw in self._lines():
            if raw is None:
                yield Row(line_no, {}, None, self._too_long(line_no))
                continue
            line = raw.rstrip("\r\n")
            if not line.strip():
                yield Row(line_no, {}, None, f"blank line {line_no}: no JSON object")
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Row(line_no, {"raw": line}, None, f"invalid JSON at line {line_no}: {exc.msg}")
                continue
            except (ValueError, RecursionError) as exc:  # e.g. a 5000-digit number, [[[[...
                reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc).split(";")[0]
                yield Row(line_no, {"raw": line}, None, f"invalid JSON at line {line_no}: {reason}")
                continue
            if not isinstance(obj, dict):
                yield Row(line_no, {"raw": line}, None, f"line {line_no} is not a JSON object")
                continue
            text = obj.get(self.text_col)
            if text is None:
                yield Row(line_no, obj, None, f"missing text in field {self.text_col!r} at line {line_no}")
            elif not isinstance(text, str):
                yield Row(
                    line_no,
                    obj,
                    None,
                    f"field {self.text_col!r} at line {line_no} is {type(text).__name__}, not a string",
                )
            else:
                yield Row(line_no, obj, text)

    # -- plain text ------------------------------------------------------------------------
    def _txt_rows(self) -> Iterator[Row]:
        for line_no, raw in self._lines():
            if raw is None:
                yield Row(line_no, "", None, self._too_long(line_no))
                continue
            text = raw.rstrip("\r\n")
            yield Row(line_no, text, text)


class _Prepended(io.TextIOBase):
    """A text stream that gives ``head`` (a line already read) before the rest of ``rest``."""

    def __init__(self, head: str, rest: IO[str]) -> None:
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]  # text, not bytes
        if not self._head:
            return self._rest.readline(-1 if size is None else size)
        limit = -1 if size is None or size < 0 else size
        out = self._head if limit < 0 else self._head[:limit]
        self._head = self._head[len(out) :]
        if not self._head and not out.endswith(("\n", "\r")) and (limit < 0 or len(out) < limit):
            out += self._rest.readline(limit if limit < 0 else limit - len(out))  # the rest of that line
        return out

    def read(self, size: int | None = -1) -> str:
        head, self._head = self._head, ""
        if size is None or size < 0:
            return head + self._rest.read()
        if len(head) > size:
            head, self._head = head[:size], head[size:]
            return head
        return head + self._rest.read(size - len(head))

    def close(self) -> None:
        self._rest.close()
        super().close()


class _TooLong(Exception):
    """A CSV record grew past ``Reader.max_record``: its first line and the piece just read."""

    def __init__(self, first: tuple[int, str], piece: str) -> None:
        super().__init__(first[0])
        self.first, self.piece = first, piece


def _fit(fields: list[str], n: int) -> list[str]:
    """Exactly ``n`` cells: padded with empty ones or cut."""
    return (fields + [""] * n)[:n]


def _loose_fields(raw: str, dialect: type[csv.Dialect]) -> list[str]:
    """Best-effort cells of one malformed CSV line, so its other columns (an id) survive."""
    loose = csv.excel_tab if dialect is _StrictTab else csv.excel
    try:
        return next(csv.reader([raw.rstrip("\r\n")], dialect=loose), [])
    except csv.Error:
        return [raw.rstrip("\r\n")]


class Writer:
    """Write scored rows as CSV, JSONL or an aligned table, keeping the input's own fields.

    ``delimiter`` separates CSV cells (``"\\t"`` for a .tsv output)."""

    def __init__(
        self,
        fh: IO[str],
        fmt: str,
        header: list[str] | None,
        added: list[str],
        text_col: str,
        *,
        delimiter: str = ",",
    ) -> None:
        self.fh, self.fmt, self.added, self.text_col = fh, fmt, added, text_col
        self.in_header = header
        self._csv = csv.writer(fh, lineterminator="\n", delimiter=delimiter) if fmt == "csv" else None
        # with "\n" as terminator the csv module does not quote a bare "\r", which readers
        # take for a line end: rows holding one are written with every cell quoted
        self._csv_quoted = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_ALL, delimiter=delimiter)
        self._started = False
        self._count = 0

    def _columns(self) -> list[str]:
        base = self.in_header if self.in_header is not None else [self.text_col]
        return base + self.added

    def write(self, rows: list[Row]) -> None:
        if self.fmt == "csv":
            assert self._csv is not None
            if not self._started:
                self._csv.writerow(self._columns())
            for r in rows:
                cells = _base_cells(r, self.text_col) + [_cell(r.extra.get(c)) for c in self.added]
                writer = self._csv_quoted if any("\r" in c for c in cells) else self._csv
                try:
                    writer.writerow(cells)
                except UnicodeEncodeError:  # a lone surrogate (from a JSON escape) cannot be UTF-8
                    writer.writerow([SURROGATE.sub("\ufffd", c) for c in cells])
        elif self.fmt == "jsonl":
            for r in rows:
                if isinstance(r.fields, dict):
                    obj = dict(r.fields)
                elif isinstance(r.fields, list):  # CSV input: its columns by name
                    obj = dict(zip(self.in_header or [], r.fields))
                else:
                    obj = {self.text_col: r.fields}
                obj.update({c: r.extra.get(c) for c in self.added})
                line = json.dumps(obj, ensure_ascii=False).translate(_LINE_BREAKS) + "\n"
                try:
                    self.fh.write(line)
                except UnicodeEncodeError:  # keep lone surrogates exactly, as JSON escapes
                    self.fh.write(SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", line))
        else:  # table, for people
            widths = [6] + [_width(c) for c in self.added] + [0]
            if not self._started:
                self.fh.write(_table_line(["row", *self.added, "text"], widths) + "\n")
            for r in rows:
                self._count += 1
                text = r.text if r.text is not None else ""
                cells = [str(self._count)] + [_cell(r.extra.get(c), 4) for c in self.added]
                line = _table_line(cells + [clip(text, 48)], widths) + "\n"
                try:
                    self.fh.write(line)
                except UnicodeEncodeError:
                    self.fh.write(SURROGATE.sub("\ufffd", line))
        self._started = True

    def finish(self) -> None:
        """End the output: a CSV or table of an input without rows still gets its header."""
        if not self._started:
            self.write([])


# valid raw in JSON, but str.splitlines() and older JavaScript break lines there: escape them
_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def _base_cells(r: Row, text_col: str) -> list[str]:
    """The input's own cells of a CSV output row (JSONL input keeps only its text field)."""
    if isinstance(r.fields, list):
        return r.fields
    if isinstance(r.fields, dict):
        text = r.fields.get(text_col)
        return [text if isinstance(text, str) else ""]
    return [r.fields]


def _cell(value: Any, digits: int = 6) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, (list, dict)):  # e.g. sentence spans: JSON in a CSV cell
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _width(column: str) -> int:
    if column.endswith("kind"):
        return 15
    if column.endswith("error"):
        return 6
    return max(len(column), 10)


def _table_line(cells: list[str], widths: list[int]) -> str:
    return " ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()


def read_labelled(
    path: str,
    text_col: str,
    label_col: str,
    extra_cols: Sequence[str] = (),
    encoding: str = "utf-8",
    *,
    optional_cols: Sequence[str] = (),
) -> tuple[list[str], list[str], dict[str, list[str | None]]]:
    """Texts, labels and further columns of a labelled CSV or JSONL file.

    The one reader of labelled files (``yaiba train``, ``yaiba eval``,
    :func:`yaiba.io.datasets.load_table`). ``extra_cols`` must exist; ``optional_cols`` are
    returned when the file has them (None in every row otherwise). A row that cannot be read,
    or has no text or label, raises DataError naming the file and line.
    """
    fmt = detect_format(path)
    if fmt == "txt":
        raise DataError(f"{path}: labelled data must be CSV or JSONL (.csv, .tsv, .jsonl)")
    texts: list[str] = []
    labels: list[str] = []
    extras: dict[str, list[str | None]] = {c: [] for c in (*extra_cols, *optional_cols)}
    with Reader(path, fmt, text_col, encoding) as reader:
        header = reader.header or []
        if fmt == "csv":
            for col in (label_col, *extra_cols):
                if col not in header:
                    raise DataError(f"{path}: no column {col!r} (columns: {', '.join(header)})")
        for rows in reader.batches(4096):
            for r in rows:
                if r.error is not None:
                    raise DataError(f"{path}: {r.error}")
                if fmt == "csv":
                    cells = dict(zip(header, r.fields))
                else:
                    cells = r.fields
                label = _label(cells.get(label_col))
                if label is None:
                    raise DataError(f"{path}: line {r.line}: column {label_col!r} is empty")
                if label.lstrip().startswith(("[", "{")) and _is_container(label):
                    raise DataError(
                        f"{path}: line {r.line}: column {label_col!r} holds a list or object ({clip(label, 40)}), "
                        "not a label"
                    )
                texts.append(cast(str, r.text))  # a row without an error has its text
                labels.append(label)
                for col, values in extras.items():
                    value = cells.get(col)
                    values.append(None if value is None else str(value))
    return texts, labels, extras


def _label(value: Any) -> str | None:
    """A label as text; None when it is missing or blank. A JSON list or object stays JSON
    (``[1]``), so that :func:`_is_container` refuses it as it refuses the same text in a CSV."""
    if value is None:
        return None
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value)
    return text if text.strip() else None


def _is_container(label: str) -> bool:
    """Whether ``label`` is a serialised JSON list or object (``[1]``, ``["a"]``, ``{}``)."""
    try:
        return isinstance(json.loads(label), (list, dict))
    except (ValueError, RecursionError):
        return False
