"""Queries of the objection workflow (table ``objections``) and of the records it acts on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, or_, select, update

from jointcredit.store.tables import credit_records, objections, subjects


def lock_record(conn: Connection, record_id: int) -> RowMapping | None:
    """The credit record with its subject's identifier, locked until the transaction ends (on
    PostgreSQL; SQLite's write transaction holds the whole database), or None.

    Two objections or repairs on one record at once then queue instead of both finding no open
    one."""
    return (
        conn.execute(
            select(
                credit_records.c.id,
                credit_records.c.kind,
                credit_records.c.status,
                credit_records.c.list_type,
                credit_records.c.department,
                credit_records.c.source_department,
                credit_records.c.severity,
                credit_records.c.decision_date,
                credit_records.c.valid_from,
                credit_records.c.valid_until,
                subjects.c.identifier.label("subject"),
            )
            .join(subjects, subjects.c.id == credit_records.c.subject_id)
            .where(credit_records.c.id == record_id)
            .with_for_update(of=credit_records)
        )
        .mappings()
        .first()
    )


def add(conn: Connection, values: dict[str, Any]) -> int:
    return int(
        conn.execute(insert(objections).values(**values).returning(objections.c.id)).scalar_one()
    )


def get(conn: Connection, objection_id: int, *, lock: bool = False) -> RowMapping | None:
    query = select(objections).where(objections.c.id == objection_id)
    if lock:
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def open_on_record(conn: Connection, record_id: int) -> RowMapping | None:
    """The open objection on the record, if any (there is at most one)."""
    return (
        conn.execute(
            select(objections).where(
                objections.c.record_id == record_id, objections.c.status == "open"
            )
        )
        .mappings()
        .first()
    )


def change(conn: Connection, objection_id: int, **values: Any) -> None:
    conn.execute(update(objections).where(objections.c.id == objection_id).values(**values))


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
    """Objections, newest first; with ``department``, those it verifies or opened; with
    ``due_before``, only open ones due before that day (overdue), the most overdue first."""
    query = select(objections)
    if subject is not None:
        query = query.where(objections.c.subject == subject)
    if department is not None:
        query = query.where(
            or_(
                objections.c.department == department,
                objections.c.opened_by_department == department,
            )
        )
    if status is not None:
        query = query.where(objections.c.status == status)
    if due_before is not None:
        query = query.where(objections.c.status == "open", objections.c.due < due_before)
        query = query.order_by(objections.c.due, objections.c.id)
    else:
        query = query.order_by(objections.c.id.desc())
    return list(conn.execute(query.limit(limit).offset(offset)).mappings())
