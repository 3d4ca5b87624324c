"""Test data for push: synthetic list entries in a registry, and their messages in the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from tests.check.entries import entry, write_entries

from jointcredit.clock import now as clock_now
from jointcredit.services import push
from jointcredit.services.imports import import_file
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import credit_records, messages

TODAY = dt.date(2026, 11, 27)


def load_entries(
    engine: Engine, tmp_path: Path, serials: Iterable[int], **fields: Any
) -> list[int]:
    """Import list entries (``tests.check.entries.entry``) and return their record ids."""
    serials = list(serials)
    path = write_entries(
        tmp_path / f"entries-{serials[0]}.jsonl", [entry(s, **fields) for s in serials]
    )
    summary = import_file(engine, "list-entry", path, today=TODAY)
    assert summary.rejected == [], summary.rejected
    with engine.connect() as conn:
        return [
            int(i)
            for i in conn.execute(
                select(credit_records.c.id)
                .where(credit_records.c.kind.in_(push.LIST_KINDS))
                .order_by(credit_records.c.id.desc())
                .limit(len(serials))
            ).scalars()
        ][::-1]


def announce(
    engine: Engine,
    record_ids: Iterable[int],
    departments: Iterable[str],
    event: str = "entry.listed",
) -> list[int]:
    """Write the outbox messages of ``event`` for each record to ``departments``; their ids."""
    ids: list[int] = []
    with write_transaction(engine) as conn:
        for record_id in record_ids:
            ids += push.emit(conn, record_id, event, now=clock_now(), only=set(departments))
    return sorted(ids)


def states(engine: Engine) -> dict[int, str]:
    with engine.connect() as conn:
        return {int(r.id): r.state for r in conn.execute(select(messages.c.id, messages.c.state))}


def row(engine: Engine, message_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(messages).where(messages.c.id == message_id)).mappings().one()
