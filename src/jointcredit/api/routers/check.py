"""The joint check, and the key that signs its receipts."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Registry
from jointcredit.services import receipts
from jointcredit.services.audit_writer import AuditWriter
from jointcredit.services.check import prepare_answer

router = APIRouter(tags=["check"])


@router.get(
    "/check",
    response_model=schemas.CheckAnswer,
    responses=schemas.ERRORS,
    summary="Check a subject for a matter",
)
async def check(
    request: Request,
    registry: Registry,
    caller: Caller,
    subject: Annotated[
        str, Query(min_length=1, max_length=64, description="USCC or resident identity number.")
    ],
    matter: Annotated[
        str, Query(min_length=1, max_length=64, description="Matter of the check (catalog code).")
    ],
    department: Annotated[
        str | None,
        Query(
            max_length=64,
            description="Checking department (catalog code); default: the "
            "key's department, and no other.",
        ),
    ] = None,
    as_of: Annotated[
        dt.date | None, Query(description="Date the check answers for (default: today).")
    ] = None,
) -> JSONResponse:
    """Every incentive and punishment that applies to the subject for the matter, each with its
    legal basis and the list entry it comes from, and a signed receipt. Needs an
    `implementer` key; the look-up is audited. Same JSON as `jointcredit check --json`."""
    work = partial(
        prepare_answer,
        registry,
        subject,
        by=caller,
        department=department or caller.department or "",
        matter=matter,
        as_of=as_of,
    )
    # On SQLite the look-up is a few hundred microseconds of local work: done right here it
    # costs less than the hand-off to a worker thread. A server database is waited for in one.
    if registry.dialect.name == "sqlite":
        prepared = work()
    else:
        prepared = await run_in_threadpool(work)
    writer: AuditWriter = request.app.state.audit_writer
    [entry] = await writer.record_async(caller, [prepared.event])
    # Returned as a response of its own: the answer is built by the service from typed values,
    # so FastAPI's validation of it against the model would only cost time on every check.
    return JSONResponse(prepared.finish(entry))


@router.get("/receipts/key", response_model=schemas.PublicKey, summary="Receipt signing key")
def receipt_key() -> dict[str, str]:
    """The platform's public key: verify a saved check answer with
    `jointcredit receipt verify FILE --public-key KEY.pem`."""
    return receipts.public_key().to_dict()
