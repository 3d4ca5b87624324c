"""Test data for feedback: list entries in a registry, and messages pushed about them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, select
from tests.check.entries import entry, write_entries

from jointcredit.services import push
from jointcredit.services.imports import import_file
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import credit_records, messages

#: A measure on judgment-defaulters that MPS implements, and one of its matters.
MEASURE, MATTER = "opinions-2016-64/08", "exit-control"
#: A measure on another list type (major tax violations).
OTHER_MEASURE = "mou-2016-2798/01"


def utc(day: str, hour: int = 2) -> dt.datetime:
    """A moment on ``day`` in China (02:00 UTC is 10:00 in Beijing)."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=dt.UTC)


def load_entry(engine: Engine, tmp_path: Path, serial: int, **fields: object) -> int:
    """Import one judgment-defaulter entry; its record id."""
    path = write_entries(tmp_path / f"entry-{serial}.jsonl", [entry(serial, **fields)])
    summary = import_file(engine, "list-entry", path, today=dt.date(2026, 8, 1))
    assert summary.rejected == [], summary.rejected
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(credit_records.c.id).order_by(credit_records.c.id.desc()).limit(1)
            ).scalar_one()
        )


def pushed(
    engine: Engine,
    record_id: int,
    departments: set[str],
    *,
    at: dt.datetime,
    event: str = "entry.listed",
) -> dict[str, int]:
    """Messages of ``event`` about the entry to ``departments``, written at ``at``: department →
    message id."""
    with write_transaction(engine) as conn:
        push.emit(conn, record_id, event, now=at, only=departments)
    with engine.connect() as conn:
        rows = conn.execute(
            select(messages.c.department, messages.c.id).where(
                messages.c.record_id == record_id, messages.c.event == event
            )
        ).all()
    return {d: int(i) for d, i in rows if d in departments}
