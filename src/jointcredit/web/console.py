"""The department console's frame: sign-in, sign-out and the start page at ``/console``.

Its sections live in their own modules (submissions, review, pushed entries and feedback,
objections and repairs, the supervisors' dashboard); each page asks :func:`require_staff`
for the signed-in member and acts through the same services as the API, as that member.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from jointcredit.access import allowed
from jointcredit.errors import AuthenticationError
from jointcredit.services import staff
from jointcredit.web.render import render
from jointcredit.web.session import (
    CONSOLE,
    PRE_COOKIE,
    SECTIONS,
    STAFF_COOKIE,
    check_form,
    clear_cookie,
    console_page,
    engine_of,
    pre_token,
    pre_token_ok,
    redirect,
    require_staff,
    safe_next,
    same_origin,
    set_cookie,
    staff_session,
)

router = APIRouter(include_in_schema=False)


def _sign_in_page(
    request: Request, *, next_: str, username: str = "", failed: str | None = None
) -> Response:
    token = pre_token(request)
    response = render(
        request,
        "console/sign_in.html",
        {"next": next_, "username": username, "failed": failed, "pre": token},
        status=401 if failed else 200,
    )
    response.headers["Cache-Control"] = "no-store"
    if request.cookies.get(PRE_COOKIE) != token:
        set_cookie(response, request, PRE_COOKIE, token, CONSOLE)
    return response


@router.get("/console/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    if staff_session(request) is not None:
        return redirect(safe_next(next))
    return _sign_in_page(request, next_=safe_next(next))


@router.post("/console/sign-in")
def sign_in(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    pre: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = CONSOLE,
) -> Response:
    target = safe_next(next)
    if not same_origin(request) or not pre_token_ok(request, pre):
        return _sign_in_page(request, next_=target, username=username, failed="console.expired")
    try:
        signed = staff.sign_in(
            engine_of(request),
            username,
            password,
            user_agent=request.headers.get("user-agent"),
            # Wrong passwords lock the account for this address only (docs/staff.md).
            address=request.client.host if request.client else None,
        )
    except AuthenticationError:
        return _sign_in_page(request, next_=target, username=username, failed="console.failed")
    response = redirect(target)
    set_cookie(response, request, STAFF_COOKIE, signed.token, CONSOLE)
    clear_cookie(response, request, PRE_COOKIE, CONSOLE)
    return response


@router.post("/console/sign-out")
async def sign_out(request: Request) -> Response:
    form = await request.form()
    session = await run_in_threadpool(staff_session, request)
    response = redirect(f"{CONSOLE}/sign-in?done=console.signed_out")
    if session is not None:
        check_form(request, session, form)
        await run_in_threadpool(staff.sign_out, engine_of(request), session)
    clear_cookie(response, request, STAFF_COOKIE, CONSOLE)
    return response


@router.get("/console")
def home(request: Request) -> Response:
    session = require_staff(request)
    sections = [(path, key) for path, action, key in SECTIONS if allowed(session.principal, action)]
    return console_page(request, session, "console/home.html", {"sections": sections})


__all__ = ["router"]
