"""The console's reports (举报): a reviewer works the department's reports as cases
(``/console/reports``: the queue, and ``/console/reports/{id}`` with its history and the forms to
assign, investigate, close and note it — ``console_cases``'s pages for the kind's desk
:data:`REPORTS`) and opens a reporter with the department's passphrase; a supervisor lists every
opening and refused attempt (``/console/openings``).

The passphrase travels in a form field (POST, with the session's CSRF token), is handed to the
same service as the API's ``X-Department-Passphrase`` header and is never put back into a page,
a URL or a log. The reporter is shown in the answer to that POST only: no URL shows it again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from jointcredit.catalog import load_catalog
from jointcredit.choices.cases import CASE_STEPS, TIPOFF_OUTCOMES
from jointcredit.errors import (
    ConflictError,
    IntegrityFailure,
    PassphraseRefusedError,
)
from jointcredit.services import tipoffs
from jointcredit.services.staff import StaffSession
from jointcredit.web.console_cases import (
    Desk,
    Fact,
    Post,
    StepForm,
    case_routes,
    list_page,
)
from jointcredit.web.render import page_number, pages
from jointcredit.web.session import check_form, console_page, engine_of, require_staff

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
#: The report steps whose forms are read here (checked against the vocabulary at import).
ASSIGN, INVESTIGATE, CLOSE = CASE_STEPS.subset("assign", "investigate", "close")


def _colleagues(request: Request, session: StaffSession) -> list[dict[str, Any]]:
    """Whom the member's department may assign a report to (the service's rule)."""
    if session.department is None:
        return []
    return tipoffs.handlers(engine_of(request), by=session.principal)


def _departments(own: str | None) -> list[str]:
    """The catalog's departments a report may be referred to: every one but its own."""
    return [code for code in load_catalog().departments if code != own]


def _choices(request: Request, session: StaffSession) -> dict[str, Any]:
    department = session.department
    return {
        "colleagues": _colleagues(request, session),
        "departments": _departments(department),
    }


REPORTS = Desk(
    queue=tipoffs.QUEUE,
    path="/console/reports",
    one="reports",
    many="reports",
    facts=(
        Fact("subject", "reports.field.subject", "code", listed=True),
        Fact("category", "reports.field.category", listed=True, optional=True),
        Fact("received_at", "reports.field.received", "date", listed=True),
        Fact("handler", "queues.field.handler", "actor", listed=True, optional=True),
        Fact("due", "queues.field.due", "due", listed=True),
        Fact("outcome", "queues.field.close_outcome", "outcome", optional=True),
        Fact("referred_to", "queues.field.referred_to", "department", optional=True),
        Fact("closed_at", "queues.report.closed_at", "date", optional=True),
        Fact("description", "reports.field.description", wide=True, listed=True),
    ),
    forms=(
        StepForm(
            "console/case_forms/report_assign.html",
            (ASSIGN,),
            Post(
                ASSIGN,
                lambda engine, case_id, form, by: tipoffs.assign(
                    engine, case_id, handler=form["handler"], note=form["note"], by=by
                ),
                done="queues.report.assigned",
                fields={"handler": 200},
                error_at="assign_note",
                check=lambda form, t: (
                    {} if form["handler"].strip() else {"handler": t("queues.report.error.handler")}
                ),
            ),
        ),
        StepForm(
            "console/case_forms/report_investigate.html",
            (INVESTIGATE,),
            Post(
                INVESTIGATE,
                lambda engine, case_id, form, by: tipoffs.investigate(
                    engine, case_id, note=form["note"], by=by
                ),
                done="queues.report.investigating",
                error_at="investigate_note",
            ),
        ),
        # Whether the outcome needs a department is the service's to say (its refusal goes
        # beside the field it names).
        StepForm(
            "console/case_forms/report_close.html",
            (CLOSE,),
            Post(
                CLOSE,
                lambda engine, case_id, form, by: tipoffs.close(
                    engine,
                    case_id,
                    outcome=form["outcome"],
                    note=form["note"],
                    referred_to=form["referred_to"] or None,
                    by=by,
                ),
                done="queues.report.closed",
                fields={"outcome": 40, "referred_to": 40},
                error_at="close_note",
                required="queues.report.error.close_note",
                check=lambda form, t: (
                    {}
                    if form["outcome"] in TIPOFF_OUTCOMES
                    else {"close_outcome": t("queues.report.error.outcome")}
                ),
            ),
            TIPOFF_OUTCOMES.values,
        ),
    ),
    listed=tipoffs.listed,
    shown=tipoffs.shown,
    note=tipoffs.note,
    outcomes=TIPOFF_OUTCOMES,
    blank={
        "handler": "",
        "assign_note": "",
        "investigate_note": "",
        "outcome": "",
        "referred_to": "",
        "close_note": "",
    },
    row_after="console/case_forms/report_reporter.html",
    case_after="console/case_forms/report_reporter.html",
    list_after="console/case_forms/report_hint.html",
    fields={"handler": "handler", "outcome": "close_outcome", "referred_to": "referred_to"},
    extra=_choices,
)


def _refused(
    request: Request, session: StaffSession, problem: str, report_id: int, status: int
) -> Response:
    """The queue again, with why the reporter of ``report_id`` was not opened."""
    return list_page(
        REPORTS,
        request,
        session,
        context={"problem": problem, "problem_report": report_id},
        status=status,
    )


case_routes(router, REPORTS, "report_id")


@router.post("/console/reports/{report_id}/reporter")
def open_reporter(
    request: Request,
    report_id: int,
    csrf: Annotated[str, Form(max_length=200)] = "",
    passphrase: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    session = require_staff(request, "read-reporter")
    check_form(request, session, {"csrf": csrf})
    try:
        opened: dict[str, Any] = tipoffs.reporter(
            engine_of(request), report_id, by=session.principal, passphrase=passphrase or None
        )
    except PassphraseRefusedError:
        return _refused(request, session, "reports.refused", report_id, 403)
    except ConflictError:
        return _refused(request, session, "reports.no_key", report_id, 409)
    except IntegrityFailure:
        return _refused(request, session, "reports.broken", report_id, 500)
    return console_page(
        request,
        session,
        "console/reporter.html",
        {"report_id": report_id, "reporter": opened["reporter"]},
    )


@router.get("/console/openings")
def openings_page(request: Request, page: int = 1) -> Response:
    session = require_staff(request, "read-openings")
    page = page_number(page)
    rows = tipoffs.openings(
        engine_of(request),
        by=session.principal,
        department=session.department,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    return console_page(
        request,
        session,
        "console/openings.html",
        {
            "items": rows[:PAGE_SIZE],
            **pages(request, page, len(rows) > PAGE_SIZE),
        },
    )


__all__ = ["REPORTS", "router"]
