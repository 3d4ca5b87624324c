"""The public inquiry portal: server-rendered pages at ``/`` beside the API at ``/api/v1``.

:func:`install` adds the pages to the application, turns errors outside the API into HTML
pages in the reader's language (the API keeps its JSON errors), and gives every page security
headers and gzip. Domain code never imports this package; it only calls services.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jointcredit import errors
from jointcredit.services.http_status import status_of

API_PREFIX = "/api/"
#: The console's and self-service's pages: forms that post, never a person's number in a URL.
SIGNED_IN_PREFIXES = ("/console", "/me")

#: No script at all, nothing from elsewhere, no framing, forms only to ourselves.
CSP = (
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    # A person's page lives at their identity number: never send it to another site.
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]

Handler = Callable[[Request, Exception], Awaitable[Response]]


def _is_api(path: str) -> bool:
    return path.startswith(API_PREFIX)


class PortalMiddleware:
    """Security headers and gzip for the portal's responses; the API's pass untouched (its
    Swagger page needs inline scripts, its clients their own encodings)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=512)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_api(scope["path"]):
            await self.app(scope, receive, send)
            return

        signed_in = scope["path"].startswith(SIGNED_IN_PREFIXES)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                if signed_in and b"referrer-policy" not in present:
                    # With no-referrer a browser posts forms with ``Origin: null``, and the
                    # forms' Origin check could not tell our own pages from another site's.
                    headers.append((b"referrer-policy", b"same-origin"))
                    present.add(b"referrer-policy")
                headers += [(k, v) for k, v in _HEADERS if k not in present]
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-cache"))
                message = {**message, "headers": headers}
            await send(message)

        await self.gzip(scope, receive, with_headers)


def _html_errors(app: FastAPI) -> None:
    """Errors outside ``/api/`` as HTML pages; inside, the API's own JSON handlers."""
    from jointcredit.web.render import render

    handlers: MutableMapping[Any, Handler] = app.exception_handlers  # type: ignore[assignment]

    def wrap(kind: type[Exception]) -> None:
        api_handler = handlers[kind]

        async def handler(request: Request, exc: Exception) -> Response:
            if _is_api(request.url.path):
                return await api_handler(request, exc)
            if isinstance(exc, StarletteHTTPException):
                status = exc.status_code
                if 300 <= status < 400:  # the console's "sign in first"
                    return Response(status_code=status, headers=exc.headers)
            elif isinstance(exc, RequestValidationError):
                status = 422
            else:
                status = status_of(exc)
            detail = str(exc) if status in (403, 422) else None
            shown = status if status in (403, 404, 405, 422) else 500
            if status == 401:
                shown = 403
            return await run_in_threadpool(
                render, request, "error.html", {"status": shown, "detail": detail}, status=status
            )

        app.add_exception_handler(kind, handler)

    for kind in (errors.JointCreditError, StarletteHTTPException, RequestValidationError):
        wrap(kind)


def install(app: FastAPI) -> None:
    """Add the portal to ``app`` (after the API's routes and error handlers)."""
    from jointcredit.web import (
        console,
        console_queues,
        console_review,
        console_submit,
        console_tipoffs,
        dashboard,
        pages,
        selfservice,
    )

    for module in (
        pages,
        console,
        console_submit,
        console_review,
        console_queues,
        console_tipoffs,
        selfservice,
        dashboard,
    ):
        app.include_router(module.router)
    _html_errors(app)
    app.add_middleware(PortalMiddleware)


__all__ = ["CSP", "PortalMiddleware", "install"]
