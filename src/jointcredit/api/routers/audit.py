"""The audit log: its rows, the verification of its chain, and a subject's query history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import Field

from jointcredit.access import require
from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Paging, Registry
from jointcredit.api.pages import Page, page_of
from jointcredit.identifiers.normalize import normalize
from jointcredit.services import audit

router = APIRouter(tags=["audit"])

#: Filter values: no control characters (PostgreSQL text cannot hold U+0000 at all).
TEXT = r"^[^\x00-\x1f\x7f]+$"


class AuditRow(schemas.Model):
    id: int
    at: str = Field(description="UTC, ISO 8601 with microseconds and `Z`.")
    action: str = Field(description="check, screen, read-reporter, key-create, …")
    key_id: int | None = Field(description="The API key that acted; null: the local operator.")
    department: str | None
    role: str | None
    subject: str | None = Field(description="The subject looked up or written, if any.")
    record_id: int | None
    matter: str | None
    result_digest: str | None
    detail: dict[str, Any] | None
    algorithm: str = Field(description="Hash of this row's link: sm3 or sha256.")
    prev_hash: str
    hash: str


class Verification(schemas.Model):
    rows: int = Field(description="Rows read, up to and including the first broken one.")
    ok: bool
    first_broken: int | None = Field(description="Id of the first row whose link fails.")
    reason: str | None
    head: str | None = Field(description="Hash of the last row when the chain holds.")


class SubjectCheck(schemas.Model):
    at: str
    department: str | None
    role: str | None
    action: str = Field(description="check, screen, read-subject or read-record")
    matter: str | None


@router.get(
    "/audit",
    response_model=Page[AuditRow],
    responses=schemas.ERRORS,
    summary="Audit log rows",
)
def rows(
    registry: Registry,
    caller: Caller,
    paging: Paging,
    subject: Annotated[str | None, Query(max_length=64, pattern=TEXT)] = None,
    department: Annotated[str | None, Query(max_length=64, pattern=TEXT)] = None,
    action: Annotated[str | None, Query(max_length=32, pattern=TEXT)] = None,
) -> dict[str, Any]:
    """The audit log, newest first, filtered by subject, acting department or action. Needs a
    `supervisor` or `admin` key."""
    found = audit.page(
        registry,
        by=caller,
        limit=paging.limit + 1,
        offset=paging.offset,
        subject=normalize(subject) if subject is not None else None,
        department=department,
        action=action,
    )
    return page_of(found, paging)


@router.get(
    "/audit/verify",
    response_model=Verification,
    responses=schemas.ERRORS,
    summary="Verify the audit chain",
)
def verify(registry: Registry, caller: Caller) -> dict[str, Any]:
    """Walk the hash chain from the first row: `ok`, or the first row that was altered,
    removed or reordered and why. Needs a `supervisor` or `admin` key. Same as
    `jointcredit audit verify`."""
    return audit.verify(registry, by=caller).to_dict()


@router.get(
    "/subjects/{identifier}/checks",
    response_model=Page[SubjectCheck],
    responses=schemas.ERRORS,
    summary="Who checked a subject",
)
def checks_of_subject(
    registry: Registry,
    caller: Caller,
    paging: Paging,
    identifier: Annotated[str, Path(max_length=64, pattern=TEXT)],
) -> dict[str, Any]:
    """Who looked the subject up (checks, screenings, reads), when and for which matter,
    newest first: like the query history of a credit report. Needs a `supervisor` or `admin`
    key for now; the subjects' own self-service login, which will show a subject its own
    history, comes in a later issue."""
    require(caller, "read-subject-audit")
    found = audit.checks_of_subject(
        registry, normalize(identifier), limit=paging.limit + 1, offset=paging.offset
    )
    return page_of(found, paging)
