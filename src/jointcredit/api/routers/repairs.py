"""Credit repair (信用修复, 33号 §21; NDRC Order No. 36): apply, accept, decide. See
docs/objections-and-repair.md. The list, the detail and the notes: ``api.cases``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, status
from pydantic import Field

from jointcredit.api import cases, schemas
from jointcredit.api.deps import Caller, Registry
from jointcredit.choices.cases import REPAIR_STATUSES
from jointcredit.services import repairs

router = APIRouter(tags=["repairs"])

RepairId = Annotated[int, cases.case_path("repair", "application")]


class Repair(cases.RecordCase):
    department: str | None = Field(
        description="The department that decides: the record's provider (catalog code)."
    )
    commitment: str = Field(description="The public credit commitment (信用承诺).")
    evidence: str | None
    status: str = Field(description=cases.one_of(REPAIR_STATUSES))
    applied_by: str
    accepted_by: str | None
    accepted_at: str | None
    decided_by: str | None
    decided_at: str | None


class RepairIn(schemas.Model):
    record_id: int = Field(ge=1, le=cases.ROW_ID_MAX, description="The record to repair.")
    commitment: cases.Text = Field(description="The subject's public credit commitment.")
    obligations_met: bool = Field(
        description="The act is corrected and the obligations of the decision are fully met."
    )
    evidence: cases.OptionalText | None = Field(
        default=None, description="How: payments made, corrections done, documents."
    )


class AcceptIn(schemas.Model):
    accept: bool = Field(
        default=True, description="false: refuse the application at acceptance (note required)."
    )
    note: cases.OptionalText | None = None


class DecisionIn(schemas.Model):
    approve: bool = Field(description="true: repair the record; false: reject the application.")
    note: cases.Text = Field(description="Why.")


@router.post(
    "/repairs",
    status_code=status.HTTP_201_CREATED,
    response_model=Repair,
    responses=schemas.ERRORS | cases.CONFLICT,
    summary="Apply for credit repair",
)
def apply(registry: Registry, caller: Caller, body: RepairIn) -> dict[str, Any]:
    """Apply for the repair of a penalty or black-list entry, for its subject. Refused (422)
    with the reason when it is not eligible, naming the earliest day when it is too early;
    409 when the record is disputed, no longer active or has an open application. An
    `initiator` or `reviewer` key."""
    return repairs.apply(
        registry,
        body.record_id,
        commitment=body.commitment,
        obligations_met=body.obligations_met,
        evidence=body.evidence,
        by=caller,
    )


router.include_router(
    cases.case_router(
        repairs.QUEUE,
        path="repairs",
        item="repair",
        model=Repair,
        status_enum=REPAIR_STATUSES.enum("RepairStatus"),
        words=cases.Words(
            what="application",
            list_summary="Credit-repair applications",
            list_doc="The applications the key's department decides or applied for "
            "(supervisors and admins: all), newest first. The read is audited.",
            show_summary="A credit-repair application with its history",
            show_doc="One application and every transition it went through; audited.",
            overdue="Only open applications past their due day.",
        ),
    )
)


@router.post(
    "/repairs/{repair_id}/accept",
    response_model=Repair,
    responses=schemas.ERRORS | cases.CONFLICT,
    summary="Accept or refuse a credit-repair application",
)
def accept(
    registry: Registry, caller: Caller, repair_id: RepairId, body: AcceptIn | None = None
) -> dict[str, Any]:
    """Acceptance by a `reviewer` of the providing department: the decision is then due
    within the configured working days. `accept: false` refuses it (a note is required)."""
    body = body or AcceptIn()
    return repairs.accept(registry, repair_id, refuse=not body.accept, note=body.note, by=caller)


@router.post(
    "/repairs/{repair_id}/decide",
    response_model=Repair,
    responses=schemas.ERRORS | cases.CONFLICT,
    summary="Approve or reject a credit-repair application",
)
def decide(
    registry: Registry, caller: Caller, repair_id: RepairId, body: DecisionIn
) -> dict[str, Any]:
    """The decision, by a `reviewer` of the providing department (an application not yet
    accepted is accepted first). On approval the record is `repaired`: publication and
    sharing stop, its measures end, and every department told of it receives `entry.ended`
    (reason `repaired`)."""
    return repairs.decide(registry, repair_id, approve=body.approve, note=body.note, by=caller)
