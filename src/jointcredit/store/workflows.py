"""The history of every workflow step (append-only), and the queries shared by the workflows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, insert, select, update

from jointcredit.store.tables import workflow_events


def record_event(
    conn: Connection,
    workflow: str,
    item_id: int,
    action: str,
    *,
    from_status: str | None,
    to_status: str,
    actor: str,
    department: str | None,
    role: str | None,
    note: str | None,
    at: dt.datetime,
) -> int:
    """Write one transition; returns the event's id."""
    result = conn.execute(
        insert(workflow_events)
        .values(
            workflow=workflow,
            item_id=item_id,
            action=action,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            department=department,
            role=role,
            note=note,
            at=at,
        )
        .returning(workflow_events.c.id)
    )
    return int(result.scalar_one())


def events_of(conn: Connection, workflow: str, item_id: int) -> list[RowMapping]:
    """The item's transitions, oldest first."""
    return list(
        conn.execute(
            select(workflow_events)
            .where(workflow_events.c.workflow == workflow, workflow_events.c.item_id == item_id)
            .order_by(workflow_events.c.id)
        ).mappings()
    )


def flag_overdue(
    conn: Connection, table: Table, open_statuses: tuple[str, ...], today: dt.date, now: Any
) -> list[int]:
    """Mark the open items of ``table`` whose ``due`` day has passed, once each; returns the
    ids this call marked (another worker's call marks none of them again)."""
    candidates = [
        int(i)
        for i in conn.execute(
            select(table.c.id).where(
                table.c.status.in_(open_statuses),
                table.c.due < today,
                table.c.overdue_at.is_(None),
            )
        ).scalars()
    ]
    marked = []
    for item in candidates:
        done = conn.execute(
            update(table)
            .where(table.c.id == item, table.c.overdue_at.is_(None))
            .values(overdue_at=now)
        )
        if done.rowcount == 1:
            marked.append(item)
    return marked
