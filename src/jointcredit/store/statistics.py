"""Counts for supervisors: records by kind and status, audit rows by action and department in a
period, API keys by role. Aggregates only: no row of any table leaves these queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, case, func, select

from jointcredit.store.tables import api_keys, audit_log, credit_records


def records_by_kind_and_status(conn: Connection) -> list[dict[str, Any]]:
    query = (
        select(credit_records.c.kind, credit_records.c.status, func.count())
        .group_by(credit_records.c.kind, credit_records.c.status)
        .order_by(credit_records.c.kind, credit_records.c.status)
    )
    return [{"kind": k, "status": s, "count": n} for k, s, n in conn.execute(query)]


def audit_by_action_and_department(
    conn: Connection, *, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Audit rows with ``start`` <= at < ``end`` (UTC), by action and acting department
    (null: the public or the local operator)."""
    query = select(audit_log.c.action, audit_log.c.department, func.count()).group_by(
        audit_log.c.action, audit_log.c.department
    )
    # SQLite keeps the timestamps as naive UTC text: compare with naive UTC values.
    naive = conn.dialect.name == "sqlite"
    if start is not None:
        query = query.where(audit_log.c.at >= (_naive(start) if naive else start))
    if end is not None:
        query = query.where(audit_log.c.at < (_naive(end) if naive else end))
    found = [{"action": a, "department": d, "count": n} for a, d, n in conn.execute(query)]
    return sorted(found, key=lambda r: (r["action"], r["department"] or ""))


def _naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def keys_by_role(conn: Connection) -> list[dict[str, Any]]:
    """Active and revoked keys per role."""
    active = func.sum(case((api_keys.c.revoked_at.is_(None), 1), else_=0))
    query = (
        select(api_keys.c.role, func.count(), active)
        .group_by(api_keys.c.role)
        .order_by(api_keys.c.role)
    )
    return [
        {"role": role, "active": int(a or 0), "revoked": n - int(a or 0)}
        for role, n, a in conn.execute(query)
    ]
