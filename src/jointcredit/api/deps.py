"""What every endpoint may ask for: the registry, the caller, a page of a list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from jointcredit.access import PUBLIC, Principal
from jointcredit.errors import AuthenticationError
from jointcredit.services import audit, keys
from jointcredit.services.audit_writer import AuditWriter
from jointcredit.settings import get_settings


# Both are async (no I/O, or I/O only on a cache miss): a plain def dependency would cost a
# thread hand-off per request.
async def engine(request: Request) -> Engine:
    registry: Engine = request.app.state.engine
    return registry


#: Declares the key in the OpenAPI document (Swagger's "Authorize", generated clients' auth);
#: the header is read below all the same, so that a malformed one is refused, not ignored.
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="departmentKey",
    description="A department's API key (`jointcredit keys create`), sent as "
    "`Authorization: Bearer KEY`. Public endpoints answer without one.",
)


async def principal(
    request: Request,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller: a department's key (``Authorization: Bearer KEY``), else the public.

    A malformed header or a bad key is refused (401), never silently downgraded to public.
    """
    header = request.headers.get("authorization")
    if header is None:
        return PUBLIC
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise AuthenticationError("the Authorization header must read 'Bearer KEY'")
    key = key.strip()
    known = keys.remembered(key)
    if known is not None:
        return known
    return await run_in_threadpool(keys.authenticate, request.app.state.engine, key)


@dataclass(frozen=True, slots=True)
class Page:
    limit: int
    offset: int


async def page(
    limit: Annotated[
        int,
        Query(
            ge=1,
            description="Items per page (at most the configured JOINTCREDIT_API_PAGE_SIZE_MAX).",
        ),
    ] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")] = 0,
) -> Page:
    return Page(min(limit, get_settings().api_page_size_max), offset)


async def recorder(request: Request) -> audit.Recorder:
    """The server's audit writer (group commit); see services.audit_writer."""
    writer: AuditWriter = request.app.state.audit_writer
    return writer.record


Registry = Annotated[Engine, Depends(engine)]
AuditRecorder = Annotated[audit.Recorder, Depends(recorder)]
Caller = Annotated[Principal, Depends(principal)]
Paging = Annotated[Page, Depends(page)]
