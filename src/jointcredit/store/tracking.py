"""The queries of department tracking (issue 7): what each department did in a period.

Aggregates where the database can count (records, proposals, checks); one small row per item
where the verdict needs the working-day calendar or a per-item comparison of a day with a
moment (messages, objections, repairs), which the service judges. Moments are UTC; a period is
given as the UTC moments of its first and last day in China (``start`` <= at < ``end``).

Regions: a record's region is the division code inside its issuing authority's USCC
(characters 3 to 8, 登记管理机关行政区划码); a department's region is ``departments.region``
where the ``departments`` table has the department. ``region`` is a division-code prefix
(``33``, ``3301``, ``330102``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal_column, or_, select
from sqlalchemy.sql import ColumnElement

from jointcredit.store.tables import (
    audit_log,
    credit_records,
    departments,
    feedback,
    messages,
    objections,
    proposals,
    record_history,
    repairs,
)

#: Record kinds a department submits as double-publicity records.
RECORD_KINDS = ("licensing", "penalty")


def _moment(conn: Connection, value: dt.datetime) -> dt.datetime:
    # SQLite keeps timestamps as naive UTC text: compare with naive UTC values.
    if conn.dialect.name == "sqlite":
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _between(conn: Connection, column: Any, start: dt.datetime, end: dt.datetime) -> Any:
    return and_(column >= _moment(conn, start), column < _moment(conn, end))


def _department_region(column: Any, region: str | None) -> list[Any]:
    """Rows whose department (``column``: a department code) lies in ``region``."""
    if region is None:
        return []
    return [
        column.in_(
            select(departments.c.code).where(
                func.substr(departments.c.region, 1, len(region)) == region
            )
        )
    ]


def records(
    conn: Connection, start: dt.datetime, end: dt.datetime, region: str | None
) -> list[dict[str, Any]]:
    """Per data source department (its name as the records give it) and kind: records first
    recorded in the period, how many had a publication deadline and missed it, and the number
    of fields filled in their current version (the stored payload's keys)."""
    c = credit_records.c
    keys: ColumnElement[Any]
    if conn.dialect.name == "postgresql":
        keys = literal_column("(SELECT count(*) FROM jsonb_object_keys(record_history.payload))")
    else:
        keys = literal_column("(SELECT count(*) FROM json_each(record_history.payload))")
    group = func.coalesce(c.department, c.source_department)
    query = (
        select(
            group.label("department"),
            c.kind,
            func.count().label("records"),
            func.sum(case((c.publication_due.is_not(None), 1), else_=0)).label("with_due"),
            func.sum(
                case(
                    (and_(c.publication_due.is_not(None), c.published_on > c.publication_due), 1),
                    else_=0,
                )
            ).label("missed"),
            func.sum(keys).label("fields_filled"),
        )
        .select_from(
            credit_records.join(
                record_history,
                and_(record_history.c.record_id == c.id, record_history.c.version == c.version),
            )
        )
        .where(_between(conn, c.recorded_at, start, end))
        .group_by(group, c.kind)
        .order_by(group, c.kind)
    )
    if region is not None:
        query = query.where(func.substr(c.issuing_authority_code, 3, len(region)) == region)
    return [dict(r) for r in conn.execute(query).mappings()]


def submitted_files(
    conn: Connection, start: dt.datetime, end: dt.datetime, region: str | None
) -> list[dict[str, Any]]:
    """The departments' uploaded files in the period (audit rows ``submit-file``): department
    and the rows read and rejected (one row per file)."""
    query = select(audit_log.c.department, audit_log.c.detail).where(
        audit_log.c.action == "submit-file",
        audit_log.c.department.is_not(None),
        _between(conn, audit_log.c.at, start, end),
        *_department_region(audit_log.c.department, region),
    )
    out = []
    for department, detail in conn.execute(query):
        detail = detail or {}
        out.append(
            {
                "department": department,
                "rows": int(detail.get("rows") or 0),
                "rejected": int(detail.get("rejected_rows") or 0),
            }
        )
    return out


def list_entries(
    conn: Connection, start: dt.datetime, end: dt.datetime, region: str | None
) -> list[dict[str, Any]]:
    """Per department: list entries it proposed (``create``) in the period, and how many of
    them a reviewer approved."""
    c = proposals.c
    query = (
        select(
            c.department,
            func.count().label("initiated"),
            func.sum(case((c.status == "approved", 1), else_=0)).label("approved"),
        )
        .where(
            c.action == "create",
            _between(conn, c.created_at, start, end),
            *_department_region(c.department, region),
        )
        .group_by(c.department)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def pushes(
    conn: Connection,
    start: dt.datetime,
    end: dt.datetime,
    region: str | None,
    events: Sequence[str],
) -> list[dict[str, Any]]:
    """Messages sent to departments in the period, one row each: department, event, when it
    was written, and (for ``events``) when the department first gave feedback on it — on the
    message, or on its entry after it (as :func:`jointcredit.store.feedback.unanswered`)."""
    answered = (
        select(func.min(feedback.c.created_at))
        .where(
            feedback.c.department == messages.c.department,
            or_(
                feedback.c.message_id == messages.c.id,
                and_(
                    feedback.c.record_id == messages.c.record_id,
                    feedback.c.created_at > messages.c.created_at,
                ),
            ),
        )
        .scalar_subquery()
    )
    first: ColumnElement[Any] = case(
        (messages.c.event.in_(list(events)), answered), else_=None
    ).label("answered_at")
    query = select(messages.c.department, messages.c.event, messages.c.created_at, first).where(
        _between(conn, messages.c.created_at, start, end),
        *_department_region(messages.c.department, region),
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def objections_handled(
    conn: Connection, start: dt.datetime, end: dt.datetime, region: str | None
) -> list[dict[str, Any]]:
    """Objections opened in the period (withdrawn ones left out: nobody had to decide them),
    one row each: verifying department, status, due day, when resolved, whether flagged
    overdue."""
    c = objections.c
    query = select(
        c.department,
        c.status,
        c.due,
        c.resolved_at.label("closed_at"),
        c.overdue_at,
    ).where(
        c.status != "withdrawn",
        c.department.is_not(None),
        _between(conn, c.created_at, start, end),
        *_department_region(c.department, region),
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def repairs_handled(
    conn: Connection, start: dt.datetime, end: dt.datetime, region: str | None
) -> list[dict[str, Any]]:
    """Repair applications made in the period, one row each: deciding department, status, the
    current due day (acceptance, then decision), when decided, whether flagged overdue."""
    c = repairs.c
    query = select(
        c.department,
        c.status,
        c.due,
        c.decided_at.label("closed_at"),
        c.overdue_at,
    ).where(
        c.department.is_not(None),
        _between(conn, c.created_at, start, end),
        *_department_region(c.department, region),
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def checks(
    conn: Connection, start: dt.datetime, end: dt.datetime, region: str | None
) -> list[dict[str, Any]]:
    """Checks (audit rows ``check``) in the period per department and matter."""
    c = audit_log.c
    query = (
        select(c.department, c.matter, func.count().label("checks"))
        .where(
            c.action == "check",
            c.department.is_not(None),
            _between(conn, c.at, start, end),
            *_department_region(c.department, region),
        )
        .group_by(c.department, c.matter)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


__all__ = [
    "RECORD_KINDS",
    "checks",
    "list_entries",
    "objections_handled",
    "pushes",
    "records",
    "repairs_handled",
    "submitted_files",
]
