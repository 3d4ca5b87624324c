"""Initiation and review of list entries (docs/review.md): an `initiator` proposes a new entry,
a change or an early end; a `reviewer` of the same department who did not write it approves or
returns it. Only an approved proposal takes effect. A step the proposal's status does not allow,
or a review by its own author, is refused with 409 (`illegal-transition`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import AfterValidator, Field, StringConstraints

from jointcredit.api import cases, schemas
from jointcredit.api.deps import Caller, Paging, Registry
from jointcredit.api.pages import Page, page_of
from jointcredit.choices.cases import PROPOSAL_ACTIONS, PROPOSAL_STATUSES
from jointcredit.services import proposals

router = APIRouter(tags=["proposals"])

ROW_ID_MAX = 2**63 - 1
ProposalId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The proposal's id.")]
ProposalStatus = PROPOSAL_STATUSES.enum("ProposalStatus")
ProposalAction = PROPOSAL_ACTIONS.enum("ProposalAction")

#: 409 joins the common errors: every step may meet a proposal in the wrong status.
STEP_ERRORS: dict[int | str, dict[str, Any]] = schemas.ERRORS | {
    409: {
        "model": schemas.ErrorBody,
        "description": "The step is not allowed now (`illegal-transition`: the status, or four "
        "eyes), or the registry already holds what is proposed (`conflict`)",
    }
}


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold U+0000; refused here instead of failing in the driver.
    if "\x00" in value:
        raise ValueError("must not contain U+0000")
    return value


_Clean = AfterValidator(_no_nul)
Document = Annotated[str, StringConstraints(max_length=200), _Clean]
Text = Annotated[str, StringConstraints(max_length=20_000), _Clean]
Note = Annotated[str, StringConstraints(min_length=1, max_length=20_000), _Clean]


class ListPersonIn(schemas.Model):
    role: str | None = Field(
        default=None,
        description="legal-representative, principal-responsible-person, "
        "directly-responsible-person or actual-controller",
    )
    name: str | None = None
    id_number: str | None = None


class ListSubjectIn(schemas.Model):
    name: str | None = None
    kind: str | None = Field(
        default=None,
        description="legal-person, other-organization, individual-business or natural-person",
    )
    uscc: str | None = Field(default=None, description="An organisation's USCC.")
    id_number: str | None = Field(default=None, description="A person's resident identity number.")


class ListEntryIn(schemas.Model):
    """A red- or black-list entry as in docs/list-entries.md."""

    list_type: str | None = Field(default=None, description="List type (catalog code).")
    subject: ListSubjectIn | None = None
    persons: list[ListPersonIn] | None = Field(
        default=None, description="Persons reached through the organisation."
    )
    document_number: str | None = None
    decided_on: str | None = Field(default=None, description="Date of the listing decision.")
    department: str | None = Field(
        default=None, description="Listing department (catalog code); default: the key's."
    )
    legal_basis: str | None = None
    valid_from: str | None = Field(default=None, description="Default: decided_on.")
    valid_until: str | None = Field(
        default=None, description="Last day in effect; default: the list type's period."
    )


class ChangesIn(schemas.Model):
    """The fields of the entry to change; those left out keep their value. `valid_until`
    sent as null: the list type's default period again."""

    document_number: str | None = None
    decided_on: str | None = None
    legal_basis: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    persons: list[ListPersonIn] | None = None


class ProposalIn(schemas.Model):
    action: ProposalAction = Field(  # type: ignore[valid-type]
        description="create: a new entry (`entry`); change: new values of some fields of the "
        "entry `record_id` (`changes`); end: its early end (`ends_on`, `reason`)."
    )
    entry: ListEntryIn | None = Field(default=None, description="create: the entry.")
    record_id: int | None = Field(
        default=None, ge=1, le=ROW_ID_MAX, description="change, end: the entry's record id."
    )
    changes: ChangesIn | None = Field(default=None, description="change: the new values.")
    ends_on: dt.date | None = Field(
        default=None, description="end: the day the entry ends (default: today in China)."
    )
    grounds_ended_on: dt.date | None = Field(
        default=None,
        description="end: the day the grounds of the listing ended (a court defaulter who "
        "paid): the entry must be removed within JOINTCREDIT_COURT_REMOVAL_DAYS working days.",
    )
    reason: Text | None = Field(default=None, description="Why; required for an end.")
    document_number: Document | None = Field(
        default=None,
        description="The document that initiates the proposal; required for change and end "
        "(create: the entry's).",
    )
    legal_basis: Text | None = Field(
        default=None,
        description="Its legal basis; required for change and end (create: the entry's).",
    )


class ResubmitIn(schemas.Model):
    """Content to replace the proposal's (all optional: left out, it goes back as it was)."""

    entry: ListEntryIn | None = None
    changes: ChangesIn | None = None
    ends_on: dt.date | None = None
    grounds_ended_on: dt.date | None = None
    reason: Text | None = None
    document_number: Document | None = None
    legal_basis: Text | None = None
    note: Text | None = Field(default=None, description="What was reworked.")


class NoteIn(schemas.Model):
    note: Text | None = Field(default=None, description="Why (recorded in the history).")


class ReturnIn(schemas.Model):
    note: Note = Field(description="Why it is returned: what the initiator must rework.")


class Proposal(schemas.Model):
    id: int
    department: str = Field(description="The initiating department (catalog code).")
    action: str = Field(description="create, change or end")
    record_id: int | None = Field(
        description="The entry changed or ended; for create, the entry made on approval."
    )
    list_type: str | None
    subject: str | None = Field(description="Identifier of the listed subject.")
    payload: dict[str, Any] = Field(
        description="create: the entry; change: `changes`; end: `ends_on`, `grounds_ended_on`."
    )
    document_number: str
    legal_basis: str
    reason: str | None
    status: str = Field(description="submitted, approved, returned or withdrawn")
    submitted_by: str
    reviewed_by: str | None
    reviewed_at: str | None
    note: str | None = Field(description="The last reviewer's note.")
    due: str = Field(description="Last day of the review (Chinese working days).")
    due_estimated: bool = Field(
        description="The due day lies beyond the holiday calendar's known years: weekends "
        "only were counted."
    )
    due_warning: str | None = Field(description="Says so, when `due_estimated`.")
    overdue: bool
    next_actions: list[str] = Field(description="Steps the status allows now.")
    created_at: str
    updated_at: str


class Step(schemas.Model):
    action: str
    from_status: str | None
    to_status: str
    actor: str = Field(description="Who: `key:ID`, or `operator:NAME`.")
    department: str | None
    role: str | None
    note: str | None
    at: str


class ProposalDetail(Proposal):
    history: list[Step] = Field(description="Every step, oldest first.")
    attachments: list[cases.Attachment] = Field(
        default_factory=list, description="Its documents, oldest first."
    )


class Approved(Proposal):
    messages: int = Field(description="Push messages written for the departments concerned.")


def _request(body: ProposalIn | ResubmitIn, action: str) -> proposals.Request:
    entry = body.entry.model_dump(exclude_none=True) if body.entry is not None else None
    changes = body.changes.model_dump(exclude_unset=True) if body.changes is not None else None
    if changes is not None and changes.get("persons") is not None:
        changes["persons"] = [
            {k: v for k, v in p.items() if v is not None} for p in changes["persons"]
        ]
    return proposals.Request(
        action=action,
        entry=entry,
        record_id=getattr(body, "record_id", None),
        changes=changes,
        ends_on=body.ends_on,
        grounds_ended_on=body.grounds_ended_on,
        reason=body.reason,
        document_number=body.document_number,
        legal_basis=body.legal_basis,
    )


@router.post(
    "/proposals",
    status_code=status.HTTP_201_CREATED,
    response_model=Proposal,
    responses=STEP_ERRORS,
    summary="Propose a list entry, a change or an early end",
)
def submit(registry: Registry, caller: Caller, body: ProposalIn) -> dict[str, Any]:
    """A new entry, a change of an active or disputed entry, or its early end, for review by a
    second person of the department. Validated at once: 422 with every field's problem. 403
    for another department's entry; 409 when the registry or an open proposal already holds
    it. Needs an `initiator` key; audited (`propose`)."""
    return proposals.submit(registry, _request(body, str(body.action)), by=caller)


@router.get(
    "/proposals",
    response_model=Page[Proposal],
    responses=schemas.ERRORS,
    summary="Proposals",
)
def listed(
    registry: Registry,
    caller: Caller,
    paging: Paging,
    status_: Annotated[
        ProposalStatus | None,  # type: ignore[valid-type]
        Query(alias="status", description="Only proposals in this status."),
    ] = None,
    overdue: Annotated[
        bool, Query(description="Only submitted proposals past their review due day.")
    ] = False,
    department: Annotated[
        str | None,
        Query(max_length=64, description="Supervisors and admins: one department's only."),
    ] = None,
) -> dict[str, Any]:
    """Newest first: the key's department's for `initiator` and `reviewer` keys, every
    department's for `supervisor` and `admin` keys. Audited (`read-proposals`)."""
    rows = proposals.listed(
        registry,
        by=caller,
        department=department,
        status=str(status_) if status_ is not None else None,
        overdue=overdue,
        limit=paging.limit + 1,
        offset=paging.offset,
    )
    return page_of(rows, paging)


@router.get(
    "/proposals/{proposal_id}",
    response_model=ProposalDetail,
    responses=schemas.ERRORS,
    summary="A proposal with its history",
)
def shown(registry: Registry, caller: Caller, proposal_id: ProposalId) -> dict[str, Any]:
    """The proposal and every step taken on it (who, when, why). Another department's
    proposal is 404 for `initiator` and `reviewer` keys. Audited (`read-proposal`)."""
    return proposals.get(registry, proposal_id, by=caller)


@router.post(
    "/proposals/{proposal_id}/approve",
    response_model=Approved,
    responses=STEP_ERRORS,
    summary="Approve a proposal",
)
def approve(
    registry: Registry, caller: Caller, proposal_id: ProposalId, body: NoteIn | None = None
) -> dict[str, Any]:
    """The proposal takes effect: the entry is written, changed or ended, and every
    department concerned is sent a message, in one transaction. Needs a `reviewer` key of the
    proposal's department that did not submit it (four eyes); audited (`approve-proposal`)."""
    return proposals.approve(
        registry, proposal_id, by=caller, note=body.note if body is not None else None
    )


@router.post(
    "/proposals/{proposal_id}/return",
    response_model=Proposal,
    responses=STEP_ERRORS,
    summary="Return a proposal for rework",
)
def return_(
    registry: Registry, caller: Caller, proposal_id: ProposalId, body: ReturnIn
) -> dict[str, Any]:
    """Back to the initiating department, with a note saying why (required). The same
    reviewer rule as approval; audited (`return-proposal`)."""
    return proposals.return_(registry, proposal_id, by=caller, note=body.note)


@router.post(
    "/proposals/{proposal_id}/resubmit",
    response_model=Proposal,
    responses=STEP_ERRORS,
    summary="Resubmit a returned proposal",
)
def resubmit(
    registry: Registry, caller: Caller, proposal_id: ProposalId, body: ResubmitIn | None = None
) -> dict[str, Any]:
    """A returned proposal goes to review again, with new content or as it was; the review
    time limit starts again. Needs an `initiator` key of the department; whoever resubmits
    may not review it. Audited (`resubmit-proposal`)."""
    content = None
    if body is not None and body.model_dump(exclude_unset=True, exclude={"note"}):
        content = _request(body, "")
    return proposals.resubmit(
        registry,
        proposal_id,
        content,
        by=caller,
        note=body.note if body is not None else None,
    )


@router.post(
    "/proposals/{proposal_id}/withdraw",
    response_model=Proposal,
    responses=STEP_ERRORS,
    summary="Withdraw a proposal",
)
def withdraw(
    registry: Registry, caller: Caller, proposal_id: ProposalId, body: NoteIn | None = None
) -> dict[str, Any]:
    """The initiating department takes back a submitted or returned proposal; nothing of it
    takes effect. Needs an `initiator` key of the department; audited (`withdraw-proposal`)."""
    return proposals.withdraw(
        registry, proposal_id, by=caller, note=body.note if body is not None else None
    )


# Notes and documents, as every kind of case has them; the proposals' own list and page above.
router.include_router(
    cases.case_router(
        proposals.QUEUE,
        path="proposals",
        item="proposal",
        model=Proposal,
        status_enum=ProposalStatus,
        words=cases.Words(
            what="proposal",
            list_summary="",
            list_doc="",
            show_summary="",
            show_doc="",
            overdue="",
        ),
        detail=ProposalDetail,
        pages=False,
    )
)
