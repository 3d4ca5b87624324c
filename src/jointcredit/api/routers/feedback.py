"""Enforcement feedback (执行反馈): implementing departments report what they did with a pushed
entry or a check; supervisors see whose feedback is overdue.

Submitting needs an `implementer` key and is for the key's own department; reading needs an
`implementer` (its own department's), `supervisor` or `admin` key. Every submission and read is
audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import AfterValidator, Field, StringConstraints

from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Paging, Registry
from jointcredit.api.pages import Page, page_of
from jointcredit.services import feedback

router = APIRouter(tags=["feedback"])

#: Row ids are 64-bit; a larger number cannot name a row (and would overflow the driver).
ROW_ID_MAX = 2**63 - 1
#: Filter values: no control characters (PostgreSQL text cannot hold U+0000 at all).
TEXT = r"^[^\x00-\x1f\x7f]+$"


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold U+0000; refused here instead of failing in the driver.
    if "\x00" in value:
        raise ValueError("must not contain U+0000")
    return value


_Clean = AfterValidator(_no_nul)
Code = Annotated[str, StringConstraints(min_length=1, max_length=64), _Clean]
RowId = Annotated[int, Field(ge=1, le=ROW_ID_MAX)]


class FeedbackIn(schemas.Model):
    department: Code | None = Field(
        default=None, description="The reporting department (catalog code); default: the key's."
    )
    message_id: RowId | None = Field(
        default=None,
        description="The pushed message the feedback answers (sent to the key's department).",
    )
    record_id: RowId | None = Field(default=None, description="The list entry acted on.")
    audit_id: RowId | None = Field(
        default=None,
        description="The check acted on: `receipt.audit_entry` of the check's answer, a check "
        "made by the key's department.",
    )
    measure: Code = Field(description="Catalog id of the measure, e.g. `mou-2016-141/01`.")
    applied: bool = Field(description="Whether the measure was applied.")
    matter: Code = Field(description="The matter it was applied in (catalog code).")
    case_reference: Annotated[str, StringConstraints(max_length=200), _Clean] | None = Field(
        default=None, description="The department's own case or file number."
    )
    acted_on: dt.date | None = Field(
        default=None, description="Day of the act, not in the future; default: today in China."
    )
    reason: Annotated[str, StringConstraints(max_length=4000), _Clean] | None = Field(
        default=None, description="Why; required when `applied` is false."
    )


class Feedback(schemas.Model):
    id: int
    department: str
    message_id: int | None
    record_id: int | None
    audit_id: int | None
    subject: str = Field(description="Identifier of the subject acted on.")
    measure: str | None
    applied: bool
    matter: str | None
    case_reference: str | None
    acted_on: str
    reason: str | None
    submitted_by: str = Field(description="`key:ID` of the key that reported.")
    created_at: str


class OverdueMessage(schemas.Model):
    message_id: int
    department: str = Field(description="The department that owes feedback.")
    event: str = Field(description="entry.listed or entry.changed")
    record_id: int
    subject: str
    list_type: str | None
    sent_at: str = Field(description="When the message was written (UTC).")
    due: str = Field(description="Last day for the feedback (a day in China).")
    due_estimated: bool = Field(
        description="The due day lies in a year the holiday calendar does not know: weekends "
        "only were counted (see `warning`)."
    )
    overdue: bool
    days_late: int = Field(description="Calendar days since the due day.")
    workdays_late: int = Field(description="Working days since the due day.")
    warning: str | None


@router.post(
    "/feedback",
    status_code=status.HTTP_201_CREATED,
    response_model=Feedback,
    responses=schemas.ERRORS,
    summary="Report enforcement feedback",
)
def submit(registry: Registry, caller: Caller, body: FeedbackIn) -> dict[str, Any]:
    """What the key's department did with a pushed entry (`message_id` or `record_id`) or a
    check (`audit_id`): the measure applied or not, in which matter, when, and why not. The
    measure must be one of the catalog's, on the entry's list type for an entry. A message
    sent to another department, or a check made by another one, is refused (403). Needs an
    `implementer` key; audited."""
    # A caller without a department (the public) is refused by the service, 401 before 422.
    department = body.department or caller.department or ""
    return feedback.submit(
        registry,
        feedback.FeedbackIn(
            department=department,
            measure=body.measure,
            applied=body.applied,
            matter=body.matter,
            message_id=body.message_id,
            record_id=body.record_id,
            audit_id=body.audit_id,
            case_reference=body.case_reference,
            acted_on=body.acted_on,
            reason=body.reason,
        ),
        by=caller,
    )


@router.get(
    "/feedback",
    response_model=Page[Feedback],
    responses=schemas.ERRORS,
    summary="Enforcement feedback",
)
def listed(
    registry: Registry,
    caller: Caller,
    paging: Paging,
    department: Annotated[
        str | None, Query(max_length=64, pattern=TEXT, description="Reporting department.")
    ] = None,
    record: Annotated[
        int | None, Query(ge=1, le=ROW_ID_MAX, description="The entry reported on.")
    ] = None,
    message: Annotated[
        int | None, Query(ge=1, le=ROW_ID_MAX, description="The message answered.")
    ] = None,
) -> dict[str, Any]:
    """Feedback, newest first. An `implementer` key sees its own department's; `supervisor`
    and `admin` keys see all. Audited."""
    rows = feedback.listed(
        registry,
        by=caller,
        limit=paging.limit + 1,
        offset=paging.offset,
        department=department,
        record_id=record,
        message_id=message,
    )
    return page_of(rows, paging)


@router.get(
    "/feedback/overdue",
    response_model=Page[OverdueMessage],
    responses=schemas.ERRORS,
    summary="Overdue enforcement feedback",
)
def overdue(
    registry: Registry,
    caller: Caller,
    paging: Paging,
    department: Annotated[
        str | None,
        Query(max_length=64, pattern=TEXT, description="The department that owes feedback."),
    ] = None,
) -> dict[str, Any]:
    """Messages announcing a listing or a change whose feedback is missing and past due
    (JOINTCREDIT_FEEDBACK_DUE: quarterly, or working days after the message), per department
    (ordered by department, then message), with the due day and how late. An `implementer` key
    sees its own department's; `supervisor` and `admin` keys see all. Audited."""
    rows = feedback.outstanding(
        registry,
        by=caller,
        limit=paging.limit + 1,
        offset=paging.offset,
        department=department,
    )
    return page_of(rows, paging)
