"""Readers for the departments' files: CSV (UTF-8 with or without BOM, GB18030), XLSX, JSON Lines.

Each reader yields ``(row_number, values)`` where ``row_number`` is the 1-based data row (the
header is not counted; in JSON Lines, the line number) and ``values`` maps field name to the
cell's text, or a :class:`RowProblem` when the row itself is unreadable. Memory stays flat in
the size of the file: rows are streamed, never collected.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from jointcredit.errors import InputFileError
from jointcredit.messages.reasons import Reason

FileFormat = Literal["csv", "jsonl", "xlsx"]

_EXTENSIONS: dict[str, FileFormat] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".xlsx": "xlsx",
}

#: Longest CSV field read, in characters. A field of the national formats holds at most a few
#: thousand (违法事实); past this, an unclosed quote that would swallow the rest of the file into
#: one field in memory becomes that row's rejection, and reading goes on at the next line.
FIELD_MAX = 1 << 20
csv.field_size_limit(FIELD_MAX)

# Decoding errors are replaced, not raised, so that one bad byte rejects one row (the row that
# holds U+FFFD names the field) instead of aborting the file half-way.
REPLACEMENT = "\ufffd"


#: Longest line of a JSON Lines file, in characters: a row of the national formats holds at
#: most 30 fields of 4,000 characters; a longer line is that row's rejection, read no further.
LINE_MAX = 1 << 20
#: Deepest nesting of a JSON Lines row: a list entry's ``persons`` is an array of objects (3).
DEPTH_MAX = 16


def _too_deep(value: object, limit: int) -> bool:
    """Whether ``value`` nests objects and arrays more than ``limit`` levels deep."""
    level: list[object] = [value]
    for _ in range(limit):
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)  # type: ignore[attr-defined]
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


@dataclass(frozen=True, slots=True)
class XlsxLimits:
    """What an XLSX workbook may hold before it is parsed (docs/configuration.md)."""

    max_bytes: int
    max_shared_strings: int
    max_cell_chars: int

    @classmethod
    def from_settings(cls) -> XlsxLimits:
        from jointcredit.settings import get_settings

        s = get_settings()
        return cls(s.import_xlsx_max_bytes, s.import_xlsx_max_shared_strings,
                   s.import_xlsx_max_cell_chars)  # fmt: skip


class _Refused(Exception):
    """Raised from inside the XML scanner to stop at the first part over a limit."""


def check_workbook(path: Path, limits: XlsxLimits) -> None:
    """Refuse a workbook that would exhaust memory when parsed, before openpyxl opens it.

    A workbook is a zip of XML parts: a file of kilobytes can unpack to gigabytes (the sizes
    declared in the zip's directory, which the zip reader enforces, are summed), and openpyxl
    keeps every shared string in memory and every cell's text whole. The shared strings and
    the worksheets are scanned as a stream (expat, in constant memory) for the number of
    strings and the length of each cell; document type declarations, which XLSX never needs
    and which entity expansion abuses, are refused.
    """
    import xml.parsers.expat
    import zipfile

    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputFileError(f"{name}: not a readable XLSX workbook ({exc})") from exc
    with archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        if total > limits.max_bytes:
            raise InputFileError(
                f"{name}: the workbook unpacks to {total} bytes, more than the limit of "
                f"{limits.max_bytes} (JOINTCREDIT_IMPORT_XLSX_MAX_BYTES); nothing was imported"
            )
        parts = [
            m.filename
            for m in members
            if (m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml"))
            or m.filename.endswith("sharedStrings.xml")
        ]
        for part in parts:
            try:
                with archive.open(part) as stream:
                    _PartScanner(part.endswith("sharedStrings.xml"), limits).scan(stream)
            except _Refused as exc:
                raise InputFileError(f"{name}: {part} holds {exc}; nothing was imported") from None
            except (xml.parsers.expat.ExpatError, zipfile.BadZipFile, OSError) as exc:
                raise InputFileError(f"{name}: not a readable XLSX workbook ({exc})") from exc


class _PartScanner:
    """Counts one XML part's shared strings (``si``) or measures its cells (``c``)."""

    def __init__(self, shared: bool, limits: XlsxLimits):
        self.cell = "si" if shared else "c"
        self.shared = shared
        self.limits = limits
        self.inside = False
        self.chars = 0
        self.strings = 0

    def scan(self, stream: IO[bytes]) -> None:
        import xml.parsers.expat

        parser = xml.parsers.expat.ParserCreate()
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._doctype
        while chunk := stream.read(1 << 16):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)

    def _start(self, tag: str, _attrs: object) -> None:
        if tag.rpartition(":")[2] != self.cell:
            return
        self.inside, self.chars = True, 0
        if self.shared:
            self.strings += 1
            if self.strings > self.limits.max_shared_strings:
                raise _Refused(
                    f"more than {self.limits.max_shared_strings} shared strings "
                    "(JOINTCREDIT_IMPORT_XLSX_MAX_SHARED_STRINGS)"
                )

    def _end(self, tag: str) -> None:
        if tag.rpartition(":")[2] == self.cell:
            self.inside = False

    def _text(self, data: str) -> None:
        if self.inside:
            self.chars += len(data)
            if self.chars > self.limits.max_cell_chars:
                raise _Refused(
                    f"a cell longer than {self.limits.max_cell_chars} characters "
                    "(JOINTCREDIT_IMPORT_XLSX_MAX_CELL_CHARS)"
                )

    def _doctype(self, *_args: object) -> None:
        raise _Refused("a document type declaration, which XLSX does not use")


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that cannot be split into fields at all."""

    field: str
    error: str


Row = tuple[int, "Mapping[str, str] | RowProblem"]


def detect_format(path: Path) -> FileFormat:
    try:
        return _EXTENSIONS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(_EXTENSIONS))
        raise InputFileError(
            f"{path.name}: unknown file type {path.suffix!r}; expected one of {known}"
        ) from None


def detect_encoding(head: bytes) -> str:
    """Guess the encoding of a CSV file from its first bytes.

    A BOM decides; otherwise UTF-8 if the bytes decode as UTF-8 (a multi-byte character cut at
    the end of the sample is allowed), else GB18030, the national standard superset of GBK.

    >>> detect_encoding('名称'.encode('utf-8'))
    'utf-8'
    >>> detect_encoding(codecs.BOM_UTF8 + b'a')
    'utf-8-sig'
    >>> detect_encoding('名称'.encode('gb18030'))
    'gb18030'
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


class Source:
    """One input file, opened lazily; ``fields`` is the header once :meth:`rows` has started."""

    def __init__(
        self,
        path: Path,
        *,
        encoding: str | None = None,
        fmt: FileFormat | None = None,
        xlsx_limits: XlsxLimits | None = None,
    ):
        self.path = path
        self.xlsx_limits = xlsx_limits
        self.format: FileFormat = fmt or detect_format(path)
        self.encoding = encoding
        self.fields: list[str] = []
        if not path.is_file():
            raise InputFileError(f"{path}: no such file")
        self.size = path.stat().st_size
        if self.size == 0:
            raise InputFileError(f"{path.name}: the file is empty")
        self.bytes_read = 0

    def rows(self) -> Iterator[Row]:
        if self.format == "csv":
            return self._csv_rows()
        if self.format == "jsonl":
            return self._jsonl_rows()
        return self._xlsx_rows()

    # -- CSV ---------------------------------------------------------------------------------

    def _csv_rows(self) -> Iterator[Row]:
        with self.path.open("rb") as raw:
            head = raw.read(1 << 16)
            encoding = self.encoding or detect_encoding(head)
            self.encoding = encoding
            delimiter = _sniff_delimiter(head.decode(encoding, errors="replace"), self.path)
            raw.seek(0)
            counted = io.BufferedReader(_CountingReader(raw, self))
            text = io.TextIOWrapper(counted, encoding=encoding, errors="replace", newline="")
            reader = csv.reader(text, delimiter=delimiter, strict=False)
            try:
                header = next(reader)
            except StopIteration:
                raise InputFileError(f"{self.path.name}: the file has no header row") from None
            self.fields = [h.strip().lstrip("\ufeff") for h in header]
            if any(REPLACEMENT in h for h in self.fields):
                raise InputFileError(
                    f"{self.path.name}: the header is not valid {encoding}; "
                    "pass --encoding utf-8 or --encoding gb18030"
                )
            width = len(self.fields)
            number = 0
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    number += 1
                    yield number, RowProblem("-", Reason("row.unclosed-quote", detail=str(exc)))
                    continue
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue  # blank line: not a row
                number += 1
                if len(cells) != width:
                    yield (
                        number,
                        RowProblem("-", Reason("row.width", got=len(cells), width=width)),
                    )
                    continue
                yield number, dict(zip(self.fields, cells, strict=True))

    # -- JSON Lines --------------------------------------------------------------------------

    def _jsonl_rows(self) -> Iterator[Row]:
        with self.path.open("rb") as raw:
            counted = io.BufferedReader(_CountingReader(raw, self))
            self.encoding = self.encoding or "utf-8-sig"
            text = io.TextIOWrapper(counted, encoding=self.encoding, errors="replace")
            number = 0
            # Line by line with a bound: a file of one endless line must not be read whole.
            while line := text.readline(LINE_MAX + 1):
                number += 1
                if len(line) > LINE_MAX and not line.endswith("\n"):
                    while (rest := text.readline(1 << 16)) and not rest.endswith("\n"):
                        pass
                    yield number, RowProblem("-", Reason("row.line-too-long", limit=LINE_MAX))
                    continue
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield (
                        number,
                        RowProblem("-", Reason("row.json", detail=exc.msg, column=exc.colno)),
                    )
                    continue
                except RecursionError:
                    yield number, RowProblem("-", Reason("row.json-depth", limit=DEPTH_MAX))
                    continue
                except ValueError as exc:  # an integer of thousands of digits, among others
                    yield number, RowProblem("-", f"not valid JSON: {exc}")
                    continue
                if isinstance(obj, dict) and _too_deep(obj, DEPTH_MAX):
                    yield number, RowProblem("-", Reason("row.json-depth", limit=DEPTH_MAX))
                    continue
                if not isinstance(obj, dict):
                    yield (
                        number,
                        RowProblem("-", Reason("row.json-object", kind=type(obj).__name__)),
                    )
                    continue
                for key in obj:
                    if key not in self.fields:
                        self.fields.append(key)
                yield number, {str(k): _cell_text(v) for k, v in obj.items()}

    # -- XLSX --------------------------------------------------------------------------------

    def _xlsx_rows(self) -> Iterator[Row]:
        import zipfile

        from openpyxl import load_workbook

        check_workbook(self.path, self.xlsx_limits or XlsxLimits.from_settings())
        try:
            book = load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise InputFileError(f"{self.path.name}: not a readable XLSX workbook ({exc})") from exc
        try:
            sheet = book.worksheets[0]
            cells = sheet.iter_rows(values_only=True)
            try:
                header = next(cells)
            except StopIteration:
                raise InputFileError(f"{self.path.name}: the first sheet is empty") from None
            while header and header[-1] is None:
                header = header[:-1]
            self.fields = [_cell_text(h).strip() for h in header]
            width = len(self.fields)
            number = 0
            for values in cells:
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                number += 1
                extra = [v for v in values[width:] if v is not None and str(v).strip()]
                if extra:
                    yield (
                        number,
                        RowProblem("-", Reason("row.beyond-header", width=width)),
                    )
                    continue
                padded = list(values[:width]) + [None] * (width - len(values))
                yield number, {f: _cell_text(v) for f, v in zip(self.fields, padded, strict=True)}
                # read-only worksheets expose no byte offset; report progress in rows instead
                self.bytes_read = number
        finally:
            book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


def _sniff_delimiter(sample: str, path: Path) -> str:
    first = sample.split("\n", 1)[0]
    if path.suffix.lower() == ".tsv" or first.count("\t") > first.count(","):
        return "\t"
    return ","


class _CountingReader(io.RawIOBase):
    """Counts the bytes read so that a progress bar can show how far into the file we are."""

    def __init__(self, raw: IO[bytes], source: Source):
        self._raw = raw
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self._source.bytes_read += n
        return n
