"""One place where the platform's errors become JSON bodies, with the statuses of
:mod:`jointcredit.services.http_status` (the portal's HTML error pages give the same ones).

Every error body is ``{"error": {"code": ..., "message": ...}}``; ``code`` is stable for
machines (the ``code`` of the :class:`~jointcredit.errors.JointCreditError` subclass).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from stdnum.exceptions import ValidationError

from jointcredit import errors
from jointcredit.catalog.model import CatalogError
from jointcredit.services.http_status import status_of

log = logging.getLogger("jointcredit.api")


def body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def _headers(status: int) -> dict[str, str] | None:
    return {"WWW-Authenticate": "Bearer"} if status == 401 else None


async def _platform_error(_request: Request, exc: Exception) -> JSONResponse:
    status = status_of(exc)
    code = getattr(exc, "code", "error")
    if status >= 500:
        log.error("%s: %s", code, exc)
    extra = {}
    if isinstance(exc, errors.InvalidInputError) and exc.problems is not None:
        extra["problems"] = exc.problems
    return JSONResponse(body(code, str(exc), **extra), status_code=status, headers=_headers(status))


async def _identifier_error(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(body("invalid-input", str(exc)), status_code=422)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {
            "where": ".".join(str(p) for p in e.get("loc", ())),
            "message": e.get("msg", ""),
        }
        for e in exc.errors()
    ]
    message = "; ".join(f"{p['where']}: {p['message']}" for p in problems) or "invalid request"
    return JSONResponse(body("invalid-input", message, problems=problems), status_code=422)


_HTTP_CODES = {
    404: "not-found",
    405: "method-not-allowed",
    413: "too-large",
    429: "too-many-requests",  # the throttle's own answer (api/throttle.py) says the same
}


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    return JSONResponse(
        body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.JointCreditError, _platform_error)
    app.add_exception_handler(CatalogError, _platform_error)
    app.add_exception_handler(ValidationError, _identifier_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
