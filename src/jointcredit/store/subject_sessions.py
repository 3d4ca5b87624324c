"""Queries on subjects' self-service sessions (``/me``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from jointcredit.store.tables import subject_sessions


def open_session(conn: Connection, values: dict[str, Any]) -> int:
    session_id: int = conn.execute(
        insert(subject_sessions).returning(subject_sessions.c.id), values
    ).scalar_one()
    return session_id


def by_token_hash(conn: Connection, token_hash: str) -> RowMapping | None:
    """The session with this token, ended or not."""
    return (
        conn.execute(select(subject_sessions).where(subject_sessions.c.token_hash == token_hash))
        .mappings()
        .first()
    )


def touch_session(conn: Connection, session_id: int, now: dt.datetime) -> None:
    conn.execute(
        update(subject_sessions).where(subject_sessions.c.id == session_id).values(last_seen_at=now)
    )


def end_session(conn: Connection, session_id: int, now: dt.datetime) -> None:
    conn.execute(
        update(subject_sessions)
        .where(subject_sessions.c.id == session_id, subject_sessions.c.ended_at.is_(None))
        .values(ended_at=now)
    )


def end_sessions_of(conn: Connection, subject: str, now: dt.datetime) -> int:
    result = conn.execute(
        update(subject_sessions)
        .where(subject_sessions.c.subject == subject, subject_sessions.c.ended_at.is_(None))
        .values(ended_at=now)
    )
    return int(result.rowcount)
