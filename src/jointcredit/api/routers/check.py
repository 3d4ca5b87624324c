"""The joint check, and the key that signs its receipts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from jointcredit.api import schemas
from jointcredit.api.deps import AuditRecorder, Caller, Registry
from jointcredit.services import receipts
from jointcredit.services.check import answer

router = APIRouter(tags=["check"])


@router.get(
    "/check",
    response_model=schemas.CheckAnswer,
    responses=schemas.ERRORS,
    summary="Check a subject for a matter",
)
def check(
    registry: Registry,
    caller: Caller,
    recorder: AuditRecorder,
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
) -> dict[str, Any]:
    """Every incentive and punishment that applies to the subject for the matter, each with its
    legal basis and the list entry it comes from, and a signed receipt. Needs an
    `implementer` key; the look-up is audited. Same JSON as `jointcredit check --json`."""
    return answer(
        registry,
        subject,
        by=caller,
        department=department or caller.department or "",
        matter=matter,
        as_of=as_of,
        recorder=recorder,
    )


@router.get("/receipts/key", response_model=schemas.PublicKey, summary="Receipt signing key")
def receipt_key() -> dict[str, str]:
    """The platform's public key: verify a saved check answer with
    `jointcredit receipt verify FILE --public-key KEY.pem`."""
    return receipts.public_key().to_dict()
