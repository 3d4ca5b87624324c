"""Test data for publication deadlines: penalty and licensing records written at a chosen
moment, as an import or a submission writes them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select
from tests.importing.rows import licensing_row, penalty_row

from jointcredit.services.imports import make_validator
from jointcredit.store import records
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import credit_records

#: An authority that is not a market regulator.
ECOLOGY = "北京市东城区生态环境局"
MARKET = "北京市东城区市场监督管理局"


def utc(day: str, hour: int = 2) -> dt.datetime:
    """A moment on ``day`` in China (02:00 UTC is 10:00 in Beijing)."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=dt.UTC)


def write(engine: Engine, kind: str, cells: dict[str, str], at: dt.datetime) -> int:
    """Validate one row of ``kind`` and write it at ``at``; its record id."""
    draft = make_validator(kind, dt.date(2026, 12, 31)).validate(1, cells)  # type: ignore[arg-type]
    assert not isinstance(draft, list), draft
    with write_transaction(engine) as conn:
        records.write_records(
            conn, [draft], job_id=None, actor="test", source_system="test", now=at
        )
        return int(
            conn.execute(
                select(credit_records.c.id).where(credit_records.c.natural_key == draft.natural_key)
            ).scalar_one()
        )


def penalty(
    engine: Engine,
    serial: int,
    *,
    decided: str,
    at: dt.datetime,
    authority: str = ECOLOGY,
    source: str | None = None,
    **fields: str,
) -> int:
    cells = penalty_row(
        serial, CF_JDRQ=decided, CF_CFJG=authority, CF_SJLY=source or authority, **fields
    )
    return write(engine, "penalty", cells, at)


def licensing(engine: Engine, serial: int, *, decided: str, at: dt.datetime, **fields: str) -> int:
    cells = licensing_row(serial, XK_JDRQ=decided, XK_YXQZ=decided, **fields)
    return write(engine, "licensing", cells, at)


def deadline_columns(engine: Engine, record_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            select(
                credit_records.c.publication_due,
                credit_records.c.published_on,
                credit_records.c.withdrawal_due,
                credit_records.c.withdrawn_on,
            ).where(credit_records.c.id == record_id)
        ).one()
    return dict(row._mapping)
