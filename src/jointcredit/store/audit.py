"""Queries on the audit log. Appending is serialised so that the chain has one order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, func, insert, select, text

from jointcredit.store.tables import audit_log

# Any constant; it only has to be the same for every writer of the chain.
_PG_CHAIN_LOCK = 0x4A43_4155


def lock_chain(conn: Connection) -> None:
    """Hold the chain until the transaction ends, so two writers never share a predecessor.

    On SQLite the caller's BEGIN IMMEDIATE already holds the database's one write lock.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})


_LAST = select(audit_log.c.id, audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)


def last(conn: Connection) -> tuple[int, str] | None:
    row = conn.execute(_LAST).first()
    return (row[0], row[1]) if row else None


def next_id(conn: Connection) -> int:
    """The id the next row gets: ids are assigned here, under the lock, not by a sequence,
    because the hash covers the id and is computed before the insert."""
    found = last(conn)
    return found[0] + 1 if found else 1


def add(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    conn.execute(insert(audit_log), list(rows))


def rows_in_order(conn: Connection, batch: int = 5000) -> Iterator[RowMapping]:
    """Every row by id, in keyset pages so memory stays flat on a long log."""
    after = 0
    while True:
        page = (
            conn.execute(
                select(audit_log)
                .where(audit_log.c.id > after)
                .order_by(audit_log.c.id)
                .limit(batch)
            )
            .mappings()
            .all()
        )
        if not page:
            return
        yield from page
        after = page[-1]["id"]


def page(
    conn: Connection,
    *,
    limit: int,
    offset: int,
    subject: str | None = None,
    department: str | None = None,
    action: str | None = None,
    actions: Sequence[str] | None = None,
) -> Sequence[RowMapping]:
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
    if subject is not None:
        query = query.where(audit_log.c.subject == subject)
    if department is not None:
        query = query.where(audit_log.c.department == department)
    if action is not None:
        query = query.where(audit_log.c.action == action)
    if actions is not None:
        query = query.where(audit_log.c.action.in_(actions))
    return conn.execute(query).mappings().all()


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())
