"""The queries of department tracking (issue 7) that read the registry itself: what each
department uploaded, proposed, and the objections and repairs it handled in a period — small
tables, one row per item where the verdict needs the working-day calendar. Records, checks and
messages, the large ones, are counted from the summary tables
(:mod:`jointcredit.store.stats_summaries`).
Moments are UTC; a period is given as the UTC moments of its first and last day in China
(``start`` <= at < ``end``).

Regions: a department's region is ``departments.region`` where the ``departments`` table has
the department. ``region`` is a division-code prefix (``33``, ``3301``, ``330102``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, case, func, select, text

from jointcredit.store.db import between
from jointcredit.store.tables import (
    audit_log,
    departments,
    objections,
    proposals,
    repairs,
)

#: Record kinds a department submits as double-publicity records.
RECORD_KINDS = ("licensing", "penalty")


def in_department_region(column: Any, region: str | None) -> list[Any]:
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


def submitted_files(
    conn: Connection, start: dt.datetime, end: dt.datetime, region: str | None
) -> list[dict[str, Any]]:
    """The departments' uploaded files in the period (audit rows ``submit-file``): department
    and the rows read and rejected (one row per file)."""
    query = select(audit_log.c.department, audit_log.c.detail).where(
        # A literal, not a parameter: only then may the partial index on uploads be used.
        text("audit_log.action = 'submit-file'"),
        audit_log.c.department.is_not(None),
        between(conn, audit_log.c.at, start, end),
        *in_department_region(audit_log.c.department, region),
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
            between(conn, c.created_at, start, end),
            *in_department_region(c.department, region),
        )
        .group_by(c.department)
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
        between(conn, c.created_at, start, end),
        *in_department_region(c.department, region),
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
        between(conn, c.created_at, start, end),
        *in_department_region(c.department, region),
    )
    return [dict(r) for r in conn.execute(query).mappings()]


__all__ = [
    "RECORD_KINDS",
    "in_department_region",
    "list_entries",
    "objections_handled",
    "repairs_handled",
    "submitted_files",
]
