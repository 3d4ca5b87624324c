"""Queries of the credit analysis reports (issue 7): counts of a region's records, aggregated in
the database (GROUP BY), never a record at a time.

A record belongs to the region and the sector of its **subject**, both read from the subject's
identifier (the registry keeps no address and no industry):

- region: a USCC's characters 3–8 (登记管理机关行政区划码), a resident identity number's first
  six digits (the issuing office's division); other identifiers have no region;
- sector: a USCC's characters 1–2 (登记管理部门 and 机构类别: ``91`` enterprises registered by
  market regulation, ``12`` public institutions, ``51`` social organisations, …); natural
  persons are ``person``; a subject without a USCC is ``unknown``.

``region`` and ``sector`` arguments are prefixes of those codes (``33``, ``3301``; ``9``,
``91``). Records ``withdrawn`` (an objection showed them wrong) or ``revoked`` (the decision was
annulled) are left out of every count but :func:`not_counted`. Days are calendar days in China;
timestamps are UTC (``start`` <= at < ``end``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, and_, case, distinct, func, select
from sqlalchemy.sql import ColumnElement

from jointcredit.choices.cases import REPAIR_STATUSES
from jointcredit.store.db import between
from jointcredit.store.tables import credit_records, record_history, repairs, subjects

#: Statuses of records that count for nothing: wrong (withdrawn) or annulled (revoked).
NOT_COUNTED = ("withdrawn", "revoked")
LIST_KINDS = ("red-list", "black-list")
#: Statuses that end a list entry before its time, with the day of the status change.
ENDED_EARLY = ("cancelled", "repaired")
PERSON = "person"
UNKNOWN = "unknown"

_r = credit_records.c
_s = subjects.c


def region_of() -> ColumnElement[Any]:
    """The subject's six-digit division code, or NULL."""
    return case(
        (_s.identifier_type == "uscc", func.substr(_s.identifier, 3, 6)),
        (_s.identifier_type == "resident-id", func.substr(_s.identifier, 1, 6)),
        else_=None,
    )


def sector_of() -> ColumnElement[Any]:
    """The subject's sector code: a USCC's first two characters, ``person`` or ``unknown``."""
    return case(
        (_s.identifier_type == "uscc", func.substr(_s.identifier, 1, 2)),
        (_s.kind == "natural-person", PERSON),
        else_=UNKNOWN,
    )


def _scope(region: str, sector: str | None) -> list[ColumnElement[bool]]:
    """Subjects of the region (a division-code prefix) and, if given, the sector (a prefix of a
    USCC's first two characters)."""
    where: list[ColumnElement[bool]] = [func.substr(region_of(), 1, len(region)) == region]
    if sector is not None:
        where += [
            _s.identifier_type == "uscc",
            func.substr(_s.identifier, 1, len(sector)) == sector,
        ]
    return where


def _counted() -> ColumnElement[bool]:
    return _r.status.not_in(NOT_COUNTED)


def _records() -> Any:
    return credit_records.join(subjects, subjects.c.id == _r.subject_id)


def _month(conn: Connection, column: Any) -> ColumnElement[Any]:
    if conn.dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(column, 1, 7)


def by_kind_and_sector(
    conn: Connection, first: dt.date, last: dt.date, region: str, sector: str | None
) -> list[dict[str, Any]]:
    """Records decided from ``first`` to ``last`` per sector and kind: ``sector``, ``kind``,
    ``records``, ``subjects`` (distinct; a subject has one sector, so they add up per kind),
    ``fine_fen`` (sum), ``severe`` (severity tier ``severe``)."""
    group = sector_of()
    query = (
        select(
            group.label("sector"),
            _r.kind,
            func.count().label("records"),
            func.count(distinct(_r.subject_id)).label("subjects"),
            func.coalesce(func.sum(_r.fine_fen), 0).label("fine_fen"),
            func.sum(case((_r.severity == "severe", 1), else_=0)).label("severe"),
        )
        .select_from(_records())
        .where(_r.decision_date.between(first, last), _counted(), *_scope(region, sector))
        .group_by(group, _r.kind)
        .order_by(group, _r.kind)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def subjects_concerned(
    conn: Connection, first: dt.date, last: dt.date, region: str, sector: str | None
) -> dict[str, int]:
    """Distinct subjects with a record decided in the period: ``organisations`` (every kind but
    natural persons) and ``persons``."""
    is_person = case((_s.kind == "natural-person", 1), else_=0)
    query = (
        select(is_person.label("person"), func.count(distinct(_r.subject_id)).label("n"))
        .select_from(_records())
        .where(_r.decision_date.between(first, last), _counted(), *_scope(region, sector))
        .group_by(is_person)
    )
    found = {int(row.person): int(row.n) for row in conn.execute(query)}
    return {"organisations": found.get(0, 0), "persons": found.get(1, 0)}


def not_counted(
    conn: Connection, first: dt.date, last: dt.date, region: str, sector: str | None
) -> int:
    """Records decided in the period that are withdrawn or revoked."""
    query = (
        select(func.count())
        .select_from(_records())
        .where(
            _r.decision_date.between(first, last),
            _r.status.in_(NOT_COUNTED),
            *_scope(region, sector),
        )
    )
    return int(conn.execute(query).scalar_one())


def by_month(
    conn: Connection, first: dt.date, last: dt.date, region: str, sector: str | None
) -> list[dict[str, Any]]:
    """Records decided from ``first`` to ``last`` per month (``YYYY-MM``) and kind."""
    month = _month(conn, _r.decision_date)
    query = (
        select(month.label("month"), _r.kind, func.count().label("records"))
        .select_from(_records())
        .where(_r.decision_date.between(first, last), _counted(), *_scope(region, sector))
        .group_by(month, _r.kind)
        .order_by(month, _r.kind)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def violations(
    conn: Connection,
    first: dt.date,
    last: dt.date,
    region: str,
    sector: str | None,
    *,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """The most frequent violation types (违法行为类型, ``CF_WFXW`` of the current version) of the
    penalties decided in the period: ``violation`` (None: not given), ``penalties``,
    ``subjects``, ``fine_fen``; most penalties first."""
    violation = func.nullif(func.trim(record_history.c.payload["CF_WFXW"].as_string()), "")
    query = (
        select(
            violation.label("violation"),
            func.count().label("penalties"),
            func.count(distinct(_r.subject_id)).label("subjects"),
            func.coalesce(func.sum(_r.fine_fen), 0).label("fine_fen"),
        )
        .select_from(
            _records().join(
                record_history,
                and_(record_history.c.record_id == _r.id, record_history.c.version == _r.version),
            )
        )
        .where(
            _r.kind == "penalty",
            _r.decision_date.between(first, last),
            _counted(),
            *_scope(region, sector),
        )
        .group_by(violation)
        .order_by(func.count().desc(), violation)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def legal_bases(
    conn: Connection,
    first: dt.date,
    last: dt.date,
    region: str,
    sector: str | None,
    *,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """The most frequent legal bases (处罚依据) of the penalties decided in the period:
    ``legal_basis`` (None: not given), ``penalties``; most first."""
    basis = func.nullif(func.trim(_r.legal_basis), "")
    query = (
        select(basis.label("legal_basis"), func.count().label("penalties"))
        .select_from(_records())
        .where(
            _r.kind == "penalty",
            _r.decision_date.between(first, last),
            _counted(),
            *_scope(region, sector),
        )
        .group_by(basis)
        .order_by(func.count().desc(), basis)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def entries_made(
    conn: Connection, first: dt.date, last: dt.date, region: str, sector: str | None
) -> list[dict[str, Any]]:
    """List entries that took effect in the period (``valid_from``, else the decision date),
    per ``kind`` and ``list_type``: ``entries``."""
    start = func.coalesce(_r.valid_from, _r.decision_date)
    query = (
        select(_r.kind, _r.list_type, func.count().label("entries"))
        .select_from(_records())
        .where(
            _r.kind.in_(LIST_KINDS),
            start.between(first, last),
            _counted(),
            *_scope(region, sector),
        )
        .group_by(_r.kind, _r.list_type)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def entries_expired(
    conn: Connection,
    first: dt.date,
    last: dt.date,
    region: str,
    sector: str | None,
    today: dt.date,
) -> list[dict[str, Any]]:
    """List entries that ran their course: ``expired`` (the worker's status for them), or still
    ``active`` or ``disputed`` (the worker's round has not come yet, an objection is open),
    whose last day in effect (``valid_until``) lies in the period and before ``today``, per
    ``kind`` and ``list_type``: ``entries``."""
    query = (
        select(_r.kind, _r.list_type, func.count().label("entries"))
        .select_from(_records())
        .where(
            _r.kind.in_(LIST_KINDS),
            _r.status.in_(("active", "disputed", "expired")),
            _r.valid_until.between(first, last),
            _r.valid_until < today,
            *_scope(region, sector),
        )
        .group_by(_r.kind, _r.list_type)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def entries_ended(
    conn: Connection, start: dt.datetime, end: dt.datetime, region: str, sector: str | None
) -> list[dict[str, Any]]:
    """List entries ended early (``cancelled``) or repaired (``repaired``) by a status change
    recorded in the period, per ``kind``, ``list_type`` and ``status``: ``entries``."""
    changed = (
        select(record_history.c.record_id)
        .where(
            record_history.c.event == "status",
            record_history.c.status.in_(ENDED_EARLY),
            between(conn, record_history.c.recorded_at, start, end),
        )
        .scalar_subquery()
    )
    query = (
        select(_r.kind, _r.list_type, _r.status, func.count().label("entries"))
        .select_from(_records())
        .where(
            _r.kind.in_(LIST_KINDS),
            _r.status.in_(ENDED_EARLY),
            _r.id.in_(changed),
            *_scope(region, sector),
        )
        .group_by(_r.kind, _r.list_type, _r.status)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def repair_counts(
    conn: Connection, start: dt.datetime, end: dt.datetime, region: str, sector: str | None
) -> list[dict[str, Any]]:
    """Credit repair per kind of the repaired record: ``applied`` (applications made in the
    period), ``approved`` and ``rejected`` (decided in the period), ``open`` (made in the
    period, not yet decided)."""
    c = repairs.c
    made = between(conn, c.created_at, start, end)
    decided = between(conn, c.decided_at, start, end)
    joined = repairs.join(credit_records, _r.id == c.record_id).join(
        subjects, subjects.c.id == _r.subject_id
    )
    query = (
        select(
            _r.kind,
            func.sum(case((made, 1), else_=0)).label("applied"),
            func.sum(case((and_(decided, c.status == "approved"), 1), else_=0)).label("approved"),
            func.sum(case((and_(decided, c.status == "rejected"), 1), else_=0)).label("rejected"),
            func.sum(
                case((and_(made, c.status.in_(REPAIR_STATUSES.open_values)), 1), else_=0)
            ).label("open"),
        )
        .select_from(joined)
        .where(
            (made | decided),
            *_scope(region, sector),
        )
        .group_by(_r.kind)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def by_subdivision(
    conn: Connection,
    first: dt.date,
    last: dt.date,
    region: str,
    sector: str | None,
    digits: int,
) -> list[dict[str, Any]]:
    """Records decided in the period per sub-division (the subject's division code cut to
    ``digits``) and kind: ``division``, ``kind``, ``records``."""
    division = func.substr(region_of(), 1, digits)
    query = (
        select(
            division.label("division"),
            _r.kind,
            func.count().label("records"),
        )
        .select_from(_records())
        .where(_r.decision_date.between(first, last), _counted(), *_scope(region, sector))
        .group_by(division, _r.kind)
        .order_by(division, _r.kind)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


__all__ = [
    "ENDED_EARLY",
    "LIST_KINDS",
    "NOT_COUNTED",
    "PERSON",
    "UNKNOWN",
    "by_kind_and_sector",
    "by_month",
    "by_subdivision",
    "entries_ended",
    "entries_expired",
    "entries_made",
    "legal_bases",
    "not_counted",
    "region_of",
    "repair_counts",
    "sector_of",
    "subjects_concerned",
    "violations",
]
