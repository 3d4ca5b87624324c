"""Publication deadlines of licensing and penalty records: the values written with a record,
the backfill of records written before them, and the queries of the report.

The values are columns of ``credit_records`` (``publication_due``, ``published_on``,
``withdrawal_due``, ``withdrawn_on``); the rules that compute them are
:mod:`jointcredit.rules.deadlines`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, bindparam, case, func, or_, select, update

from jointcredit.clock import china_day
from jointcredit.rules import deadlines as rules
from jointcredit.settings import get_settings
from jointcredit.store.tables import credit_records, record_history

KINDS = rules.KINDS


@dataclass(frozen=True, slots=True)
class Policy:
    """The configured time limits, in working days."""

    days: int
    market_days: int
    withdrawal_days: int

    @classmethod
    def from_settings(cls) -> Policy:
        s = get_settings()
        return cls(s.publication_days, s.publication_days_market, s.withdrawal_days)

    def publication_due(
        self,
        kind: str,
        decision_date: dt.date | None,
        category: str | None,
        names: Sequence[str | None],
        codes: Sequence[str | None],
    ) -> dt.date | None:
        """The record's last day to be public; None when it has no such deadline."""
        if kind not in KINDS or decision_date is None:
            return None
        market = _is_market(tuple(names), tuple(codes))
        if not rules.publication_required(kind, category, market):
            return None
        return rules.publication_due(
            decision_date, market, days=self.days, market_days=self.market_days
        ).day

    def withdrawal(self, revoked_on: dt.date) -> dict[str, dt.date]:
        """``withdrawal_due`` and ``withdrawn_on`` of a decision revoked, as far as the platform
        knows, on ``revoked_on``: the platform stops publishing it that very day."""
        return {
            "withdrawal_due": rules.withdrawal_due(revoked_on, days=self.withdrawal_days).day,
            "withdrawn_on": revoked_on,
        }


@lru_cache(maxsize=4096)
def _is_market(names: tuple[str | None, ...], codes: tuple[str | None, ...]) -> bool:
    # A department's file names the same few authorities on every row: the import's hot path
    # asks once per authority, not once per row.
    return rules.is_market_regulator(names, codes)


#: Shared, never changed: callers merge it (``|``) into rows of their own.
NO_WITHDRAWAL: dict[str, Any] = {"withdrawal_due": None, "withdrawn_on": None}


def withdrawal_values(
    policy: Policy,
    kind: str,
    old_status: str | None,
    new_status: str,
    old: dict[str, Any] | RowMapping | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """The withdrawal columns after a record's status goes from ``old_status`` (None: new
    record) to ``new_status``: filled when it becomes revoked, kept while it stays revoked,
    cleared when it is revoked no more."""
    if new_status != "revoked" or kind not in KINDS:
        return NO_WITHDRAWAL
    if old_status == "revoked" and old is not None:
        return {"withdrawal_due": old["withdrawal_due"], "withdrawn_on": old["withdrawn_on"]}
    return policy.withdrawal(china_day(now))


# -- backfill ------------------------------------------------------------------------------------

_BACKFILL_COLUMNS = (
    credit_records.c.id,
    credit_records.c.kind,
    credit_records.c.decision_date,
    credit_records.c.category,
    credit_records.c.issuing_authority,
    credit_records.c.source_department,
    credit_records.c.department,
    credit_records.c.status,
    credit_records.c.recorded_at,
)


def unpublished_batch(conn: Connection, after: int, limit: int) -> list[RowMapping]:
    """Licensing and penalty records without ``published_on`` (written before deadlines were
    kept), by id from ``after``."""
    return list(
        conn.execute(
            select(*_BACKFILL_COLUMNS)
            .where(
                credit_records.c.id > after,
                credit_records.c.kind.in_(KINDS),
                credit_records.c.published_on.is_(None),
            )
            .order_by(credit_records.c.id)
            .limit(limit)
        ).mappings()
    )


def unwithdrawn_batch(conn: Connection, after: int, limit: int) -> list[int]:
    """Revoked licensing and penalty records without ``withdrawal_due``, by id from ``after``."""
    return [
        int(i)
        for i in conn.execute(
            select(credit_records.c.id)
            .where(
                credit_records.c.id > after,
                credit_records.c.kind.in_(KINDS),
                credit_records.c.status == "revoked",
                credit_records.c.withdrawal_due.is_(None),
            )
            .order_by(credit_records.c.id)
            .limit(limit)
        ).scalars()
    ]


def revoked_since(conn: Connection, record_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """When each record's current revocation was recorded: the first version of its last run
    of ``revoked`` versions."""
    found: dict[int, dt.datetime] = {}
    if not record_ids:
        return found
    rows = conn.execute(
        select(record_history.c.record_id, record_history.c.status, record_history.c.recorded_at)
        .where(record_history.c.record_id.in_(list(record_ids)))
        .order_by(record_history.c.record_id, record_history.c.version)
    )
    for record_id, status, recorded_at in rows:
        if status != "revoked":
            found.pop(record_id, None)
        elif record_id not in found:
            found[record_id] = recorded_at
    return found


def set_values(conn: Connection, values: Sequence[dict[str, Any]], columns: Sequence[str]) -> int:
    """Set ``columns`` of each record (``values``: ``{"record_id": …, column: …}``), only where
    they are still empty, so that two refreshes at once write each value once."""
    if not values:
        return 0
    first = columns[0]
    stmt = (
        update(credit_records)
        .where(
            credit_records.c.id == bindparam("record_id"),
            credit_records.c[first].is_(None),
        )
        .values({name: bindparam(f"new_{name}") for name in columns})
    )
    params = [
        {"record_id": v["record_id"]} | {f"new_{name}": v[name] for name in columns} for v in values
    ]
    result = conn.execute(stmt, params)
    return int(result.rowcount or 0)


# -- the report ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filters:
    """What the report is about: every filter is optional.

    ``department``: names or codes matched against the issuing authority and the data source
    department (and the list department's catalog code), any of them.
    """

    department: Sequence[str] = ()
    kind: str | None = None
    decided_from: dt.date | None = None
    decided_to: dt.date | None = None
    missed_only: bool = False


def _where(filters: Filters) -> list[Any]:
    c = credit_records.c
    clauses: list[Any] = [
        c.kind.in_(KINDS),
        c.publication_due.is_not(None),
        c.published_on.is_not(None),
    ]
    if filters.department:
        names = list(filters.department)
        clauses.append(
            or_(
                c.issuing_authority.in_(names),
                c.source_department.in_(names),
                c.issuing_authority_code.in_(names),
                c.source_department_code.in_(names),
                c.department.in_(names),
            )
        )
    if filters.kind is not None:
        clauses.append(c.kind == filters.kind)
    if filters.decided_from is not None:
        clauses.append(c.decision_date >= filters.decided_from)
    if filters.decided_to is not None:
        clauses.append(c.decision_date <= filters.decided_to)
    if filters.missed_only:
        clauses.append(
            or_(
                c.published_on > c.publication_due,
                and_(c.withdrawal_due.is_not(None), c.withdrawn_on > c.withdrawal_due),
            )
        )
    return clauses


_LISTED = (
    credit_records.c.id,
    credit_records.c.kind,
    credit_records.c.issuing_authority,
    credit_records.c.issuing_authority_code,
    credit_records.c.source_department,
    credit_records.c.source_department_code,
    credit_records.c.department,
    credit_records.c.document_number,
    credit_records.c.decision_date,
    credit_records.c.category,
    credit_records.c.status,
    credit_records.c.publication_due,
    credit_records.c.published_on,
    credit_records.c.withdrawal_due,
    credit_records.c.withdrawn_on,
)


def page(conn: Connection, filters: Filters, *, limit: int, offset: int) -> list[RowMapping]:
    """Records with a publication deadline, latest decision first."""
    return list(
        conn.execute(
            select(*_LISTED)
            .where(*_where(filters))
            .order_by(credit_records.c.decision_date.desc(), credit_records.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).mappings()
    )


def summary(
    conn: Connection, filters: Filters, *, by: str = "issuing_authority"
) -> list[RowMapping]:
    """Per ``by`` (``issuing_authority`` or ``source_department``): records, deadlines met
    and missed, in one aggregate query."""
    c = credit_records.c
    group = c[by]
    missed = case((c.published_on > c.publication_due, 1), else_=0)
    withdrawals = case((c.withdrawal_due.is_not(None), 1), else_=0)
    withdrawals_missed = case(
        (and_(c.withdrawal_due.is_not(None), c.withdrawn_on > c.withdrawal_due), 1), else_=0
    )
    return list(
        conn.execute(
            select(
                group.label("department"),
                func.count().label("records"),
                func.sum(missed).label("missed"),
                func.sum(withdrawals).label("withdrawals"),
                func.sum(withdrawals_missed).label("withdrawals_missed"),
            )
            .where(*_where(filters))
            .group_by(group)
            .order_by(group)
        ).mappings()
    )
