"""Files of identifiers to screen: a bank's book, an approval office's applicants.

CSV (a column ``identifier``, ``uscc`` or ``id_number``, else the first; the first row is a
header only when it names one of them), JSON Lines (key ``identifier``, ``uscc`` or
``id_number``, or a bare JSON string) or one identifier per line. Shared by ``jointcredit
screen`` and ``POST /api/v1/screen``, so that both read a file the same way.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator
from pathlib import Path

from jointcredit.importing.readers import detect_encoding

COLUMNS = ("identifier", "uscc", "id_number")

#: Suffixes read as CSV and as JSON Lines; every other file is one identifier per line.
CSV_SUFFIXES = (".csv",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")


def read_identifiers(path: Path) -> Iterator[tuple[int, str]]:
    """(line, identifier) of every data row of ``path``, 1-based, in order; the format follows
    the suffix (``.csv``, ``.jsonl``/``.ndjson``, else plain lines)."""
    suffix = path.suffix.lower()
    with path.open("rb") as raw:
        encoding = detect_encoding(raw.read(1 << 16))
    with path.open(encoding=encoding, errors="replace", newline="") as f:
        if suffix in JSONL_SUFFIXES:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    obj = None
                if isinstance(obj, dict):
                    value = next((obj[k] for k in COLUMNS if obj.get(k)), line.strip())
                else:
                    value = obj if isinstance(obj, str) else line.strip()
                yield number, str(value)
        elif suffix in CSV_SUFFIXES:
            reader = csv.reader(f)
            first = next(reader, None)
            if first is None:
                return
            names = [h.strip().lstrip("\ufeff").lower() for h in first]
            named = [names.index(n) for n in COLUMNS if n in names]
            # A first row that names a column is a header; otherwise it is the first identifier.
            column = named[0] if named else 0
            rows = reader if named else itertools.chain([first], reader)
            for number, cells in enumerate(rows, start=1):
                if cells:
                    yield number, cells[column] if column < len(cells) else ""
        else:
            for number, line in enumerate(f, start=1):
                if line.strip():
                    yield number, line.strip()


__all__ = ["COLUMNS", "read_identifiers"]
