"""Publication deadlines of licensing and penalty records (双公示): whether each record was
public in time, and whether each revoked decision was withdrawn in time.

The deadline values are written with the record (``store.records.write_records`` and
``set_status``, through :mod:`jointcredit.store.deadlines`); :func:`refresh` fills them for
records written before the platform kept them. The report lists records with their deadline
and outcome, and :func:`summary` counts them per department: the statistics build on it.

A record is *met* when the platform first had it (``published_on``) on or before its
``publication_due``, else *missed* by so many days; a record the platform does not have cannot
be listed, so there is no third state. The platform does not know when a department published
a decision on its own site: ``published_on`` measures the national platform's copy.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, RowMapping

from jointcredit.access import OPERATOR, Principal, require
from jointcredit.clock import china_day
from jointcredit.errors import InvalidInputError, PermissionDeniedError
from jointcredit.rules import deadlines as rules
from jointcredit.rules.workdays import estimate_warning, known
from jointcredit.services import audit
from jointcredit.store import deadlines as store
from jointcredit.store import stats_summaries
from jointcredit.store.db import write_transaction
from jointcredit.store.deadlines import Filters

__all__ = ["DepartmentSummary", "Filters", "listed", "refresh", "summarize", "summary"]

_CONTROL = re.compile("[\x00-\x1f\x7f]")
GROUPINGS = ("issuing_authority", "source_department")


def _catalog_names(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The department filter with every catalog code also given by its catalog name: the
    data source department of a record submitted through the API is that name."""
    from jointcredit.catalog import load_catalog

    departments = load_catalog().departments
    out = list(values)
    for value in values:
        found = departments.get(value)
        if found is not None:
            out.append(found.name_zh)
    return tuple(dict.fromkeys(out))


def _filters(filters: Filters) -> Filters:
    for value in filters.department:
        if not value or len(value) > 200 or _CONTROL.search(value):
            raise InvalidInputError(
                f"department: {value[:40]!r} is not a department name or code (1 to 200 "
                "characters, no control characters)"
            )
    if filters.kind is not None and filters.kind not in rules.KINDS:
        raise InvalidInputError(f"kind: {filters.kind!r} is not one of {', '.join(rules.KINDS)}")
    if (
        filters.decided_from is not None
        and filters.decided_to is not None
        and filters.decided_to < filters.decided_from
    ):
        raise InvalidInputError(
            f"decided_to: {filters.decided_to} is before decided_from {filters.decided_from}"
        )
    if not filters.department:
        return filters
    return Filters(
        department=_catalog_names(list(filters.department)),
        kind=filters.kind,
        decided_from=filters.decided_from,
        decided_to=filters.decided_to,
        missed_only=filters.missed_only,
    )


def _estimated(start: dt.date, due: dt.date) -> bool:
    """Whether a due day counted from ``start`` crossed a year the calendar does not know."""
    return not (known(start) and known(due))


def _view(row: RowMapping) -> dict[str, Any]:
    due, done = row["publication_due"], row["published_on"]
    publication = rules.Outcome(due, done)
    estimated = _estimated(row["decision_date"], due)
    out: dict[str, Any] = {
        "id": row["id"],
        "kind": row["kind"],
        "issuing_authority": row["issuing_authority"],
        "issuing_authority_code": row["issuing_authority_code"],
        "source_department": row["source_department"],
        "source_department_code": row["source_department_code"],
        "document_number": row["document_number"],
        "decision_date": row["decision_date"].isoformat(),
        "category": row["category"],
        "status": row["status"],
        "market_regulator": rules.is_market_regulator(
            (row["issuing_authority"], row["source_department"]), (row["department"],)
        ),
        "publication_due": due.isoformat(),
        "due_estimated": estimated,
        "published_on": done.isoformat(),
        "met": publication.met,
        "days_late": publication.days_late,
        "workdays_late": publication.workdays_late,
        "withdrawal": None,
        "warning": estimate_warning() if estimated else None,
    }
    if row["withdrawal_due"] is not None and row["withdrawn_on"] is not None:
        withdrawal = rules.Outcome(row["withdrawal_due"], row["withdrawn_on"])
        out["withdrawal"] = {
            "due": withdrawal.due.isoformat(),
            "withdrawn_on": withdrawal.done.isoformat(),
            "met": withdrawal.met,
            "days_late": withdrawal.days_late,
            "workdays_late": withdrawal.workdays_late,
        }
    return out


def listed(
    engine: Engine, filters: Filters, *, by: Principal, limit: int, offset: int = 0
) -> list[dict[str, Any]]:
    """Records with a publication deadline and whether it was met, latest decision first."""
    require(by, "read-deadlines")
    filters = _filters(filters)
    with write_transaction(engine) as conn:
        rows = [_view(r) for r in store.page(conn, filters, limit=limit, offset=offset)]
        audit.append(
            conn,
            by,
            "read-deadlines",
            detail={"filters": _filters_detail(filters), "records": len(rows)},
        )
    return rows


def _filters_detail(filters: Filters) -> dict[str, Any]:
    return {
        "department": list(filters.department),
        "kind": filters.kind,
        "decided_from": filters.decided_from.isoformat() if filters.decided_from else None,
        "decided_to": filters.decided_to.isoformat() if filters.decided_to else None,
        "missed_only": filters.missed_only,
    }


@dataclass(frozen=True, slots=True)
class DepartmentSummary:
    """One department's publication record: how many deadlines, met and missed."""

    department: str | None
    records: int
    met: int
    missed: int
    withdrawals: int
    withdrawals_met: int
    withdrawals_missed: int

    @property
    def share_met(self) -> float | None:
        """Met deadlines over all (None without any), to four decimals."""
        return round(self.met / self.records, 4) if self.records else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "department": self.department,
            "records": self.records,
            "met": self.met,
            "missed": self.missed,
            "share_met": self.share_met,
            "withdrawals": self.withdrawals,
            "withdrawals_met": self.withdrawals_met,
            "withdrawals_missed": self.withdrawals_missed,
        }


def summarize(
    engine: Engine, filters: Filters | None = None, *, by: str = "issuing_authority"
) -> list[DepartmentSummary]:
    """Per department (``by``: the issuing authority, which owes the publication, or the data
    source department, which sends the records), the deadlines met and missed: no
    permission check and no audit row, for the statistics and the services that do both."""
    if by not in GROUPINGS:
        raise InvalidInputError(f"by: {by!r} is not one of {', '.join(GROUPINGS)}")
    filters = _filters(filters or Filters())
    with engine.connect() as conn:
        rows = store.summary(conn, filters, by=by)
    out = []
    for row in rows:
        records, missed = int(row["records"]), int(row["missed"] or 0)
        withdrawals, w_missed = int(row["withdrawals"] or 0), int(row["withdrawals_missed"] or 0)
        out.append(
            DepartmentSummary(
                department=row["department"],
                records=records,
                met=records - missed,
                missed=missed,
                withdrawals=withdrawals,
                withdrawals_met=withdrawals - w_missed,
                withdrawals_missed=w_missed,
            )
        )
    return out


def summary(
    engine: Engine,
    filters: Filters | None = None,
    *,
    by: Principal,
    group_by: str = "issuing_authority",
) -> list[dict[str, Any]]:
    """:func:`summarize` for a caller: checked and audited."""
    require(by, "read-deadlines")
    found = summarize(engine, filters, by=group_by)
    audit.record(
        engine,
        by,
        [
            audit.Event(
                "read-deadlines",
                detail={
                    "summary": group_by,
                    "filters": _filters_detail(filters or Filters()),
                    "departments": len(found),
                },
            )
        ],
    )
    return [s.to_dict() for s in found]


@dataclass(slots=True)
class RefreshResult:
    published: int = 0
    withdrawn: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"published": self.published, "withdrawn": self.withdrawn}


def refresh(engine: Engine, *, by: Principal = OPERATOR, batch_size: int = 2000) -> RefreshResult:
    """Fill the deadline columns of licensing and penalty records written before they were
    kept, batch by batch, each batch in a transaction of its own. Idempotent: it fills only
    empty columns, so a second run (or two at once) changes nothing.

    ``published_on`` is the day in China the record was first recorded (``recorded_at``);
    a revoked record's withdrawal counts from the day its revocation was recorded (the first
    version of its last run of revoked versions).
    """
    if by.role != "operator":
        raise PermissionDeniedError("only the local operator refreshes deadlines")
    policy = store.Policy.from_settings()
    result = RefreshResult()
    after = 0
    while True:
        with write_transaction(engine) as conn:
            rows = store.unpublished_batch(conn, after, batch_size)
            if not rows:
                break
            values = []
            for row in rows:
                values.append(
                    {
                        "record_id": row["id"],
                        "published_on": china_day(row["recorded_at"]),
                        "publication_due": policy.publication_due(
                            row["kind"],
                            row["decision_date"],
                            row["category"],
                            (row["issuing_authority"], row["source_department"]),
                            (row["department"],),
                        ),
                    }
                )
            result.published += store.set_values(conn, values, ("published_on", "publication_due"))
            # No history row tells the statistics' summary: note the months to count again.
            stats_summaries.mark_stale(conn, [v["record_id"] for v in values])
            after = rows[-1]["id"]
    after = 0
    while True:
        with write_transaction(engine) as conn:
            ids = store.unwithdrawn_batch(conn, after, batch_size)
            if not ids:
                break
            since = store.revoked_since(conn, ids)
            values = [
                {"record_id": record_id} | policy.withdrawal(china_day(since[record_id]))
                for record_id in ids
                if record_id in since
            ]
            result.withdrawn += store.set_values(conn, values, ("withdrawal_due", "withdrawn_on"))
            after = ids[-1]
    if result.published or result.withdrawn:
        with write_transaction(engine) as conn:
            audit.append(conn, by, "deadlines-refresh", detail=result.to_dict())
    return result
