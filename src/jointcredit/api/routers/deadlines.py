"""Publication deadlines of licensing and penalty records: each record's deadline and whether
it was met, and the count per department.

Needs an `initiator`, `reviewer`, `supervisor` or `admin` key (any department's records: the
deadlines are the platform's own accounting). Every read is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Paging, Registry
from jointcredit.api.pages import Page, page_of
from jointcredit.services import deadlines

router = APIRouter(tags=["deadlines"])

#: Filter values: no control characters (PostgreSQL text cannot hold U+0000 at all).
TEXT = r"^[^\x00-\x1f\x7f]+$"

Department = Annotated[
    list[str] | None,
    Query(
        max_length=20,
        description="Issuing authority or data source department: its name, its USCC, or a "
        "catalog code (matched by the catalog's name); repeat for several.",
    ),
]
Kind = Annotated[Literal["licensing", "penalty"] | None, Query(description="licensing or penalty")]
DecidedFrom = Annotated[dt.date | None, Query(description="Decided on or after this day.")]
DecidedTo = Annotated[dt.date | None, Query(description="Decided on or before this day.")]


class Withdrawal(schemas.Model):
    due: str = Field(description="Last day to withdraw the revoked decision.")
    withdrawn_on: str = Field(description="The day the platform stopped publishing it.")
    met: bool
    days_late: int
    workdays_late: int


class PublicationDeadline(schemas.Model):
    id: int = Field(description="The record's id.")
    kind: str
    issuing_authority: str
    issuing_authority_code: str | None
    source_department: str | None
    source_department_code: str | None
    document_number: str
    decision_date: str
    category: str | None
    status: str
    market_regulator: bool = Field(description="20 working days instead of 7.")
    publication_due: str = Field(description="Last day the record had to be public.")
    due_estimated: bool = Field(
        description="Counted across a year the holiday calendar does not know (weekends only)."
    )
    published_on: str = Field(description="The day in China the platform first had it.")
    met: bool
    days_late: int = Field(description="Calendar days after the due day (0 when met).")
    workdays_late: int = Field(description="Working days after the due day (0 when met).")
    withdrawal: Withdrawal | None = Field(description="For a revoked decision.")
    warning: str | None


class DepartmentSummary(schemas.Model):
    department: str | None
    records: int
    met: int
    missed: int
    share_met: float | None = Field(description="met / records, 4 decimals; null: no records.")
    withdrawals: int
    withdrawals_met: int
    withdrawals_missed: int


@router.get(
    "/deadlines/publication",
    response_model=Page[PublicationDeadline],
    responses=schemas.ERRORS,
    summary="Publication deadlines of records",
)
def listed(
    registry: Registry,
    caller: Caller,
    paging: Paging,
    department: Department = None,
    kind: Kind = None,
    decided_from: DecidedFrom = None,
    decided_to: DecidedTo = None,
    missed: Annotated[
        bool, Query(description="Only records whose deadline (or withdrawal) was missed.")
    ] = False,
) -> dict[str, Any]:
    """Licensing and penalty records with their publication deadline (7 working days after
    the decision, market regulators 20) and whether the platform had them in time; for a
    revoked decision, its withdrawal. Latest decision first. Audited."""
    rows = deadlines.listed(
        registry,
        deadlines.Filters(
            department=tuple(department or ()),
            kind=kind,
            decided_from=decided_from,
            decided_to=decided_to,
            missed_only=missed,
        ),
        by=caller,
        limit=paging.limit + 1,
        offset=paging.offset,
    )
    return page_of(rows, paging)


@router.get(
    "/deadlines/publication/summary",
    response_model=list[DepartmentSummary],
    responses=schemas.ERRORS,
    summary="Publication deadlines per department",
)
def summary(
    registry: Registry,
    caller: Caller,
    department: Department = None,
    kind: Kind = None,
    decided_from: DecidedFrom = None,
    decided_to: DecidedTo = None,
    by: Annotated[
        Literal["issuing_authority", "source_department"],
        Query(
            description="Count per issuing authority (which owes the publication) or per data "
            "source department (which sends the records)."
        ),
    ] = "issuing_authority",
) -> list[dict[str, Any]]:
    """Per department: records with a deadline, met, missed, the share met, and the same for
    withdrawals of revoked decisions. Audited."""
    return deadlines.summary(
        registry,
        deadlines.Filters(
            department=tuple(department or ()),
            kind=kind,
            decided_from=decided_from,
            decided_to=decided_to,
        ),
        by=caller,
        group_by=by,
    )
