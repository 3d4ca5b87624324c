"""Departments' webhook subscriptions: one row per department, the secret sealed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from jointcredit.store.tables import subscriptions


def get(conn: Connection, department: str, *, for_update: bool = False) -> RowMapping | None:
    query = select(subscriptions).where(subscriptions.c.department == department)
    if for_update:
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def listed(conn: Connection, department: str | None = None) -> list[RowMapping]:
    query = select(subscriptions).order_by(subscriptions.c.department)
    if department is not None:
        query = query.where(subscriptions.c.department == department)
    return list(conn.execute(query).mappings())


def add(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(subscriptions).values(**values).returning(subscriptions.c.id))
    return int(result.scalar_one())


def change(conn: Connection, department: str, values: dict[str, Any]) -> None:
    conn.execute(
        update(subscriptions).where(subscriptions.c.department == department).values(**values)
    )


def deactivate(conn: Connection, department: str, now: dt.datetime) -> bool:
    """Stop the department's webhook and its extra list types; False if it had none active."""
    result = conn.execute(
        update(subscriptions)
        .where(subscriptions.c.department == department, subscriptions.c.active.is_(True))
        .values(active=False, list_types=[], updated_at=now)
    )
    return result.rowcount == 1


def secrets(conn: Connection, departments: list[str]) -> dict[str, tuple[str, str]]:
    """department → (url, sealed secret) of the active subscriptions among ``departments``."""
    rows = conn.execute(
        select(
            subscriptions.c.department, subscriptions.c.url, subscriptions.c.secret_ciphertext
        ).where(subscriptions.c.department.in_(departments), subscriptions.c.active.is_(True))
    )
    return {r.department: (r.url, r.secret_ciphertext) for r in rows}
