"""What every signed-in page shares: the console's session cookie, the CSRF check of its forms,
the sign-in redirect, and rendering a console page with who is signed in.

A session's token travels only in an ``HttpOnly``, ``SameSite=Strict`` cookie (``Secure`` when
the request came over HTTPS); every form that changes something carries the session's CSRF
token, and a request whose ``Origin`` names another site is refused before its form is read.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from jointcredit.access import allowed
from jointcredit.errors import PermissionDeniedError
from jointcredit.security import tokens
from jointcredit.services import staff
from jointcredit.services.staff import StaffSession
from jointcredit.web.render import catalog_name, language, render

STAFF_COOKIE = "jc_console"
#: The sign-in form's own token (double submit): no session exists yet to carry one.
PRE_COOKIE = "jc_pre"
CSRF_FIELD = "csrf"
CONSOLE = "/console"
_UNSET = object()

#: The console's sections in menu order: (path, the action whose permission shows it, the
#: string key of its name; ``<key>_text`` describes it on the start page).
SECTIONS = (
    ("/console/submit", "submit", "console.nav.submit"),
    ("/console/review", "read-proposals", "console.nav.review"),
    ("/console/pushed", "read-feed", "console.nav.pushed"),
    ("/console/objections", "read-objections", "console.nav.objections"),
    ("/console/repairs", "read-repairs", "console.nav.repairs"),
    ("/console/reports", "read-reports", "console.nav.reports"),
    ("/console/openings", "read-openings", "console.nav.openings"),
    ("/console/dashboard", "statistics", "console.nav.dashboard"),
)


def department_label(lang: str) -> Any:
    """``label(code)``: a department's name from the catalog in ``lang`` (its code if unknown)."""
    return catalog_name(lang, "departments")


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def secure(request: Request) -> bool:
    """Cookies are ``Secure`` whenever the page came over HTTPS (behind a proxy: uvicorn's
    ``--proxy-headers`` makes the scheme the client's)."""
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, path: str) -> None:
    response.set_cookie(
        name, value, path=path, httponly=True, samesite="strict", secure=secure(request)
    )


def clear_cookie(response: Response, request: Request, name: str, path: str) -> None:
    response.delete_cookie(
        name, path=path, httponly=True, samesite="strict", secure=secure(request)
    )


def redirect(location: str) -> RedirectResponse:
    """After a form: see the result with a GET (a reload does not post twice)."""
    return RedirectResponse(location, status_code=303)


def safe_next(value: str | None, default: str = CONSOLE) -> str:
    """A return address inside ``default``'s area of this site, never another site's."""
    if not value or not value.startswith(default) or value.startswith("//"):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def staff_session(request: Request) -> StaffSession | None:
    """The signed-in staff member of this request, or None (looked up once per request)."""
    found: StaffSession | object | None = getattr(request.state, "staff_session", _UNSET)
    if found is _UNSET:
        found = staff.session_of(engine_of(request), request.cookies.get(STAFF_COOKIE))
        request.state.staff_session = found
    return found  # type: ignore[return-value]


def require_staff(request: Request, action: str | None = None) -> StaffSession:
    """The signed-in staff member; without one, a redirect to the sign-in page that comes back
    here. With ``action``, a member whose role may not take it gets 403."""
    session = staff_session(request)
    if session is None:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise StarletteHTTPException(
            303, headers={"Location": f"{CONSOLE}/sign-in?next={quote(back, safe='/')}"}
        )
    if action is not None and not allowed(session.principal, action):
        raise PermissionDeniedError(f"the role {session.role} may not {action}")
    return session


def same_origin(request: Request) -> bool:
    """A browser names the page a form came from in ``Origin``; it must be this site."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc == host


class FormSession(Protocol):
    """A signed-in session whose forms carry its token: the console's or self-service's."""

    @property
    def csrf_token(self) -> str: ...


def check_form(request: Request, session: FormSession, form: Mapping[str, Any]) -> None:
    """Refuse a changing request that does not come from this session's own form."""
    token = form.get(CSRF_FIELD)
    submitted = token if isinstance(token, str) else None
    if not same_origin(request) or not tokens.matches(session.csrf_token, submitted):
        raise PermissionDeniedError(
            "this form is not from your current session (it may have expired): reload the page "
            "and try again"
        )


def pre_token(request: Request, cookie: str = PRE_COOKIE) -> str:
    """The sign-in form's token: the one its ``cookie`` holds, else a new one."""
    return request.cookies.get(cookie) or secrets.token_urlsafe(24)


def pre_token_ok(request: Request, submitted: str | None, cookie: str = PRE_COOKIE) -> bool:
    return tokens.matches(request.cookies.get(cookie), submitted)


def console_page(
    request: Request,
    session: StaffSession,
    template: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
) -> HTMLResponse:
    """A console page: the template gets ``me`` (the session), ``csrf`` (the token its forms
    carry), ``may(action)`` and ``notice`` (a message key passed as ``?done=``)."""
    principal = session.principal
    lang = language(request)
    response = render(
        request,
        template,
        {
            "me": session,
            "csrf": session.csrf_token,
            "csrf_field": CSRF_FIELD,
            "may": lambda action: allowed(principal, action),
            "notice": request.query_params.get("done"),
            "sections_menu": SECTIONS,
            "department_label": department_label(lang),
            **context,
        },
        status=status,
        lang=lang,
    )
    # A signed-in page is this person's alone: never kept by a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


__all__ = [
    "CONSOLE",
    "CSRF_FIELD",
    "PRE_COOKIE",
    "SECTIONS",
    "STAFF_COOKIE",
    "FormSession",
    "check_form",
    "clear_cookie",
    "console_page",
    "department_label",
    "engine_of",
    "pre_token",
    "pre_token_ok",
    "redirect",
    "require_staff",
    "safe_next",
    "same_origin",
    "secure",
    "set_cookie",
    "staff_session",
]
