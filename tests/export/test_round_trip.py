"""Round trip: export → import into a fresh registry → the same records; and the fresh
registry's export is the same file.

The source registry runs on each backend; the fresh one is SQLite. The import is the real one
(``services.imports.import_file``), reading the exported file as any department's file.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, cast

import jsonschema
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from tests.check.entries import write_entries
from tests.export.samples import (
    AWKWARD,
    entries,
    licences,
    load,
    penalties,
    snapshot,
    write_licences,
    write_penalties,
)

from jointcredit.access import OPERATOR
from jointcredit.importing import schemas
from jointcredit.importing.formats import Generation, spec
from jointcredit.services.exports import LIST_ENTRY_COLUMNS, export_file
from jointcredit.services.imports import ImportKind, import_file
from jointcredit.services.registry import open_registry

SINCE = "2000-01-01"
#: kind as exported → (the import's kind, the record kinds, the samples' writer)
KINDS: dict[str, tuple[ImportKind, tuple[str, ...]]] = {
    "licensing": ("licensing", ("licensing",)),
    "penalties": ("penalty", ("penalty",)),
    "list-entries": ("list-entry", ("red-list", "black-list")),
}


def _source(registry: Engine, tmp_path: Path, name: str, rows: Any = None) -> None:
    kind = KINDS[name][0]
    if name == "licensing":
        path = write_licences(tmp_path / "in.csv", rows or licences())
    elif name == "penalties":
        path = write_penalties(tmp_path / "in.csv", rows or penalties())
    else:
        path = write_entries(tmp_path / "in.jsonl", rows or entries())
    load(registry, kind, path)


def _fresh(tmp_path: Path, label: str) -> Engine:
    directory = tmp_path / label
    directory.mkdir()
    return open_registry(f"sqlite:///{directory}/registry.sqlite3")


def _round_trip(
    registry: Engine, tmp_path: Path, name: str, generation: str | None, suffix: str
) -> tuple[Path, Engine]:
    """Export ``name`` from ``registry``, import the file into a fresh registry."""
    exported = tmp_path / f"{name}{suffix}"
    summary = export_file(registry, name, exported, since=SINCE, generation=generation, by=OPERATOR)
    assert summary.rows > 0 and summary.withdrawal_count == 0
    _valid_against_the_schema(exported, name, generation)
    fresh = _fresh(tmp_path, f"fresh-{suffix.lstrip('.')}")
    again = import_file(fresh, KINDS[name][0], exported)
    assert again.rejected_rows == 0, again.rejected
    assert again.warnings == []
    assert again.accepted == summary.rows
    return exported, fresh


def _valid_against_the_schema(path: Path, name: str, generation: str | None) -> None:
    """Every row of an exported file is valid under its format's JSON Schema."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    else:
        table = _cells(path)
        rows = [dict(zip(table[0], row, strict=False)) for row in table[1:]]
    validator = jsonschema.Draft202012Validator(
        schemas.schema(name if generation in (None, "current") else f"{name}-{generation}")
    )
    for number, row in enumerate(rows, 1):
        cells = {k: v for k, v in row.items() if v}
        problems = [
            f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(cells)
        ]
        assert problems == [], (number, problems)


@pytest.mark.parametrize("name", ["licensing", "penalties", "list-entries"])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_current_format_round_trip_keeps_every_record_whole(
    registry: Engine, tmp_path: Path, name: str, suffix: str
) -> None:
    _source(registry, tmp_path, name)
    exported, fresh = _round_trip(registry, tmp_path, name, None, suffix)
    kinds = KINDS[name][1]
    before, after = snapshot(registry, kinds), snapshot(fresh, kinds)
    if name == "list-entries":
        # An entry imported in a national list's own format is reported in the generic one:
        # its own columns stay at home.
        own = next(r for r in before.values() if "执行法院" in r["payload"])
        generic = {*LIST_ENTRY_COLUMNS, "subject"}
        own["payload"] = {k: v for k, v in own["payload"].items() if k in generic}
    assert after == before
    assert any(r["persons"] for r in after.values()), "legal representatives came along"
    # The fresh registry's export is the same file, byte for byte (CSV; an XLSX workbook
    # carries the moment it was saved).
    second = tmp_path / f"second{suffix}"
    export_file(fresh, name, second, since=SINCE, by=OPERATOR)
    if suffix == ".csv":
        assert second.read_bytes() == exported.read_bytes()
    else:
        assert _cells(second) == _cells(exported)
    fresh.dispose()


def _cells(path: Path) -> list[tuple[Any, ...]]:
    book = load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in book.active.iter_rows(values_only=True)]
    finally:
        book.close()


#: What the 2016 templates have a place for, and so keeps: record fields …
KEPT_2016 = ("kind", "document_number", "decision_date", "issuing_authority", "status")
#: … and payload fields (the current names they are stored under).
KEPT_PAYLOAD_2016 = {
    "licensing": ("XK_XDR_MC", "XK_XDR_LB", "XK_XDR_SHXYM", "XK_XDR_ZJHM", "XK_FRDB", "XK_XKWS",
                  "XK_WSH", "XK_XKLB", "XK_NR", "XK_JDRQ", "XK_YXQZI", "XK_XKJG", "BZ"),
    "penalties": ("CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_XDR_ZJHM", "CF_FRDB", "CF_WSH",
                  "CF_WFXW", "CF_SY", "CF_YJ", "CF_NR", "CF_JDRQ", "CF_YXQ", "CF_CFJG", "BZ"),
}  # fmt: skip


@pytest.mark.parametrize("name", ["licensing", "penalties"])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_2016_format_round_trip_keeps_what_the_format_holds(
    registry: Engine, tmp_path: Path, name: str, suffix: str
) -> None:
    _source(registry, tmp_path, name)
    exported, fresh = _round_trip(registry, tmp_path, name, "2016", suffix)
    kinds = KINDS[name][1]
    before, after = snapshot(registry, kinds), snapshot(fresh, kinds)
    assert after.keys() == before.keys()
    for number, was in before.items():
        now = after[number]
        for field in KEPT_2016:
            expected = was[field]
            if field == "status" and expected == "cancelled":
                expected = "revoked"  # the 2016 当前状态 has 撤销 only
            assert now[field] == expected, (number, field)
        assert (now["subject_kind"], now["subject_name"], now["subject_identifier"]) == (
            was["subject_kind"],
            was["subject_name"],
            was["subject_identifier"],
        )
        for field in KEPT_PAYLOAD_2016[name]:
            assert now["payload"].get(field) == was["payload"].get(field), (number, field)
        # Categories that the 2016 code table names one by one come back as they were.
        if name == "penalties" and was["category"] in ("罚款", "吊销许可证件"):
            assert now["category"] == was["category"], number
        if name == "licensing":
            assert now["valid_until"] == was["valid_until"]
    assert [r["payload"].get("BZ") for r in after.values()].count(AWKWARD) == 1
    # The 2016 file of the fresh registry is the same again.
    second = tmp_path / f"second{suffix}"
    export_file(fresh, name, second, since=SINCE, generation="2016", by=OPERATOR)
    if suffix == ".csv":
        assert second.read_bytes() == exported.read_bytes()
    else:
        assert _cells(second) == _cells(exported)
    fresh.dispose()


@pytest.mark.parametrize(
    ("name", "generation"),
    [("licensing", "current"), ("licensing", "2016"), ("penalties", "current"),
     ("penalties", "2016"), ("list-entries", None)],
)  # fmt: skip
def test_files_are_utf8_with_bom_and_xlsx_has_the_header_in_order(
    registry: Engine, tmp_path: Path, name: str, generation: str | None
) -> None:
    _source(registry, tmp_path, name)
    kind = KINDS[name][0]
    header = list(
        LIST_ENTRY_COLUMNS if generation is None else spec(kind, cast(Generation, generation))
    )
    csv_path, xlsx_path = tmp_path / "out.csv", tmp_path / "out.xlsx"
    export_file(registry, name, csv_path, since=SINCE, generation=generation, by=OPERATOR)
    export_file(registry, name, xlsx_path, since=SINCE, generation=generation, by=OPERATOR)
    data = csv_path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + ",".join(header).encode() + b"\r\n")
    cells = _cells(xlsx_path)
    assert list(cells[0]) == header
    # Every cell is text: codes keep their zeros, nothing is a number or a formula.
    assert all(isinstance(v, str) for row in cells for v in row if v is not None)
    book = load_workbook(xlsx_path)
    assert all(c.data_type == "s" for row in book.active.iter_rows() for c in row if c.value)
    book.close()
