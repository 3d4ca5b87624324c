"""Objections (异议, 33号 §22): any department's key (or the operator) disputes a record; a
reviewer of the providing department upholds or rejects it. See docs/objections-and-repair.md.

Listing, reading and noting objections are made by :func:`jointcredit.api.cases.case_router`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, status
from pydantic import Field

from jointcredit.api import cases, schemas
from jointcredit.api.deps import Caller, Registry
from jointcredit.choices.cases import OBJECTION_OUTCOMES, OBJECTION_STATUSES
from jointcredit.services import objections

router = APIRouter(tags=["objections"])

ObjectionId = Annotated[int, cases.case_path("objection", "objection")]
ObjectionOutcome = OBJECTION_OUTCOMES.enum("ObjectionOutcome")


class Objection(cases.RecordCase):
    department: str | None = Field(
        description="The department that verifies: the record's provider (catalog code)."
    )
    reason: str
    status: str = Field(description=cases.one_of(OBJECTION_STATUSES))
    prior_status: str = Field(description="The record's status before it was disputed.")
    opened_by: str
    opened_by_department: str | None
    resolved_by: str | None
    resolved_at: str | None


class ObjectionIn(schemas.Model):
    record_id: int = Field(ge=1, le=cases.ROW_ID_MAX, description="The disputed credit record.")
    reason: cases.Text = Field(description="What is wrong with the record.")


class ResolutionIn(schemas.Model):
    outcome: ObjectionOutcome = Field(  # type: ignore[valid-type]
        description="upheld: the record was wrong and is withdrawn; rejected: it stands."
    )
    note: cases.Text = Field(description="Why: the verification's finding.")


class WithdrawalIn(schemas.Model):
    note: cases.OptionalText | None = None


@router.post(
    "/objections",
    status_code=status.HTTP_201_CREATED,
    response_model=Objection,
    responses=schemas.ERRORS | cases.CONFLICT,
    summary="Dispute a credit record",
)
def open_objection(registry: Registry, caller: Caller, body: ObjectionIn) -> dict[str, Any]:
    """Open an objection: the record is marked `disputed` at once, the check answers
    `suspended` for its measures, and every department already told of the record receives
    `entry.suspended`. One open objection per record (409 names the open one); the record
    must be active. Any department's key."""
    return objections.open_objection(registry, body.record_id, reason=body.reason, by=caller)


router.include_router(
    cases.case_router(
        objections.QUEUE,
        path="objections",
        item="objection",
        model=Objection,
        status_enum=OBJECTION_STATUSES.enum("ObjectionStatus"),
        words=cases.Words(
            what="objection",
            list_summary="Objections",
            list_doc="The objections the key's department verifies or opened (supervisors and "
            "admins: all), newest first. The read is audited.",
            show_summary="An objection with its history",
            show_doc="One objection and every transition it went through. A key sees its own "
            "department's (verifying or opening); supervisors and admins any. The read is "
            "audited.",
            overdue="Only open objections past their due day, most overdue first.",
        ),
    )
)


@router.post(
    "/objections/{objection_id}/resolve",
    response_model=Objection,
    responses=schemas.ERRORS | cases.CONFLICT,
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
        registry, objection_id, outcome=str(body.outcome), note=body.note, by=caller
    )


@router.post(
    "/objections/{objection_id}/withdraw",
    response_model=Objection,
    responses=schemas.ERRORS | cases.CONFLICT,
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
