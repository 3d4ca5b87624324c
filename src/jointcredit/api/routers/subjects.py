"""Subjects and their credit records: public (published records, masked) or, for a
department's key, shared and audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import Field
from starlette.convertors import Convertor, register_url_convertor

from jointcredit.api import schemas
from jointcredit.api.deps import AuditRecorder, Caller, Paging, Registry
from jointcredit.api.pages import Page, page_of
from jointcredit.errors import InvalidInputError
from jointcredit.security.references import PATTERN as REFERENCE
from jointcredit.services import subjects

router = APIRouter(tags=["subjects"])


class _RecordConvertor(Convertor[str]):
    """A record in a path: its public reference, or a department's row id. Nothing else
    matches, so ``GET /records/licensing`` still finds the submission route (405)."""

    regex = f"[0-9]+|{REFERENCE}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("record", _RecordConvertor())

#: Identifiers as typed: no control characters (PostgreSQL text cannot hold U+0000 at all).
TEXT = r"^[^\x00-\x1f\x7f]+$"
#: Row ids are 64-bit; a larger number cannot name a row (and would overflow the driver).
ROW_ID_MAX = 2**63 - 1

Identifier = Annotated[
    str,
    Path(
        max_length=64,
        pattern=TEXT,
        description="USCC, resident identity number or another identifier of the subject.",
    ),
]


class SubjectOut(schemas.Model):
    identifier: str = Field(description="Masked in the public view when it is a person's.")
    identifier_type: str
    kind: str = Field(
        description="legal-person, other-organization, individual-business or natural-person"
    )
    name: str = Field(description="A person's name shows only the surname in the public view.")


class IdentifierOut(schemas.Model):
    type: str
    value: str


class RelatedSubject(schemas.Model):
    identifier: str = Field(description="A person's is always masked.")
    kind: str
    name: str


class RelationOut(schemas.Model):
    role: str = Field(description="legal-representative, principal-responsible-person, …")
    subject_is: str = Field(description="organisation or person: this subject's side")
    other: RelatedSubject
    valid_from: str | None
    valid_until: str | None = Field(description="Exclusive; null: open.")


class SubjectView(schemas.Model):
    view: str = Field(description="public or shared")
    subject: SubjectOut
    identifiers: list[IdentifierOut]
    relations: list[RelationOut]


class RecordOut(schemas.Model):
    id: int | None = Field(
        description="The row id, for departments; null in the public view, which names a "
        "record by `ref` only."
    )
    ref: str = Field(
        description="The record's opaque public reference (26 characters): "
        "`GET /records/{ref}` finds it, with or without a key."
    )
    kind: str = Field(description="licensing, penalty, red-list, black-list or commitment")
    issuing_authority: str
    issuing_authority_code: str | None
    source_department: str | None
    source_department_code: str | None
    list_type: str | None
    department: str | None
    document_number: str
    decision_date: str
    legal_basis: str | None
    category: str | None
    severity: str | None
    fine_fen: int | None = Field(description="Fine in fen (0.01 CNY).")
    confiscated_fen: int | None
    valid_from: str | None
    valid_until: str | None
    publish_from: str | None
    publish_until: str | None
    status: str
    version: int
    recorded_at: str
    updated_at: str
    payload: dict[str, Any] = Field(
        description="The record as sent, persons other than the subject masked; in the public "
        "view only the fields the portal shows (what was decided), persons masked."
    )


class VersionOut(schemas.Model):
    version: int
    event: str = Field(description="created, updated or status")
    status: str
    payload: dict[str, Any]
    import_job: int | None
    actor: str
    recorded_at: str


class RecordDetail(RecordOut):
    subject: SubjectOut
    history: list[VersionOut] | None = Field(
        description="Every version, oldest first; null in the public view."
    )


@router.get(
    "/subjects/{identifier}",
    response_model=SubjectView,
    responses=schemas.ERRORS,
    summary="A subject",
)
def subject(
    registry: Registry, caller: Caller, recorder: AuditRecorder, identifier: Identifier
) -> dict[str, Any]:
    """The subject holding the identifier, with all its identifiers and its relations
    (legal representative, responsible persons).

    Without a key: only a subject with a published record, every personal identifier and
    person's name masked. With a department's key: the shared view, persons other than the
    subject masked; the read is audited (`read-subject`)."""
    return subjects.subject_view(registry, identifier, by=caller, recorder=recorder)


@router.get(
    "/subjects/{identifier}/records",
    response_model=Page[RecordOut],
    responses=schemas.ERRORS,
    summary="A subject's credit records",
)
def subject_records(
    registry: Registry,
    caller: Caller,
    recorder: AuditRecorder,
    paging: Paging,
    identifier: Identifier,
) -> dict[str, Any]:
    """The subject's credit records, newest decision first.

    Without a key: only active records inside their publication window, persons masked. With a
    department's key: every record with its status; the read is audited (`read-record`)."""
    found = subjects.subject_records(
        registry,
        identifier,
        by=caller,
        limit=paging.limit,
        offset=paging.offset,
        recorder=recorder,
    )
    return page_of(found, paging)


@router.get(
    "/records/{record:record}",
    response_model=RecordDetail,
    responses=schemas.ERRORS,
    summary="A credit record",
)
def record(
    registry: Registry,
    caller: Caller,
    recorder: AuditRecorder,
    record: Annotated[
        str,
        Path(
            pattern=f"^(?:[0-9]{{1,19}}|{REFERENCE})$",
            description="The record's public reference (`ref`); with a department's key also "
            "its row id (`id`).",
        ),
    ],
) -> dict[str, Any]:
    """One credit record with its subject; for a department's key also every version of its
    history (audited, `read-record`). Without a key only a published record, masked, and only
    by its public reference: a row id without a key is not found, like an unknown one."""
    if record.isdigit() and len(record) != 26 and not 1 <= int(record) <= ROW_ID_MAX:
        raise InvalidInputError(f"record: a row id from 1 to {ROW_ID_MAX}, or a reference")
    return subjects.record_view(registry, record, by=caller, recorder=recorder)
