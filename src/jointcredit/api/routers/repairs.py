"""Credit repair (信用修复, 33号 §21; NDRC Order No. 36): apply, accept, decide. See
docs/objections-and-repair.md.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import AfterValidator, Field, StringConstraints

from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Paging, Registry
from jointcredit.api.pages import Page, page_of
from jointcredit.api.routers.objections import ROW_ID_MAX, Deadline, Event, Text, no_nul
from jointcredit.services import repairs

router = APIRouter(tags=["repairs"])

RepairId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The application's id.")]
RepairStatus = Literal["applied", "accepted", "approved", "rejected"]
OptionalText = Annotated[str, StringConstraints(max_length=20_000), AfterValidator(no_nul)]
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": schemas.ErrorBody, "description": "Conflict with the item's state"}
}


class Repair(Deadline):
    id: int
    record_id: int
    subject: str = Field(description="The identifier of the record's subject.")
    department: str | None = Field(
        description="The department that decides: the record's provider (catalog code)."
    )
    commitment: str = Field(description="The public credit commitment (信用承诺).")
    evidence: str | None
    status: str = Field(description="applied, accepted, approved or rejected")
    applied_by: str
    accepted_by: str | None
    accepted_at: str | None
    decided_by: str | None
    decided_at: str | None
    note: str | None
    created_at: str
    updated_at: str
    notified: list[str] | None = Field(
        default=None, description="Departments told by this step (answers of steps only)."
    )


class RepairDetail(Repair):
    history: list[Event] = Field(description="Every transition, oldest first.")


class RepairIn(schemas.Model):
    record_id: int = Field(ge=1, le=ROW_ID_MAX, description="The record to repair.")
    commitment: Text = Field(description="The subject's public credit commitment.")
    obligations_met: bool = Field(
        description="The act is corrected and the obligations of the decision are fully met."
    )
    evidence: OptionalText | None = Field(
        default=None, description="How: payments made, corrections done, documents."
    )


class AcceptIn(schemas.Model):
    accept: bool = Field(
        default=True, description="false: refuse the application at acceptance (note required)."
    )
    note: OptionalText | None = None


class DecisionIn(schemas.Model):
    approve: bool = Field(description="true: repair the record; false: reject the application.")
    note: Text = Field(description="Why.")


@router.post(
    "/repairs",
    status_code=status.HTTP_201_CREATED,
    response_model=Repair,
    responses=schemas.ERRORS | CONFLICT,
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


@router.get(
    "/repairs",
    response_model=Page[Repair],
    responses=schemas.ERRORS,
    summary="Credit-repair applications",
)
def listed(
    registry: Registry,
    caller: Caller,
    paging: Paging,
    status_: Annotated[
        RepairStatus | None, Query(alias="status", description="Only this status.")
    ] = None,
    overdue: Annotated[
        bool, Query(description="Only open applications past their due day.")
    ] = False,
) -> dict[str, Any]:
    """The applications the key's department decides or applied for (supervisors and admins:
    all), newest first. The read is audited."""
    rows = repairs.listed(
        registry,
        by=caller,
        limit=paging.limit + 1,
        offset=paging.offset,
        status=status_,
        overdue=overdue,
    )
    return page_of(rows, paging)


@router.get(
    "/repairs/{repair_id}",
    response_model=RepairDetail,
    responses=schemas.ERRORS,
    summary="A credit-repair application with its history",
)
def shown(registry: Registry, caller: Caller, repair_id: RepairId) -> dict[str, Any]:
    """One application and every transition it went through; audited."""
    return repairs.shown(registry, repair_id, by=caller)


@router.post(
    "/repairs/{repair_id}/accept",
    response_model=Repair,
    responses=schemas.ERRORS | CONFLICT,
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
    responses=schemas.ERRORS | CONFLICT,
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
