"""Queries of the credit-repair workflow (table ``repairs``), and the shared view of records
without the repaired ones (a repaired record is no longer shared, NDRC Order No. 36)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, exists, insert, or_, select, update

from jointcredit.store import records
from jointcredit.store.tables import credit_records, repairs, workflow_events

#: Record statuses whose content departments no longer receive.
UNSHARED_STATUSES = ("repaired",)


def add(conn: Connection, values: dict[str, Any]) -> int:
    return int(conn.execute(insert(repairs).values(**values).returning(repairs.c.id)).scalar_one())


def get(conn: Connection, repair_id: int, *, lock: bool = False) -> RowMapping | None:
    query = select(repairs).where(repairs.c.id == repair_id)
    if lock:
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def open_on_record(conn: Connection, record_id: int) -> RowMapping | None:
    """The application on the record still waiting for acceptance or decision, if any."""
    return (
        conn.execute(
            select(repairs).where(
                repairs.c.record_id == record_id, repairs.c.status.in_(("applied", "accepted"))
            )
        )
        .mappings()
        .first()
    )


def change(conn: Connection, repair_id: int, **values: Any) -> None:
    conn.execute(update(repairs).where(repairs.c.id == repair_id).values(**values))


def applicant_department(conn: Connection, repair_id: int) -> str | None:
    """The department whose key made the application (None: the operator)."""
    found = conn.execute(
        select(workflow_events.c.department).where(
            workflow_events.c.workflow == "repair",
            workflow_events.c.item_id == repair_id,
            workflow_events.c.action == "apply",
        )
    ).first()
    return None if found is None else found[0]


def page(
    conn: Connection,
    *,
    limit: int,
    offset: int = 0,
    department: str | None = None,
    subject: str | None = None,
    status: str | None = None,
    due_before: dt.date | None = None,
) -> list[RowMapping]:
    """Applications, newest first; with ``department``, those it decides or applied for; with
    ``due_before``, only open ones due before that day (overdue), the most overdue first."""
    query = select(repairs)
    if subject is not None:
        query = query.where(repairs.c.subject == subject)
    if department is not None:
        applied_by_it = exists().where(
            workflow_events.c.workflow == "repair",
            workflow_events.c.item_id == repairs.c.id,
            workflow_events.c.action == "apply",
            workflow_events.c.department == department,
        )
        query = query.where(or_(repairs.c.department == department, applied_by_it))
    if status is not None:
        query = query.where(repairs.c.status == status)
    if due_before is not None:
        query = query.where(
            repairs.c.status.in_(("applied", "accepted")), repairs.c.due < due_before
        )
        query = query.order_by(repairs.c.due, repairs.c.id)
    else:
        query = query.order_by(repairs.c.id.desc())
    return list(conn.execute(query.limit(limit).offset(offset)).mappings())


def shared_records_page(
    conn: Connection, subject_id: int, *, limit: int, offset: int = 0
) -> list[RowMapping]:
    """:func:`jointcredit.store.records.records_page` as departments see it: without the
    records whose sharing stopped (repaired ones)."""
    query = (
        records._with_payload()
        .where(
            and_(
                credit_records.c.subject_id == subject_id,
                credit_records.c.status.not_in(UNSHARED_STATUSES),
            )
        )
        .order_by(credit_records.c.decision_date.desc(), credit_records.c.id.desc())
    )
    return list(conn.execute(query.limit(limit).offset(offset)).mappings())
