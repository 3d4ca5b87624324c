"""What an upward file holds: only what is publishable, the revoked decisions the national
platform must take down, the withdrawals it has no place for; ``--since``; the audit row; no
half-written file; the parameters' errors. On each backend."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from tests.check.entries import entry, write_entries
from tests.export.samples import DECIDED, TODAY, load, write_licences, write_penalties
from tests.importing.rows import licensing_row, penalty_row, resident_id

from jointcredit.access import OPERATOR, Principal
from jointcredit.errors import InvalidInputError
from jointcredit.services import audit
from jointcredit.services import exports as service
from jointcredit.services.imports import import_file
from jointcredit.services.registry import open_registry
from jointcredit.store import exports as store
from jointcredit.store import records
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import credit_records

SINCE = "2000-01-01"
LONG_AGO = TODAY - dt.timedelta(days=800)
PERSON = resident_id(555, birth="19900101")


def _day(days: int) -> str:
    return (TODAY + dt.timedelta(days=days)).isoformat()


@dataclass
class World:
    engine: Engine
    directory: Path


def _set_status(engine: Engine, document_number: str, status: str) -> None:
    with write_transaction(engine) as conn:
        record_id = conn.execute(
            select(credit_records.c.id).where(credit_records.c.document_number == document_number)
        ).scalar_one()
        records.set_status(
            conn, record_id, status, actor="test", now=dt.datetime.now(dt.UTC), reason="test"
        )


@pytest.fixture
def world(registry: Engine, tmp_path: Path) -> Iterator[World]:
    """Records of every state an export must tell apart, named by their document numbers."""
    licences = [
        licensing_row(1, XK_WSH="L-active", XK_JDRQ=DECIDED, XK_YXQZ=DECIDED, XK_YXQZI=_day(300)),
        licensing_row(2, XK_WSH="L-revoked", XK_JDRQ=DECIDED, XK_ZT="撤销", XK_YXQZI=_day(300)),
        licensing_row(3, XK_WSH="L-withdrawn", XK_JDRQ=DECIDED, XK_YXQZI=_day(300)),
        # Valid (and so published) until a year ago.
        licensing_row(4, XK_WSH="L-past", XK_JDRQ=LONG_AGO.isoformat(),
                      XK_YXQZ=LONG_AGO.isoformat(), XK_YXQZI=_day(-365)),
    ]  # fmt: skip
    penalties = [
        penalty_row(11, CF_WSH="P-active", CF_JDRQ=DECIDED),
        # 警告 is minor: not published by default (NDRC Order No. 36).
        penalty_row(12, CF_WSH="P-minor", CF_JDRQ=DECIDED, CF_CFLB="警告", CF_NR_FK=""),
        penalty_row(13, CF_WSH="P-window-over", CF_JDRQ=LONG_AGO.isoformat(),
                    CF_GSJZQ=_day(-100)),
        penalty_row(14, CF_WSH="P-repaired", CF_JDRQ=DECIDED),
        penalty_row(15, CF_WSH="P-revoked", CF_JDRQ=DECIDED, CF_XDR_MC="李测试",
                    CF_XDR_LB="自然人", CF_XDR_SHXYM="", CF_FRDB="", CF_FR_ZJLX="",
                    CF_FR_ZJHM="", CF_XDR_ZJLX="身份证", CF_XDR_ZJHM=PERSON),
    ]  # fmt: skip
    entries = [
        entry(21, document_number="E-active", decided_on=DECIDED),
        entry(22, document_number="E-ended", decided_on=DECIDED),
        entry(23, document_number="E-disputed", decided_on=DECIDED),
        # Two years' listing from three years ago: over.
        entry(24, document_number="E-expired", decided_on=_day(-1100)),
        # In effect (and public) only from a later day.
        entry(25, document_number="E-later", decided_on=DECIDED, valid_from=_day(5)),
    ]  # fmt: skip
    load(registry, "licensing", write_licences(tmp_path / "l.csv", licences))
    load(registry, "penalty", write_penalties(tmp_path / "p.csv", penalties))
    load(registry, "list-entry", write_entries(tmp_path / "e.jsonl", entries))
    _set_status(registry, "L-withdrawn", "withdrawn")  # an objection upheld
    _set_status(registry, "P-repaired", "repaired")  # credit repair approved
    _set_status(registry, "P-revoked", "revoked")
    _set_status(registry, "E-ended", "cancelled")  # ended early
    _set_status(registry, "E-disputed", "disputed")  # an objection open
    out = tmp_path / "out"
    out.mkdir()
    yield World(registry, out)


def _export(
    w: World, name: str, generation: str | None = None, suffix: str = ".csv", **kw: Any
) -> tuple[service.ExportSummary, dict[str, dict[str, str]]]:
    target = w.directory / f"{name}-{generation}{suffix}"
    summary = service.export_file(
        w.engine, name, target, since=kw.pop("since", SINCE), generation=generation,
        by=kw.pop("by", OPERATOR), **kw,
    )  # fmt: skip
    with target.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    key = {"licensing": "XK_WSH", "penalties": "CF_WSH", "list-entries": "document_number"}
    return summary, {row[key[name]]: row for row in rows}


def _withdrawn(summary: service.ExportSummary) -> dict[str, str]:
    return {w["document_number"]: w["status"] for w in summary.withdrawals}


def test_licences_only_publishable_and_revoked_ones_marked(world: World) -> None:
    summary, rows = _export(world, "licensing")
    assert set(rows) == {"L-active", "L-revoked"}
    assert (rows["L-active"]["XK_ZT"], rows["L-revoked"]["XK_ZT"]) == ("1", "2")  # 有效, 无效
    assert dict(summary.by_status) == {"active": 1, "revoked": 1}
    # Withdrawn on an upheld objection: not the department's revocation, not in the file.
    assert _withdrawn(summary) == {"L-withdrawn": "withdrawn"}

    summary, rows = _export(world, "licensing", "2016")
    assert set(rows) == {"L-active", "L-revoked"}
    assert (rows["L-active"]["XK_ZT"], rows["L-revoked"]["XK_ZT"]) == ("0", "1")  # 正常, 撤销
    assert _withdrawn(summary) == {"L-withdrawn": "withdrawn"}


def test_penalties_revoked_are_rows_in_2016_and_withdrawals_in_the_current_format(
    world: World,
) -> None:
    summary, rows = _export(world, "penalties")
    assert set(rows) == {"P-active"}, "minor, past its window, repaired, revoked: not in it"
    assert _withdrawn(summary) == {"P-repaired": "repaired", "P-revoked": "revoked"}
    assert summary.withdrawal_count == 2
    # The summary names the records; a person's identity number masked (it is printed).
    text = json.dumps(summary.to_dict(), ensure_ascii=False)
    assert PERSON not in text
    revoked = next(w for w in summary.withdrawals if w["status"] == "revoked")
    assert revoked["subject"].startswith(PERSON[:6]) and "*" in revoked["subject"]

    summary, rows = _export(world, "penalties", "2016")
    assert set(rows) == {"P-active", "P-revoked"}
    assert (rows["P-active"]["CF_ZT"], rows["P-revoked"]["CF_ZT"]) == ("0", "1")
    assert rows["P-revoked"]["CF_XDR_SFZ"] == PERSON, "the upward file has identifiers in full"
    assert _withdrawn(summary) == {"P-repaired": "repaired"}
    assert dict(summary.by_status) == {"active": 1, "revoked": 1}


def test_list_entries_only_those_in_effect(world: World) -> None:
    summary, rows = _export(world, "list-entries")
    assert set(rows) == {"E-active"}, "ended, disputed, expired, not yet in effect: not in it"
    # Ended early: a withdrawal. Disputed (suspended while an objection is open) and expired
    # (the national platform has the period): neither.
    assert _withdrawn(summary) == {"E-ended": "cancelled"}
    with pytest.raises(InvalidInputError, match=r"^--format: list entries have one format"):
        _export(world, "list-entries", "2016")
    assert _export(world, "list-entries", "current")[1].keys() == {"E-active"}


def test_since_counts_versions_and_publication_starts(world: World) -> None:
    later = TODAY + dt.timedelta(days=10)
    tomorrow = _day(1)
    # Judged ten days on, from tomorrow: nothing was recorded since; the entry in effect from
    # the fifth day on became publishable since, and is reported.
    summary, rows = _export(world, "list-entries", since=tomorrow, today=later)
    assert set(rows) == {"E-later"}
    assert summary.withdrawal_count == 0
    summary, rows = _export(world, "licensing", since=tomorrow, today=later)
    assert rows == {} and summary.rows == 0 and summary.withdrawals == []
    # From today: everything recorded today.
    summary, rows = _export(world, "licensing", since=TODAY.isoformat())
    assert set(rows) == {"L-active", "L-revoked"}
    assert _withdrawn(summary) == {"L-withdrawn": "withdrawn"}


def test_the_export_is_audited_and_the_file_owner_only(world: World) -> None:
    target = world.directory / "penalties.csv"
    by = Principal("operator", name="张测试")
    summary = service.export_file(world.engine, "penalties", target, since=SINCE, by=by)
    assert target.stat().st_mode & 0o777 == 0o600
    [row] = audit.page(world.engine, by=OPERATOR, limit=10, action="export-file")
    assert row["id"] == summary.audit_entry
    assert row["role"] == "operator"
    assert row["result_digest"] == "sha256:" + hashlib.sha256(target.read_bytes()).hexdigest()
    assert row["detail"] == {
        "kind": "penalty",
        "format": "current",
        "type": "csv",
        "since": SINCE,
        "file": "penalties.csv",
        "rows": 1,
        "by_status": {"active": 1},
        "withdrawals": 2,
        "left_out": 0,
        "by": "张测试",
    }
    assert PERSON not in json.dumps(row, ensure_ascii=False)


def test_a_failed_export_leaves_no_file(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    target = world.directory / "licensing.csv"
    target.write_text("the previous file\n", encoding="utf-8")
    calls = 0

    def broken(*args: Any) -> dict[str, str]:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise RuntimeError("the disk is gone")
        return real(*args)

    real = service.export_row
    monkeypatch.setattr(service, "export_row", broken)
    with pytest.raises(RuntimeError):
        service.export_file(world.engine, "licensing", target, since=SINCE, by=OPERATOR)
    monkeypatch.undo()

    def unrecorded(by: Principal, events: Any) -> list[int]:
        raise RuntimeError("the audit log cannot be written")

    xlsx = world.directory / "licensing.xlsx"
    with pytest.raises(RuntimeError):
        service.export_file(
            world.engine, "licensing", xlsx, since=SINCE, by=OPERATOR, recorder=unrecorded
        )
    assert target.read_text(encoding="utf-8") == "the previous file\n"
    assert sorted(p.name for p in world.directory.iterdir()) == ["licensing.csv"]
    assert audit.page(world.engine, by=OPERATOR, limit=10, action="export-file") == []


def test_records_are_read_in_batches(world: World) -> None:
    query = store.ExportQuery(
        ("licensing", "penalty", "red-list", "black-list"),
        dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        dt.date(2000, 1, 1),
        TODAY,
    )
    with world.engine.connect() as conn:
        whole = [r["id"] for r in store.exported_records(conn, query)]
        by_two = [r["id"] for r in store.exported_records(conn, query, batch=2)]
    assert by_two == whole == sorted(whole)
    # Published or ended for good: L-active, L-revoked, L-withdrawn, P-active, P-repaired,
    # P-revoked, E-active, E-ended.
    assert len(whole) == 8


def test_a_subject_the_2016_template_cannot_name_is_left_out(
    registry: Engine, tmp_path: Path
) -> None:
    """A person known by a passport: the current format carries the document, the 2016
    template has no column for it, and a row naming nobody would be refused on import."""
    passport = {
        "XK_XDR_MC": "测试外籍人",
        "XK_XDR_LB": "自然人",
        "XK_XDR_SHXYM": "",
        "XK_FRDB": "",
        "XK_FR_ZJLX": "",
        "XK_FR_ZJHM": "",
        "XK_XDR_ZJLX": "护照号",
        "XK_XDR_ZJHM": "E12345678",
    }
    rows = [
        licensing_row(31, XK_WSH="L-passport", XK_JDRQ=DECIDED, **passport),
        licensing_row(32, XK_WSH="L-company", XK_JDRQ=DECIDED),
    ]
    load(registry, "licensing", write_licences(tmp_path / "l.csv", rows))
    w = World(registry, tmp_path)
    summary, found = _export(w, "licensing")
    assert set(found) == {"L-passport", "L-company"} and summary.left_out_count == 0
    assert found["L-passport"]["XK_XDR_ZJHM"] == "E12345678"
    summary, found = _export(w, "licensing", "2016")
    assert set(found) == {"L-company"}
    assert summary.left_out_count == 1 and summary.withdrawal_count == 0
    [left] = summary.left_out
    assert left["document_number"] == "L-passport" and "E12345678" not in left["subject"]
    [row] = audit.page(registry, by=OPERATOR, limit=1, action="export-file")
    assert row["detail"]["left_out"] == 1


def test_statuses_after_a_round_trip(world: World, tmp_path: Path) -> None:
    """The current format says 无效 of a revoked and a cancelled licence alike, and reads it as
    cancelled; the 2016 template says 撤销 of both, read as revoked."""
    for generation, revoked in (("current", "cancelled"), ("2016", "revoked")):
        target = world.directory / f"statuses-{generation}.csv"
        service.export_file(
            world.engine, "licensing", target, since=SINCE, generation=generation, by=OPERATOR
        )
        fresh = open_registry(f"sqlite:///{tmp_path}/fresh-{generation}.sqlite3")
        try:
            assert import_file(fresh, "licensing", target).accepted == 2
            with fresh.connect() as conn:
                query = select(credit_records.c.document_number, credit_records.c.status)
                statuses = {number: status for number, status in conn.execute(query)}
        finally:
            fresh.dispose()
        assert statuses == {"L-active": "active", "L-revoked": revoked}
