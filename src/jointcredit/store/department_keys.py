"""Queries on departments' own key pairs for reporters' identities (``department_keys``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, text, update

from jointcredit.store.tables import department_keys


def lock(conn: Connection, department: str) -> None:
    """Hold ``department``'s reports and key until the transaction ends: a report received while
    the key is created or rotated must not stay sealed to the key being replaced.

    On SQLite the caller's BEGIN IMMEDIATE already holds the database's one write lock.
    """
    if conn.dialect.name == "postgresql":
        digest = hashlib.sha256(f"department-key|{department}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def add(conn: Connection, values: dict[str, Any]) -> int:
    key_id: int = conn.execute(
        insert(department_keys).returning(department_keys.c.id), values
    ).scalar_one()
    return key_id


def active(conn: Connection, department: str, *, for_update: bool = False) -> RowMapping | None:
    """The department's current key (the one not retired), if it has one."""
    query = select(department_keys).where(
        department_keys.c.department == department, department_keys.c.retired_at.is_(None)
    )
    if for_update:
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def by_key_id(conn: Connection, key_id: str) -> RowMapping | None:
    return (
        conn.execute(select(department_keys).where(department_keys.c.key_id == key_id))
        .mappings()
        .first()
    )


def retire(conn: Connection, row_id: int, at: dt.datetime) -> None:
    # The sealed private key is wiped, not kept: after a rotation the old passphrase, leaked or
    # not, opens nothing that the database still holds.
    conn.execute(
        update(department_keys)
        .where(department_keys.c.id == row_id)
        .values(retired_at=at, private_sealed="")
    )


def listed(conn: Connection, department: str | None = None) -> Sequence[RowMapping]:
    query = select(
        department_keys.c.id,
        department_keys.c.department,
        department_keys.c.key_id,
        department_keys.c.public_key,
        department_keys.c.created_at,
        department_keys.c.retired_at,
    ).order_by(department_keys.c.department, department_keys.c.id)
    if department is not None:
        query = query.where(department_keys.c.department == department)
    return conn.execute(query).mappings().all()
