"""The console's confidential reports: a reviewer lists the department's reports and opens a
reporter with the department's passphrase (``/console/reports``); a supervisor lists every
opening and refused attempt (``/console/openings``).

The passphrase travels in a form field (POST, with the session's CSRF token), is handed to the
same service as the API's ``X-Department-Passphrase`` header and is never put back into a page,
a URL or a log. The reporter is shown in the answer to that POST only: no URL shows it again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from jointcredit.errors import ConflictError, IntegrityFailure, PassphraseRefusedError
from jointcredit.services import tipoffs
from jointcredit.services.staff import StaffSession
from jointcredit.web.render import page_number, pages
from jointcredit.web.session import check_form, console_page, engine_of, require_staff

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20


def _list_page(
    request: Request,
    session: StaffSession,
    *,
    page: int = 1,
    problem: str | None = None,
    problem_report: int | None = None,
    status: int = 200,
) -> Response:
    rows = tipoffs.listed(
        engine_of(request),
        by=session.principal,
        department=session.department,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    return console_page(
        request,
        session,
        "console/reports.html",
        {
            "items": rows[:PAGE_SIZE],
            **pages(request, page, len(rows) > PAGE_SIZE),
            "problem": problem,
            "problem_report": problem_report,
        },
        status=status,
    )


@router.get("/console/reports")
def reports_page(request: Request, page: int = 1) -> Response:
    session = require_staff(request, "read-reports")
    return _list_page(request, session, page=page_number(page))


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
        return _list_page(
            request, session, problem="reports.refused", problem_report=report_id, status=403
        )
    except ConflictError:
        return _list_page(
            request, session, problem="reports.no_key", problem_report=report_id, status=409
        )
    except IntegrityFailure:
        return _list_page(
            request, session, problem="reports.broken", problem_report=report_id, status=500
        )
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


__all__ = ["router"]
