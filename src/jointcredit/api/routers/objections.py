"""Objections (异议, 33号 §22): any department's key (or the operator) disputes a record; a
reviewer of the providing department upholds or rejects it. See docs/objections-and-repair.md.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import AfterValidator, Field, StringConstraints

from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Paging, Registry
from jointcredit.api.pages import Page, page_of
from jointcredit.services import objections

router = APIRouter(tags=["objections"])

#: Row ids are 64-bit; a larger number cannot name a row (and would overflow the driver).
ROW_ID_MAX = 2**63 - 1
ObjectionId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The objection's id.")]


def no_nul(value: str) -> str:
    # PostgreSQL text cannot hold U+0000; refused here instead of failing in the driver.
    if "\x00" in value:
        raise ValueError("must not contain U+0000")
    return value


Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000), AfterValidator(no_nul)]
ObjectionStatus = Literal["open", "upheld", "rejected", "withdrawn"]


class Deadline(schemas.Model):
    due: str = Field(description="The last day of the time limit (a day in China).")
    due_estimated: bool = Field(
        description="The due day lies beyond the holiday calendar's known years: only "
        "weekends were counted."
    )
    due_warning: str | None = Field(description="Says so in words when `due_estimated`.")
    overdue: bool = Field(description="Still open and its due day has passed.")
    days_late: int | None = Field(description="Working days past the due day, when overdue.")


class Event(schemas.Model):
    action: str
    from_status: str | None
    to_status: str
    actor: str
    department: str | None
    role: str | None
    note: str | None
    at: str


class Objection(Deadline):
    id: int
    record_id: int
    subject: str = Field(description="The identifier of the record's subject.")
    department: str | None = Field(
        description="The department that verifies: the record's provider (catalog code)."
    )
    reason: str
    status: str = Field(description="open, upheld, rejected or withdrawn")
    prior_status: str = Field(description="The record's status before it was disputed.")
    opened_by: str
    opened_by_department: str | None
    resolved_by: str | None
    resolved_at: str | None
    note: str | None
    created_at: str
    updated_at: str
    notified: list[str] | None = Field(
        default=None, description="Departments told by this step (answers of steps only)."
    )


class ObjectionDetail(Objection):
    history: list[Event] = Field(description="Every transition, oldest first.")


class ObjectionIn(schemas.Model):
    record_id: int = Field(ge=1, le=ROW_ID_MAX, description="The disputed credit record.")
    reason: Text = Field(description="What is wrong with the record.")


class ResolutionIn(schemas.Model):
    outcome: Literal["upheld", "rejected"] = Field(
        description="upheld: the record was wrong and is withdrawn; rejected: it stands."
    )
    note: Text = Field(description="Why: the verification's finding.")


class WithdrawalIn(schemas.Model):
    note: Annotated[str, StringConstraints(max_length=20_000), AfterValidator(no_nul)] | None = None


@router.post(
    "/objections",
    status_code=status.HTTP_201_CREATED,
    response_model=Objection,
    responses=schemas.ERRORS | {409: {"model": schemas.ErrorBody, "description": "Conflict"}},
    summary="Dispute a credit record",
)
def open_objection(registry: Registry, caller: Caller, body: ObjectionIn) -> dict[str, Any]:
    """Open an objection: the record is marked `disputed` at once, the check answers
    `suspended` for its measures, and every department already told of the record receives
    `entry.suspended`. One open objection per record (409 names the open one); the record
    must be active. Any department's key."""
    return objections.open_objection(registry, body.record_id, reason=body.reason, by=caller)


@router.get(
    "/objections",
    response_model=Page[Objection],
    responses=schemas.ERRORS,
    summary="Objections",
)
def listed(
    registry: Registry,
    caller: Caller,
    paging: Paging,
    status_: Annotated[
        ObjectionStatus | None, Query(alias="status", description="Only this status.")
    ] = None,
    overdue: Annotated[
        bool, Query(description="Only open objections past their due day, most overdue first.")
    ] = False,
) -> dict[str, Any]:
    """The objections the key's department verifies or opened (supervisors and admins: all),
    newest first. The read is audited."""
    rows = objections.listed(
        registry,
        by=caller,
        limit=paging.limit + 1,
        offset=paging.offset,
        status=status_,
        overdue=overdue,
    )
    return page_of(rows, paging)


@router.get(
    "/objections/{objection_id}",
    response_model=ObjectionDetail,
    responses=schemas.ERRORS,
    summary="An objection with its history",
)
def shown(registry: Registry, caller: Caller, objection_id: ObjectionId) -> dict[str, Any]:
    """One objection and every transition it went through. A key sees its own department's
    (verifying or opening); supervisors and admins any. The read is audited."""
    return objections.shown(registry, objection_id, by=caller)


@router.post(
    "/objections/{objection_id}/resolve",
    response_model=Objection,
    responses=schemas.ERRORS | {409: {"model": schemas.ErrorBody, "description": "Not open"}},
    summary="Uphold or reject an objection",
)
def resolve(
    registry: Registry, caller: Caller, objection_id: ObjectionId, body: ResolutionIn
) -> dict[str, Any]:
    """The verification's outcome, by a `reviewer` of the providing department. `upheld`: the
    record is withdrawn, its measures end and the departments told of it receive
    `entry.corrected`; `rejected`: it returns to its former status and they receive
    `entry.resumed`."""
    return objections.resolve(
        registry, objection_id, outcome=body.outcome, note=body.note, by=caller
    )


@router.post(
    "/objections/{objection_id}/withdraw",
    response_model=Objection,
    responses=schemas.ERRORS | {409: {"model": schemas.ErrorBody, "description": "Not open"}},
    summary="Withdraw an objection",
)
def withdraw(
    registry: Registry,
    caller: Caller,
    objection_id: ObjectionId,
    body: WithdrawalIn | None = None,
) -> dict[str, Any]:
    """Withdrawn by the department that opened it: the record is restored as on a rejection
    (`entry.resumed`)."""
    return objections.withdraw(registry, objection_id, note=body.note if body else None, by=caller)
