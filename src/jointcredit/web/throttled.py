"""The page a sign-in form gets when its client has posted it too often (429): readable, in
the page's language, with ``Retry-After`` (the limits: :mod:`jointcredit.services.throttle`)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from jointcredit.web.render import render

#: Where each throttled form's own page is, for the link back.
_BACK = {"/console/sign-in": "/console/sign-in", "/me/sign-in": "/me"}


def _page(scope: Scope, retry_after: int) -> Response:
    request = Request(scope)
    back = _BACK.get(request.url.path, "/")
    response = render(
        request, "throttled.html", {"retry_after": retry_after, "back": back}, status=429
    )
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


async def refusal(scope: Scope, retry_after: int) -> Response:
    # Rendering reads the catalog of strings and templates: off the event loop, like pages.
    return await run_in_threadpool(_page, scope, retry_after)
