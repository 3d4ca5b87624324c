"""The outbox: who is told of an entry's change, once per version and department."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError
from tests.check.entries import entry, write_entries

from jointcredit.services import push
from jointcredit.services.imports import import_file
from jointcredit.store import records
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import credit_records, messages, subscriptions

NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)


def _entry_id(engine: Engine, tmp_path: Path, list_type: str, serial: int = 1) -> int:
    department = "SAT" if list_type == "major-tax-violation-parties" else "SPC"
    summary = import_file(
        engine,
        "list-entry",
        write_entries(tmp_path / "e.jsonl", [entry(serial, list_type, department=department)]),
        today=NOW.date(),
    )
    assert summary.rejected == []
    with engine.connect() as conn:
        return int(conn.execute(select(credit_records.c.id)).scalar_one())


def _sent(engine: Engine) -> list[tuple[str, str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(messages.c.department, messages.c.event, messages.c.record_version)
        ).all()
    return sorted((r.department, r.event, r.record_version) for r in rows)


def test_every_implementing_department_is_told_once(registry: Engine, tmp_path: Path) -> None:
    record = _entry_id(registry, tmp_path, "major-tax-violation-parties")
    expected = set(push.implementers("major-tax-violation-parties", NOW.date()))
    assert {"MPS", "GACC", "SPC"} <= expected
    with write_transaction(registry) as conn:
        ids = push.emit(conn, record, "entry.listed", now=NOW)
    assert len(ids) == len(expected)
    assert {d for d, _, _ in _sent(registry)} == expected
    # The same event of the same version again (a retried step, a second worker): nothing new.
    with write_transaction(registry) as conn:
        assert push.emit(conn, record, "entry.listed", now=NOW) == []
    assert len(_sent(registry)) == len(expected)


def test_a_message_names_the_measures_the_department_implements(
    registry: Engine, tmp_path: Path
) -> None:
    record = _entry_id(registry, tmp_path, "major-tax-violation-parties")
    with write_transaction(registry) as conn:
        push.emit(conn, record, "entry.listed", now=NOW)
        payload = conn.execute(
            select(messages.c.payload).where(messages.c.department == "GACC")
        ).scalar_one()
    assert payload["entry"]["id"] == record and payload["entry"]["list_type"]
    assert payload["measures"], "GACC implements measures on this list"
    assert all(m["legal_basis"] for m in payload["measures"])
    assert payload["idempotency_key"].startswith(f"jc-r{record}v1-")


def test_a_later_event_reaches_everyone_told_before(registry: Engine, tmp_path: Path) -> None:
    record = _entry_id(registry, tmp_path, "judgment-defaulters")
    with write_transaction(registry) as conn:
        conn.execute(
            insert(subscriptions).values(
                department="LOCAL-BANK",
                url="http://127.0.0.1:9/hook",
                secret_ciphertext="x",
                list_types=["judgment-defaulters"],
                active=True,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        push.emit(conn, record, "entry.listed", now=NOW)
    told = {d for d, _, _ in _sent(registry)}
    assert "LOCAL-BANK" in told, "a department subscribed to the list type is told"
    with write_transaction(registry) as conn:
        records.set_status(conn, record, "disputed", actor="test", now=NOW)
        push.emit(conn, record, "entry.suspended", now=NOW, only=push.told(conn, record))
        state = conn.execute(
            select(messages.c.state).where(
                messages.c.department == "LOCAL-BANK", messages.c.event == "entry.suspended"
            )
        ).scalar_one()
    assert state == "pending", "a department with a webhook gets it delivered"
    suspended = {d for d, e, v in _sent(registry) if e == "entry.suspended"}
    assert suspended == told
    assert {v for _, e, v in _sent(registry) if e == "entry.suspended"} == {2}


def test_the_idempotency_key_is_unique_in_the_database(registry: Engine, tmp_path: Path) -> None:
    record = _entry_id(registry, tmp_path, "judgment-defaulters")
    with write_transaction(registry) as conn:
        push.emit(conn, record, "entry.listed", now=NOW)
        row = dict(conn.execute(select(messages).limit(1)).mappings().one())
    row.pop("id")
    with pytest.raises(IntegrityError), write_transaction(registry) as conn:
        conn.execute(insert(messages).values(**row))


def test_nobody_is_told_of_an_entry_on_a_list_no_one_implements(
    registry: Engine, tmp_path: Path
) -> None:
    record = _entry_id(registry, tmp_path, "a-grade-taxpayers")
    with write_transaction(registry) as conn:
        assert push.emit(conn, record, "entry.listed", now=NOW) == []
