"""Confidential reports (举报, 33号 §13): anyone reports, the competent department handles the
report as a case (received → assigned → under investigation → closed) and a reviewer of it,
audited, opens the reporter's identity; the reporter follows the outcome with the receipt code.

No answer of this router but ``GET /reports/{id}/reporter`` carries reporter data, and that one
only with the department's passphrase (header ``X-Department-Passphrase``); a request
that fails validation is answered with where and why, never with the values sent (see
``api/errors.py``). The receipt code is in the answer to the report alone.

The list, one report with its history and the notes are every case kind's routes
(:func:`jointcredit.api.cases.case_router`); the steps and what concerns the reporter are this
kind's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, status
from pydantic import Field, StringConstraints

from jointcredit.api import cases, schemas
from jointcredit.api.cases import Clean, one_of
from jointcredit.api.deps import Caller, Paging, Registry
from jointcredit.api.pages import Page, page_of
from jointcredit.choices.cases import TIPOFF_OUTCOMES, TIPOFF_STATUSES
from jointcredit.errors import IntegrityFailure
from jointcredit.services import tipoffs

router = APIRouter(tags=["reports"])

ReportId = Annotated[int, cases.case_path("report", "report")]
ReportOutcome = TIPOFF_OUTCOMES.enum("ReportOutcome")
Code = Annotated[str, StringConstraints(min_length=1, max_length=64), Clean]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), Clean]
OptionalName = Annotated[str, StringConstraints(max_length=200), Clean]
Short = Annotated[str, StringConstraints(max_length=64), Clean]


class ReporterIn(schemas.Model):
    name: Name = Field(description="The reporter's name (sealed at once).")
    contact: Name = Field(
        description="How the department reaches the reporter: phone, e-mail, address."
    )
    id_number: Short | None = Field(
        default=None, description="The reporter's identity document number, if given."
    )


class ReportIn(schemas.Model):
    department: Code = Field(description="The competent department (catalog code).")
    subject: Code = Field(description="USCC of the organisation reported.")
    subject_name: OptionalName | None = None
    category: Short | None = Field(
        default=None, description="Kind of act, in the reporter's words or a department's code."
    )
    description: cases.Text = Field(description="What happened, when and where.")
    reporter: ReporterIn


class Report(cases.Deadline):
    """A report as it is shown: never with the reporter."""

    id: int
    department: str
    subject: str
    subject_name: str | None
    category: str | None
    description: str
    status: str = Field(description=one_of(TIPOFF_STATUSES))
    handler: str | None = Field(description="The department's staff member who handles it.")
    outcome: str | None = Field(description=f"Once closed: {one_of(TIPOFF_OUTCOMES)}.")
    referred_to: str | None = Field(
        description="Closed as referred: the department (catalog code) it went to."
    )
    received_at: str
    closed_at: str | None
    updated_at: str


class ReportReceipt(Report):
    """The answer to a report: the report and, this once, its receipt code."""

    receipt: str = Field(
        description="The reporter's receipt code: `POST /reports/follow` shows where the "
        "report stands with it and nothing else. Shown this once; only its digest is kept."
    )


class AssignIn(schemas.Model):
    handler: Name = Field(
        description="The staff member who handles it (a console username of the department, "
        "where it has console accounts)."
    )
    note: cases.OptionalText | None = None


class StepNoteIn(schemas.Model):
    note: cases.OptionalText | None = None


class CloseIn(schemas.Model):
    outcome: ReportOutcome = Field(  # type: ignore[valid-type]
        description=f"{one_of(TIPOFF_OUTCOMES)}; referred: to the department competent for "
        "it, named in `referred_to`."
    )
    note: cases.Text = Field(description="How the report was handled and why it is closed.")
    referred_to: Code | None = Field(
        default=None, description="Closed as referred: the department (catalog code) it goes to."
    )


class FollowIn(schemas.Model):
    receipt: Code = Field(
        description="The receipt code the report was answered with (dashes and case do not matter)."
    )


class Label(schemas.Model):
    zh: str
    en: str


class FollowUp(schemas.Model):
    """Where a report stands, as its reporter sees it: nothing of its content or handler."""

    received_at: str
    status: str = Field(description=one_of(TIPOFF_STATUSES))
    status_label: Label
    outcome: str | None
    outcome_label: Label | None
    referred_to: str | None
    due: str = Field(description="The last day of the department's time limit.")
    closed_at: str | None


class Reporter(schemas.Model):
    name: str | None
    contact: str | None
    id_number: str | None


class ReporterOut(schemas.Model):
    report: int
    reporter: Reporter


def _utf8(header: str) -> str:
    """A header's text as the client wrote it: HTTP hands header bytes over as Latin-1, while a
    passphrase (made from a UTF-8 file) may hold any character; clients send it as UTF-8."""
    try:
        return header.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return header


@router.post(
    "/reports",
    status_code=status.HTTP_201_CREATED,
    response_model=ReportReceipt,
    responses=schemas.ERRORS,
    summary="Report a suspected grave trust-breaking act",
)
def submit(registry: Registry, caller: Caller, body: ReportIn) -> dict[str, Any]:
    """Anyone may report an organisation to the competent department; no key is needed. The
    reporter's identity and contact are encrypted at once and shown only to a `reviewer` of
    that department; the answer does not repeat them. It holds the report's `receipt` code,
    with which the reporter follows the report (`POST /reports/follow`)."""
    row = tipoffs.submit(
        registry,
        by=caller,
        department=body.department,
        subject=body.subject,
        subject_name=body.subject_name,
        category=body.category,
        description=body.description,
        reporter=tipoffs.Reporter(
            body.reporter.name, body.reporter.contact, body.reporter.id_number
        ),
    )
    return row


class Opening(schemas.Model):
    """One opening of a reporter, or one refused attempt, as the audit log recorded it."""

    audit_id: int = Field(description="The audit row's id.")
    at: str
    action: str = Field(description="`read-reporter` (opened) or `read-reporter-refused`.")
    opened: bool
    report: int | None
    key_id: int | None = Field(description="The API key that asked (none from the console).")
    role: str | None
    by: str | None = Field(description="The console user who asked, if not a key.")
    why: str | None = Field(
        description="Why it was refused: `no-passphrase`, `wrong-passphrase`, `no-department-key`."
    )


@router.get(
    "/reports/openings",
    response_model=Page[Opening],
    responses=schemas.ERRORS,
    summary="Openings of the department's reporters",
)
def openings(registry: Registry, caller: Caller, paging: Paging) -> dict[str, Any]:
    """Every opening of a reporter of the key's department, and every refused attempt (no or a
    wrong passphrase), newest first, from the audit log. Needs a `supervisor` key of the
    department. Never holds a reporter or a passphrase."""
    rows = tipoffs.openings(
        registry,
        by=caller,
        department=caller.department or "",
        limit=paging.limit + 1,
        offset=paging.offset,
    )
    return page_of(rows, paging)


@router.get(
    "/reports/{report_id}/reporter",
    response_model=ReporterOut,
    responses=schemas.ERRORS
    | {
        409: {
            "model": schemas.ErrorBody,
            "description": "The report is not sealed to the department's own key yet",
        },
        500: {"model": schemas.ErrorBody, "description": "The sealed data does not open"},
    },
    summary="Open a report's reporter",
)
def reporter(
    registry: Registry,
    caller: Caller,
    report_id: ReportId,
    passphrase: Annotated[
        str | None,
        Header(
            alias=tipoffs.PASSPHRASE_HEADER,
            max_length=1024,
            description="The department's passphrase, which unlocks its reporter key for "
            "this one opening; never stored, logged or audited.",
        ),
    ] = None,
) -> dict[str, Any]:
    """The reporter's identity and contact, for a `reviewer` of the report's department who
    sends the department's passphrase in `X-Department-Passphrase`. Every opening is recorded
    in the audit log (action `read-reporter`), every refused attempt too
    (`read-reporter-refused`); the department's supervisors list them at
    `GET /reports/openings`.

    No or a wrong passphrase: 403 with code `passphrase-refused`. A report still sealed under
    the platform key (the department has not created its key pair): 409 `conflict`, for
    nobody opens those. Sealed data that does not open (altered, copied from another report)
    is never shown in part: 500 with code `integrity`, naming the report."""
    try:
        return tipoffs.reporter(
            registry, report_id, by=caller, passphrase=_utf8(passphrase) if passphrase else None
        )
    except IntegrityFailure as exc:
        raise IntegrityFailure(
            f"report {report_id}: the sealed reporter data does not open with the department's "
            "key and this report's context: it was altered, copied from another report, or "
            "sealed under another key"
        ) from exc


@router.post(
    "/reports/follow",
    response_model=FollowUp,
    responses=schemas.ERRORS,
    summary="Follow a report with its receipt code",
)
def follow(registry: Registry, body: FollowIn) -> dict[str, Any]:
    """Where the report stands and how it ended, for whoever holds its receipt code; no key is
    needed. Nothing of the report's content, its handler or its reporter; 404 for a code that
    names no report. Throttled per address as reporting is."""
    return tipoffs.follow(registry, body.receipt)


# After /reports/openings and /reports/follow: /reports/{report_id} would take their names.
router.include_router(
    cases.case_router(
        tipoffs.QUEUE,
        path="reports",
        item="report",
        model=Report,
        status_enum=TIPOFF_STATUSES.enum("ReportStatus"),
        words=cases.Words(
            what="report",
            list_summary="Reports to the key's department",
            list_doc="The reports to the key's department, newest first, without the "
            "reporters. Needs a `reviewer` key; the read is audited.",
            show_summary="A report with its history",
            show_doc="One report of the key's department and every step it went through, "
            "without the reporter. Needs a `reviewer` key; the read is audited.",
            overdue="Only open reports past their due day, most overdue first.",
        ),
    )
)


@router.post(
    "/reports/{report_id}/assign",
    response_model=Report,
    responses=schemas.ERRORS | cases.CONFLICT,
    summary="Assign a report to a staff member",
)
def assign(
    registry: Registry, caller: Caller, report_id: ReportId, body: AssignIn
) -> dict[str, Any]:
    """A `reviewer` of the report's department gives it to one of the department's staff
    (again, to someone else, until it is under investigation)."""
    return tipoffs.assign(registry, report_id, handler=body.handler, note=body.note, by=caller)


@router.post(
    "/reports/{report_id}/investigate",
    response_model=Report,
    responses=schemas.ERRORS | cases.CONFLICT,
    summary="Start investigating a report",
)
def investigate(
    registry: Registry, caller: Caller, report_id: ReportId, body: StepNoteIn | None = None
) -> dict[str, Any]:
    """An assigned report is under investigation (调查核实), by a `reviewer` of its
    department."""
    return tipoffs.investigate(registry, report_id, note=body.note if body else None, by=caller)


@router.post(
    "/reports/{report_id}/close",
    response_model=Report,
    responses=schemas.ERRORS | cases.CONFLICT,
    summary="Close a report",
)
def close(registry: Registry, caller: Caller, report_id: ReportId, body: CloseIn) -> dict[str, Any]:
    """Close a report from any open status, by a `reviewer` of its department: substantiated,
    unsubstantiated, or referred to the department competent for it (`referred_to`, a catalog
    code, then required). The note says why; the reporter sees the outcome with the receipt
    code."""
    return tipoffs.close(
        registry,
        report_id,
        outcome=str(body.outcome),
        note=body.note,
        referred_to=body.referred_to,
        by=caller,
    )
