"""Queries on API keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from jointcredit.store.tables import api_keys

_LISTED = (
    api_keys.c.id,
    api_keys.c.prefix,
    api_keys.c.department,
    api_keys.c.role,
    api_keys.c.name,
    api_keys.c.created_at,
    api_keys.c.revoked_at,
    api_keys.c.replaced_by,
)


def add(conn: Connection, values: dict[str, Any]) -> int:
    key_id: int = conn.execute(insert(api_keys).returning(api_keys.c.id), values).scalar_one()
    return key_id


def by_prefix(conn: Connection, prefix: str) -> RowMapping | None:
    return (
        conn.execute(
            select(
                api_keys.c.id,
                api_keys.c.secret_hash,
                api_keys.c.department,
                api_keys.c.role,
                api_keys.c.revoked_at,
            ).where(api_keys.c.prefix == prefix)
        )
        .mappings()
        .first()
    )


def get(conn: Connection, key_id: int) -> RowMapping | None:
    return conn.execute(select(*_LISTED).where(api_keys.c.id == key_id)).mappings().first()


def listed(
    conn: Connection, *, include_revoked: bool = True, department: str | None = None
) -> Sequence[RowMapping]:
    query = select(*_LISTED).order_by(api_keys.c.id)
    if department is not None:
        query = query.where(api_keys.c.department == department)
    if not include_revoked:
        query = query.where(api_keys.c.revoked_at.is_(None))
    return conn.execute(query).mappings().all()


def revoke(
    conn: Connection, key_id: int, when: dt.datetime, replaced_by: int | None = None
) -> None:
    conn.execute(
        update(api_keys)
        .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=when, replaced_by=replaced_by)
    )
