"""Queries on staff accounts and their console sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from jointcredit.store.tables import staff_accounts, web_sessions

_LISTED = (
    staff_accounts.c.id,
    staff_accounts.c.username,
    staff_accounts.c.display_name,
    staff_accounts.c.department,
    staff_accounts.c.role,
    staff_accounts.c.active,
    staff_accounts.c.locked_until,
    staff_accounts.c.created_at,
    staff_accounts.c.password_changed_at,
    staff_accounts.c.last_login_at,
)


def add(conn: Connection, values: dict[str, Any]) -> int:
    account_id: int = conn.execute(
        insert(staff_accounts).returning(staff_accounts.c.id), values
    ).scalar_one()
    return account_id


def by_username(conn: Connection, username: str) -> RowMapping | None:
    return (
        conn.execute(select(staff_accounts).where(staff_accounts.c.username == username))
        .mappings()
        .first()
    )


def by_id(conn: Connection, account_id: int) -> RowMapping | None:
    return (
        conn.execute(select(staff_accounts).where(staff_accounts.c.id == account_id))
        .mappings()
        .first()
    )


def listed(conn: Connection, department: str | None = None) -> list[RowMapping]:
    query = select(*_LISTED).order_by(staff_accounts.c.department, staff_accounts.c.username)
    if department is not None:
        query = query.where(staff_accounts.c.department == department)
    return list(conn.execute(query).mappings())


def change(conn: Connection, account_id: int, **values: Any) -> None:
    conn.execute(update(staff_accounts).where(staff_accounts.c.id == account_id).values(**values))


# -- sessions ----------------------------------------------------------------------------------


def open_session(conn: Connection, values: dict[str, Any]) -> int:
    session_id: int = conn.execute(
        insert(web_sessions).returning(web_sessions.c.id), values
    ).scalar_one()
    return session_id


def live_session(conn: Connection, token_hash: str) -> RowMapping | None:
    """The session with this token and its account, if neither has ended."""
    return (
        conn.execute(
            select(
                web_sessions.c.id,
                web_sessions.c.csrf_token,
                web_sessions.c.created_at,
                web_sessions.c.last_seen_at,
                web_sessions.c.expires_at,
                web_sessions.c.ended_at,
                staff_accounts.c.id.label("account_id"),
                staff_accounts.c.username,
                staff_accounts.c.display_name,
                staff_accounts.c.department,
                staff_accounts.c.role,
                staff_accounts.c.active,
            )
            .join(staff_accounts, staff_accounts.c.id == web_sessions.c.account_id)
            .where(web_sessions.c.token_hash == token_hash)
        )
        .mappings()
        .first()
    )


def touch_session(conn: Connection, session_id: int, now: dt.datetime) -> None:
    conn.execute(
        update(web_sessions).where(web_sessions.c.id == session_id).values(last_seen_at=now)
    )


def end_session(conn: Connection, session_id: int, now: dt.datetime) -> None:
    conn.execute(
        update(web_sessions)
        .where(web_sessions.c.id == session_id, web_sessions.c.ended_at.is_(None))
        .values(ended_at=now)
    )


def end_sessions_of(conn: Connection, account_id: int, now: dt.datetime) -> int:
    result = conn.execute(
        update(web_sessions)
        .where(web_sessions.c.account_id == account_id, web_sessions.c.ended_at.is_(None))
        .values(ended_at=now)
    )
    return int(result.rowcount)
