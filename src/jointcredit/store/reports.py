"""Queries on confidential reports. The reporter's ciphertext is read by one query only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from jointcredit.store.tables import reports

_LISTED = tuple(c for c in reports.c if c.name != "reporter_ciphertext")


def add(conn: Connection, values: dict[str, Any]) -> int:
    report_id: int = conn.execute(insert(reports).returning(reports.c.id), values).scalar_one()
    return report_id


def set_reporter_ciphertext(conn: Connection, report_id: int, sealed: str) -> None:
    conn.execute(
        update(reports).where(reports.c.id == report_id).values(reporter_ciphertext=sealed)
    )


def get(conn: Connection, report_id: int) -> RowMapping | None:
    return conn.execute(select(*_LISTED).where(reports.c.id == report_id)).mappings().first()


def sealed_reporter(conn: Connection, report_id: int) -> RowMapping | None:
    return (
        conn.execute(
            select(
                reports.c.id,
                reports.c.department,
                reports.c.subject,
                reports.c.received_at,
                reports.c.reporter_ciphertext,
                reports.c.key_id,
            ).where(reports.c.id == report_id)
        )
        .mappings()
        .first()
    )


def page(conn: Connection, *, department: str, limit: int, offset: int) -> Sequence[RowMapping]:
    return (
        conn.execute(
            select(*_LISTED)
            .where(reports.c.department == department)
            .order_by(reports.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        .mappings()
        .all()
    )
