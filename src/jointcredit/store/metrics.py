"""The queries a Prometheus scrape runs (``GET /metrics``, docs/metrics.md).

A scrape comes every 15 to 60 seconds for as long as the service runs, so each query here reads
an index, not a table: the outbox through its undelivered rows only (``ix_messages_state_…``),
the workflows through their open items, the audit log through its last row. Nothing here
counts a table that grows with the registry (records, subjects, delivered messages).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, RowMapping, Table, func, select

from jointcredit.store.messages import UNDELIVERED
from jointcredit.store.tables import audit_log, messages


def undelivered(conn: Connection) -> list[RowMapping]:
    """Per department and undelivered state (``pending``, ``failed``): the count and the
    oldest message's ``created_at``. Reads only the undelivered rows, through the index on
    (state, next_attempt_at)."""
    return list(
        conn.execute(
            select(
                messages.c.department,
                messages.c.state,
                func.count().label("n"),
                func.min(messages.c.created_at).label("oldest"),
            )
            .where(messages.c.state.in_(UNDELIVERED))
            .group_by(messages.c.department, messages.c.state)
        ).mappings()
    )


def overdue(
    conn: Connection, table: Table, open_statuses: Sequence[str], today: dt.date
) -> list[RowMapping]:
    """Per department: the items of ``table`` (proposals, objections, repairs) still open in
    ``open_statuses`` whose due day is before ``today``."""
    return list(
        conn.execute(
            select(table.c.department, func.count().label("n"))
            .where(table.c.status.in_(list(open_statuses)), table.c.due < today)
            .group_by(table.c.department)
        ).mappings()
    )


def audit_head(conn: Connection) -> RowMapping | None:
    """The audit log's last row: its id and time. Ids are given one by one under the chain's
    lock and rows are never deleted, so the id is also the number of rows."""
    return (
        conn.execute(
            select(audit_log.c.id, audit_log.c.at).order_by(audit_log.c.id.desc()).limit(1)
        )
        .mappings()
        .first()
    )
