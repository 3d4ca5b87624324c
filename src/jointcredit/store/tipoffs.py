"""Queries on confidential reports. The reporter's ciphertext is read only to open or re-seal it;
the receipt code's digest only to find the report a reporter follows. A report as a case (its
steps, its queue) goes through ``store/cases.py`` like every kind."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, func, insert, select, update

from jointcredit.store.tables import reports

_LISTED = tuple(c for c in reports.c if c.name not in ("reporter_ciphertext", "receipt_digest"))


def add(conn: Connection, values: dict[str, Any]) -> int:
    report_id: int = conn.execute(insert(reports).returning(reports.c.id), values).scalar_one()
    return report_id


def set_reporter_ciphertext(conn: Connection, report_id: int, sealed: str) -> None:
    conn.execute(
        update(reports).where(reports.c.id == report_id).values(reporter_ciphertext=sealed)
    )


def get(conn: Connection, report_id: int) -> RowMapping | None:
    return conn.execute(select(*_LISTED).where(reports.c.id == report_id)).mappings().first()


#: A report's sealed reporter with what its sealing context is made of.
_SEALED = (
    reports.c.id,
    reports.c.department,
    reports.c.subject,
    reports.c.received_at,
    reports.c.reporter_ciphertext,
    reports.c.key_id,
)


def sealed_reporter(conn: Connection, report_id: int) -> RowMapping | None:
    return conn.execute(select(*_SEALED).where(reports.c.id == report_id)).mappings().first()


def by_receipt(conn: Connection, digest: str) -> RowMapping | None:
    """The report whose receipt code has the SHA-256 ``digest``."""
    return (
        conn.execute(select(*_LISTED).where(reports.c.receipt_digest == digest)).mappings().first()
    )


def sealed_of_department(conn: Connection, department: str) -> Sequence[RowMapping]:
    """Every report of ``department`` with its sealed reporter, for re-sealing to a new key."""
    return (
        conn.execute(
            select(*_SEALED).where(reports.c.department == department).order_by(reports.c.id)
        )
        .mappings()
        .all()
    )


def reseal(conn: Connection, report_id: int, sealed: str, key_id: str) -> None:
    conn.execute(
        update(reports)
        .where(reports.c.id == report_id)
        .values(reporter_ciphertext=sealed, key_id=key_id)
    )


def count_by_key(conn: Connection) -> Sequence[RowMapping]:
    """How many reports each department has under each key."""
    return (
        conn.execute(
            select(reports.c.department, reports.c.key_id, func.count().label("reports"))
            .group_by(reports.c.department, reports.c.key_id)
            .order_by(reports.c.department)
        )
        .mappings()
        .all()
    )
