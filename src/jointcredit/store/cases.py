"""The queries every kind of case shares: a case's row, its kind's open case on a record, and
the pages of a queue. Each kind keeps its own table (its columns are its own); the history of
every kind is one append-only table (``store/workflows.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, exists, insert, or_, select, update

from jointcredit.choices.cases import OBJECTION, OPENING_STEPS, PROPOSAL, REPAIR, STATUSES, TIPOFF
from jointcredit.store.tables import (
    case_attachments,
    objections,
    proposals,
    repairs,
    reports,
    workflow_events,
)

TABLES: dict[str, Table] = {
    OBJECTION: objections,
    REPAIR: repairs,
    PROPOSAL: proposals,
    TIPOFF: reports,
}
#: Columns never read with a case: a reporter's sealed identity is read only to open it.
_HIDDEN = frozenset({"reporter_ciphertext", "receipt_digest"})
#: The column naming the department that opened a case, where the kind's table has one; the
#: others find it in the case's first history row.
_OPENER_DEPARTMENT = {OBJECTION: "opened_by_department"}
#: Kinds whose queue a department sees only as their handler: whoever made a report (a
#: department's key, too) does not follow it through the queue but with its receipt code.
_HANDLER_ONLY = frozenset({TIPOFF})


def _columns(kind: str) -> list[Any]:
    return [c for c in TABLES[kind].c if c.name not in _HIDDEN]


def add(conn: Connection, kind: str, values: dict[str, Any]) -> int:
    table = TABLES[kind]
    return int(conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())


def get(conn: Connection, kind: str, case_id: int, *, lock: bool = False) -> RowMapping | None:
    table = TABLES[kind]
    query = select(*_columns(kind)).where(table.c.id == case_id)
    if lock:
        query = query.with_for_update(of=table)
    return conn.execute(query).mappings().first()


def change(conn: Connection, kind: str, case_id: int, **values: Any) -> None:
    table = TABLES[kind]
    conn.execute(update(table).where(table.c.id == case_id).values(**values))


def open_on_record(conn: Connection, kind: str, record_id: int) -> RowMapping | None:
    """The kind's open case on the record, if any (there is at most one)."""
    table = TABLES[kind]
    return (
        conn.execute(
            select(*_columns(kind)).where(
                table.c.record_id == record_id, table.c.status.in_(STATUSES[kind].open_values)
            )
        )
        .mappings()
        .first()
    )


def _opened_by(kind: str, department: str) -> Any:
    table = TABLES[kind]
    column = _OPENER_DEPARTMENT.get(kind)
    if column is not None:
        return table.c[column] == department
    return exists().where(
        workflow_events.c.workflow == kind,
        workflow_events.c.item_id == table.c.id,
        workflow_events.c.action.in_(OPENING_STEPS),
        workflow_events.c.department == department,
    )


def opener_department(conn: Connection, kind: str, case_id: int) -> str | None:
    """The department whose key or staff opened the case (None: the operator, a subject or
    the public)."""
    found = conn.execute(
        select(workflow_events.c.department).where(
            workflow_events.c.workflow == kind,
            workflow_events.c.item_id == case_id,
            workflow_events.c.action.in_(OPENING_STEPS),
        )
    ).first()
    return None if found is None else found[0]


def page(
    conn: Connection,
    kind: str,
    *,
    limit: int,
    offset: int = 0,
    department: str | None = None,
    subject: str | None = None,
    status: str | None = None,
    due_before: dt.date | None = None,
) -> list[RowMapping]:
    """Cases of ``kind``, newest first; with ``department``, those it handles or opened; with
    ``due_before``, only open ones due before that day (overdue), the most overdue first."""
    table = TABLES[kind]
    query = select(*_columns(kind))
    if subject is not None:
        query = query.where(table.c.subject == subject)
    if department is not None and kind in _HANDLER_ONLY:
        query = query.where(table.c.department == department)
    elif department is not None:
        query = query.where(or_(table.c.department == department, _opened_by(kind, department)))
    if status is not None:
        query = query.where(table.c.status == status)
    if due_before is not None:
        query = query.where(
            table.c.status.in_(STATUSES[kind].open_values), table.c.due < due_before
        )
        query = query.order_by(table.c.due, table.c.id)
    else:
        query = query.order_by(table.c.id.desc())
    return list(conn.execute(query.limit(limit).offset(offset)).mappings())


#: An attachment's columns without its content.
_ATTACHMENT = tuple(c for c in case_attachments.c if c.name != "content")


def add_attachment(conn: Connection, kind: str, case_id: int, values: dict[str, Any]) -> int:
    return int(
        conn.execute(
            insert(case_attachments)
            .values(workflow=kind, item_id=case_id, **values)
            .returning(case_attachments.c.id)
        ).scalar_one()
    )


def attachments_of(conn: Connection, kind: str, case_id: int) -> list[RowMapping]:
    """The case's attachments without their content, oldest first."""
    return list(
        conn.execute(
            select(*_ATTACHMENT)
            .where(case_attachments.c.workflow == kind, case_attachments.c.item_id == case_id)
            .order_by(case_attachments.c.id)
        ).mappings()
    )


def attachment(conn: Connection, kind: str, case_id: int, attachment_id: int) -> RowMapping | None:
    """One attachment of the case with its content."""
    return (
        conn.execute(
            select(case_attachments).where(
                case_attachments.c.id == attachment_id,
                case_attachments.c.workflow == kind,
                case_attachments.c.item_id == case_id,
            )
        )
        .mappings()
        .first()
    )


__all__ = [
    "TABLES",
    "add",
    "add_attachment",
    "attachment",
    "attachments_of",
    "change",
    "get",
    "open_on_record",
    "opener_department",
    "page",
]
