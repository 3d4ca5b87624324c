"""Confidential reports (举报, 33号 §13): anyone reports, a reviewer of the competent
department reads them and, audited, opens the reporter's identity.

No answer of this router but ``GET /reports/{id}/reporter`` carries reporter data, and that one
only with the department's passphrase (header ``X-Department-Passphrase``); a request
that fails validation is answered with where and why, never with the values sent (see
``api/errors.py``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, status
from pydantic import AfterValidator, Field, StringConstraints

from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Paging, Registry
from jointcredit.api.pages import Page, page_of
from jointcredit.errors import IntegrityFailure
from jointcredit.services import tipoffs

router = APIRouter(tags=["reports"])

#: Row ids are 64-bit; a larger number cannot name a row (and would overflow the driver).
ROW_ID_MAX = 2**63 - 1


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold U+0000; refused here instead of failing in the driver.
    if "\x00" in value:
        raise ValueError("must not contain U+0000")
    return value


_Clean = AfterValidator(_no_nul)
Code = Annotated[str, StringConstraints(min_length=1, max_length=64), _Clean]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), _Clean]
OptionalName = Annotated[str, StringConstraints(max_length=200), _Clean]
Short = Annotated[str, StringConstraints(max_length=64), _Clean]
Description = Annotated[str, StringConstraints(min_length=1, max_length=20_000), _Clean]


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
    description: Description = Field(description="What happened, when and where.")
    reporter: ReporterIn


class Report(schemas.Model):
    """A report as it is shown: never with the reporter."""

    id: int
    department: str
    subject: str
    subject_name: str | None
    category: str | None
    description: str
    status: str = Field(description="received, in-review or closed")
    received_at: str


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


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in Report.model_fields}


@router.post(
    "/reports",
    status_code=status.HTTP_201_CREATED,
    response_model=Report,
    responses=schemas.ERRORS,
    summary="Report a suspected grave trust-breaking act",
)
def submit(registry: Registry, caller: Caller, body: ReportIn) -> dict[str, Any]:
    """Anyone may report an organisation to the competent department; no key is needed. The
    reporter's identity and contact are encrypted at once and shown only to a `reviewer` of
    that department; the answer does not repeat them."""
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
    return _shown(row)


@router.get(
    "/reports",
    response_model=Page[Report],
    responses=schemas.ERRORS,
    summary="Reports to the key's department",
)
def listed(registry: Registry, caller: Caller, paging: Paging) -> dict[str, Any]:
    """The reports to the key's department, newest first, without the reporters. Needs a
    `reviewer` key; the read is audited."""
    rows = tipoffs.listed(
        registry,
        by=caller,
        department=caller.department or "",
        limit=paging.limit + 1,
        offset=paging.offset,
    )
    return page_of([_shown(r) for r in rows], paging)


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
    report_id: Annotated[int, Path(ge=1, le=ROW_ID_MAX)],
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
