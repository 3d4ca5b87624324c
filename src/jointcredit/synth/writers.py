"""Streaming writers for rows: CSV, JSON Lines and XLSX.

All three write one row at a time and keep nothing, so memory stays flat. XLSX goes through
openpyxl's write-only mode, which streams rows to a temporary file; it is far slower than the
others (about 4,000 rows/s without lxml, some 25 times slower than CSV) and a sheet holds at
most 1,048,576 rows, so XLSX is practical up to about a million rows.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import cast

FORMATS = ("csv", "jsonl", "xlsx")
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")
EXTENSIONS = {"csv": "csv", "jsonl": "jsonl", "xlsx": "xlsx"}
#: Data rows one XLSX sheet can hold (one more row is the header).
XLSX_MAX_ROWS = 1_048_575
# Large write buffers: the writers emit many short strings.
_BUFFER = 1 << 20
#: Characters that JSON strings must escape (json.JSONEncoder with ensure_ascii=False).
_JSON_ESCAPES = re.compile(r"[\x00-\x1f\\]")


#: Rows are mappings (field name → value) or sequences of values in field order.
Rows = Iterable[Mapping[str, str]] | Iterable[Sequence[str]]


def _values(rows: Rows, fieldnames: Sequence[str]) -> Iterator[Sequence[str]]:
    """Each row's values in ``fieldnames`` order; missing fields become "".

    The first row decides whether all are mappings or sequences: checking every row would
    cost as much as writing it.
    """
    it = iter(rows)
    first = next(it, None)
    if first is None:
        return
    if not isinstance(first, Mapping):
        yield cast(Sequence[str], first)
        yield from cast(Iterator[Sequence[str]], it)
        return
    get = itemgetter(*fieldnames)
    for row in chain((first,), cast(Iterator[Mapping[str, str]], it)):
        try:
            yield cast(Sequence[str], get(row))
        except KeyError:
            yield [row.get(name, "") for name in fieldnames]


def write_csv(path: Path, rows: Rows, fieldnames: Sequence[str],
              encoding: str = "utf-8") -> int:  # fmt: skip
    """Write a CSV file with a header of ``fieldnames``; returns the number of data rows.

    Output is what :func:`csv.writer` writes (minimal quoting, CRLF line ends), made faster: a
    row whose values hold no comma, quote or line break is joined directly, since minimal
    quoting would leave it unchanged; only other rows go through the csv module.
    """
    sep_count = len(fieldnames) - 1
    count = 0
    with open(path, "w", encoding=encoding, newline="", buffering=_BUFFER) as out:
        writer = csv.writer(out)
        writer.writerow(fieldnames)
        chunk: list[str] = []
        for values in _values(rows, fieldnames):
            try:
                line = ",".join(values)
            except TypeError:  # a value that is not a string: let the csv module convert it
                line = '"'
            if line.count(",") != sep_count or '"' in line or "\n" in line or "\r" in line:
                out.write("".join(chunk))
                chunk.clear()
                writer.writerow(values)
            else:
                chunk.append(line)
                chunk.append("\r\n")
                if len(chunk) >= 2048:
                    out.write("".join(chunk))
                    chunk.clear()
            count += 1
        out.write("".join(chunk))
    return count


def write_jsonl(path: Path, rows: Rows, fieldnames: Sequence[str]) -> int:
    """Write JSON Lines (UTF-8, one object per row with every field as a key, compact
    separators); returns the number of rows.

    Output is what :class:`json.JSONEncoder` writes, made faster: the keys are encoded once and
    a row's string values are spliced in between them when none needs escaping (no quote,
    backslash or control character); other rows go through the encoder.
    """
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    names = tuple(fieldnames)
    template: list[str] = []
    for i, name in enumerate(names):
        template += [("{" if i == 0 else '",') + encode(name) + ':"', ""]
    template.append('"}' if names else "{}")
    quotes = 4 * len(names)
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n", buffering=_BUFFER) as out:
        chunk: list[str] = []
        parts = template.copy()
        for values in _values(rows, fieldnames):
            try:
                parts[1::2] = values
                line = "".join(parts)
                if line.count('"') != quotes or _JSON_ESCAPES.search(line):
                    line = ""
            except (TypeError, ValueError):  # not strings, or not one per field
                line = ""
            chunk.append(line or encode(dict(zip(names, values, strict=True))))
            chunk.append("\n")
            if len(chunk) >= 2048:
                out.write("".join(chunk))
                chunk.clear()
            count += 1
        out.write("".join(chunk))
    return count


def write_xlsx(path: Path, rows: Rows, fieldnames: Sequence[str],
               sheet: str = "data") -> int:  # fmt: skip
    """Write an XLSX workbook (one sheet, header first) in write-only mode; returns the number
    of data rows. Values stay text: identifiers and dates must not become numbers."""
    from openpyxl import Workbook  # imported here: it is slow to import and only XLSX needs it

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append(list(fieldnames))
    count = 0
    for values in _values(rows, fieldnames):
        count += 1
        if count > XLSX_MAX_ROWS:
            raise ValueError(f"an XLSX sheet holds at most {XLSX_MAX_ROWS:,} data rows")
        ws.append(list(values))
    wb.save(path)
    return count


def write_rows(path: str | Path, rows: Rows, fieldnames: Sequence[str],
               fmt: str = "csv", encoding: str = "utf-8") -> int:  # fmt: skip
    """Write ``rows`` to ``path`` as ``fmt`` (csv, jsonl or xlsx); returns the number of rows.

    ``encoding`` applies to CSV only: JSON Lines is always UTF-8, XLSX has its own.
    """
    path = Path(path)
    if fmt == "csv":
        if encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}")
        return write_csv(path, rows, fieldnames, encoding)
    if fmt == "jsonl":
        return write_jsonl(path, rows, fieldnames)
    if fmt == "xlsx":
        return write_xlsx(path, rows, fieldnames, sheet=path.stem[:31] or "data")
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")
