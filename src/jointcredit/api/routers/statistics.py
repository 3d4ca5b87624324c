"""Statistics for supervisors: what the registry holds and who used it, as counts only."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from jointcredit.access import require
from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Registry
from jointcredit.errors import InvalidInputError
from jointcredit.services.registry import summary
from jointcredit.store import statistics

router = APIRouter(tags=["statistics"])

#: Calendar dates are China's (UTC+8); the audit log's timestamps are UTC.
CHINA = dt.timezone(dt.timedelta(hours=8))
#: Before and after these days there is nothing to count: the bound is simply dropped.
_FIRST = dt.date(1970, 1, 1)
_LAST = dt.date(9000, 1, 1)


class RecordCount(schemas.Model):
    kind: str
    status: str
    count: int


class AuditCount(schemas.Model):
    action: str
    department: str | None = Field(description="Acting department; null: public or operator.")
    count: int


class AuditStatistics(schemas.Model):
    since: str | None = Field(description="First day counted (China time); null: from the start.")
    until: str | None = Field(description="Last day counted (China time); null: up to now.")
    rows: list[AuditCount]


class KeyCount(schemas.Model):
    role: str
    active: int
    revoked: int


class Statistics(schemas.Model):
    registry: dict[str, int] = Field(
        description="What the registry holds: subjects by kind, records by kind, relations, "
        "history rows (as `jointcredit summary`)."
    )
    records: list[RecordCount] = Field(description="Credit records by kind and status.")
    audit: AuditStatistics
    keys: list[KeyCount] = Field(description="API keys by role.")


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), CHINA).astimezone(dt.UTC)


@router.get(
    "/statistics", response_model=Statistics, responses=schemas.ERRORS, summary="Statistics"
)
def statistics_of_registry(
    registry: Registry,
    caller: Caller,
    since: Annotated[
        dt.date | None, Query(description="Count audit rows from this day (China time).")
    ] = None,
    until: Annotated[
        dt.date | None, Query(description="Count audit rows up to this day, inclusive.")
    ] = None,
) -> dict[str, Any]:
    """Counts of subjects, records by kind and status, audit rows by action and department in
    a period, and API keys by role. Needs a `supervisor` or `admin` key."""
    require(caller, "statistics")
    if since is not None and until is not None and since > until:
        raise InvalidInputError(f"since ({since}) is after until ({until})")
    start = _start_of(since) if since is not None and since > _FIRST else None
    end = _start_of(until + dt.timedelta(days=1)) if until is not None and until < _LAST else None
    with registry.connect() as conn:
        records = statistics.records_by_kind_and_status(conn)
        audit_rows = statistics.audit_by_action_and_department(conn, start=start, end=end)
        key_counts = statistics.keys_by_role(conn)
    return {
        "registry": summary(registry),
        "records": records,
        "audit": {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "rows": audit_rows,
        },
        "keys": key_counts,
    }
