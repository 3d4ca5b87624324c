"""Queries of the public portal: a subject's published records and the red and black lists.

"Published" is the public data class of 33号 §18–19, the same test as the API's public view
(:func:`jointcredit.store.records.records_page` with ``published_on``): status ``active`` and
the day inside the publication window. A list entry's window is its period in effect, so an
expired, ended, repaired, withdrawn or disputed entry is not on a public list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, func, or_, select

from jointcredit.store import records
from jointcredit.store.tables import credit_records, subjects

#: The record kinds of the two public lists.
LIST_KINDS = {"red": "red-list", "black": "black-list"}


# One definition of "published" for the API and the portal, so they never disagree.
_published_on = records._published_on


def published_records(
    conn: Connection, subject_id: int, kind: str, day: dt.date, *, limit: int
) -> list[RowMapping]:
    """Up to ``limit`` of the subject's records of ``kind`` the public may see on ``day``,
    newest decision first, with their current payload (one query per kind, on the index of
    subject, kind and decision date, so a subject with many licences still shows its
    penalties)."""
    query = (
        records._with_payload()
        .where(
            credit_records.c.subject_id == subject_id,
            credit_records.c.kind == kind,
            _published_on(day),
        )
        .order_by(credit_records.c.decision_date.desc(), credit_records.c.id.desc())
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The filters of a list page, already checked (see services.public)."""

    kind: str  # "red" or "black"
    list_type: str | None = None
    #: Leading digits of a GB/T 2260 division code: 2 (province), 4 (city) or 6 (county).
    region: str | None = None
    department: str | None = None
    decided_from: dt.date | None = None
    decided_to: dt.date | None = None


def _region_of(prefix: str) -> Any:
    """Subjects registered in the division ``prefix``: a USCC carries the division in its 3rd
    to 8th characters, a resident identity number in its first six. There is no region column:
    the lists are small enough to test it on the rows the other filters leave."""
    n = len(prefix)
    return or_(
        and_(
            subjects.c.identifier_type == "uscc", func.substr(subjects.c.identifier, 3, n) == prefix
        ),
        and_(
            subjects.c.identifier_type == "resident-id",
            func.substr(subjects.c.identifier, 1, n) == prefix,
        ),
    )


def _conditions(query: ListQuery, day: dt.date) -> list[Any]:
    where = [credit_records.c.kind == LIST_KINDS[query.kind], _published_on(day)]
    if query.list_type:
        where.append(credit_records.c.list_type == query.list_type)
    if query.department:
        where.append(credit_records.c.department == query.department)
    if query.decided_from:
        where.append(credit_records.c.decision_date >= query.decided_from)
    if query.decided_to:
        where.append(credit_records.c.decision_date <= query.decided_to)
    if query.region:
        where.append(_region_of(query.region))
    return where


_ENTRY_COLUMNS = (
    credit_records.c.id,
    credit_records.c.list_type,
    credit_records.c.department,
    credit_records.c.issuing_authority,
    credit_records.c.document_number,
    credit_records.c.decision_date,
    credit_records.c.legal_basis,
    credit_records.c.valid_from,
    credit_records.c.valid_until,
    subjects.c.kind.label("subject_kind"),
    subjects.c.name.label("subject_name"),
    subjects.c.identifier.label("subject_identifier"),
    subjects.c.identifier_type.label("subject_identifier_type"),
)


def list_entries(
    conn: Connection, query: ListQuery, day: dt.date, *, limit: int, offset: int
) -> list[RowMapping]:
    """Up to ``limit`` entries from ``offset`` of the public list, newest decision first (the
    id breaks ties, so pages never overlap or skip)."""
    stmt = (
        select(*_ENTRY_COLUMNS)
        .join(subjects, subjects.c.id == credit_records.c.subject_id)
        .where(*_conditions(query, day))
        .order_by(credit_records.c.decision_date.desc(), credit_records.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(conn.execute(stmt).mappings())


def count_entries(conn: Connection, query: ListQuery, day: dt.date) -> int:
    """How many entries the list holds with these filters (lists are thousands of rows, not
    millions: the count is cheap, unlike one over all records)."""
    stmt = select(func.count()).select_from(
        credit_records.join(subjects, subjects.c.id == credit_records.c.subject_id)
    )
    if query.region is None:
        stmt = select(func.count()).select_from(credit_records)
    return int(conn.execute(stmt.where(*_conditions(query, day))).scalar_one())


def list_departments(conn: Connection, kind: str, day: dt.date) -> list[str]:
    """Codes of the departments with an entry on the public list today, for the filter."""
    stmt = (
        select(credit_records.c.department)
        .where(credit_records.c.kind == LIST_KINDS[kind], _published_on(day))
        .where(credit_records.c.department.is_not(None))
        .distinct()
        .order_by(credit_records.c.department)
    )
    return [str(code) for code in conn.execute(stmt).scalars()]


__all__ = [
    "LIST_KINDS",
    "ListQuery",
    "count_entries",
    "list_departments",
    "list_entries",
    "published_records",
]
