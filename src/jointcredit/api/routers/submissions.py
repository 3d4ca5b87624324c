"""Departments submit records and list entries: one at a time, or a file like
`jointcredit import`. Needs an `initiator` key, for its own department only."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, UploadFile, status
from pydantic import Field, create_model

from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Registry
from jointcredit.api.routers.proposals import STEP_ERRORS, ListEntryIn, Proposal
from jointcredit.importing.formats import LICENSING, PENALTIES
from jointcredit.services import submissions
from jointcredit.services.imports import ImportKind

router = APIRouter(tags=["submissions"])


def _record_model(name: str, spec: dict[str, str], doc: str) -> type[schemas.Model]:
    fields: dict[str, Any] = {
        field: (str | None, Field(default=None, description=label)) for field, label in spec.items()
    }
    model: type[schemas.Model] = create_model(name, __base__=schemas.Model, **fields)
    model.__doc__ = doc
    return model


LicensingRecord = _record_model(
    "LicensingRecord",
    LICENSING,
    "A licensing decision in the national 28-field format; empty fields may be left out.",
)
PenaltyRecord = _record_model(
    "PenaltyRecord",
    PENALTIES,
    "A penalty decision in the national 30-field format; empty fields may be left out.",
)


def _fields(body: Any) -> dict[str, str]:
    """The fields sent (a model made by :func:`_record_model`, which mypy cannot follow)."""
    fields: dict[str, str] = body.model_dump(exclude_none=True)
    return fields


class Submitted(schemas.Model):
    record: int = Field(description="Registry id of the record (GET /records/{id}).")
    version: int = Field(description="Its current version.")
    outcome: str = Field(
        description="accepted: a new record; updated: a new version; duplicate: nothing changed"
    )
    kind: str
    subject: str = Field(description="Identifier of the record's subject.")
    audit_entry: int


class Rejected(schemas.Model):
    row: int = Field(description="1-based data row (JSON Lines: line number).")
    field: str
    error: str


class ImportSummaryOut(schemas.Model):
    kind: str
    file: str = Field(description="The upload's file name.")
    format: str
    encoding: str | None
    import_job: int
    rows: int
    accepted: int
    updated: int
    duplicates: int
    rejected: list[Rejected] = Field(
        description="Every problem of every rejected row (at most the configured number)."
    )
    rejected_rows: int
    rejected_truncated: bool
    warnings: list[str]
    seconds: float
    list_format: str | None = Field(
        default=None,
        description="list-entries in a national list's own format (`format`): its name.",
    )
    proposals: list[int] | None = Field(
        default=None,
        description="list-entries: the proposals made of the valid rows (`accepted`: new "
        "entries, `updated`: new versions of entries the registry holds); they take effect "
        "when reviewed. `duplicates`: rows the registry or an open proposal already holds.",
    )


class FileKind(StrEnum):
    LICENSING = "licensing"
    PENALTIES = "penalties"
    LIST_ENTRIES = "list-entries"


_IMPORT_KINDS: dict[FileKind, ImportKind] = {
    FileKind.LICENSING: "licensing",
    FileKind.PENALTIES: "penalty",
    FileKind.LIST_ENTRIES: "list-entry",
}

_SINGLE = (
    " Answers 201 with the record's id and version and whether it was new (`accepted`), a new "
    "version (`updated`) or already known (`duplicate`: re-submitting changes nothing); 422 "
    "with every field's problem in `error.problems` (`field`, `error`), as `jointcredit "
    "import` reports them; 403 for another department's record. Needs an `initiator` key; "
    "audited (`submit-record`)."
)


@router.post(
    "/records/licensing",
    status_code=status.HTTP_201_CREATED,
    response_model=Submitted,
    responses=schemas.ERRORS,
    summary="Submit a licensing decision",
)
def submit_licensing(
    registry: Registry,
    caller: Caller,
    body: LicensingRecord,  # type: ignore[valid-type]
) -> dict[str, Any]:
    """One licensing decision. The data source department (`XK_LYDW`) must be the key's
    department as the catalog names it; left empty, it is filled in."""
    return submissions.submit_record(registry, "licensing", _fields(body), by=caller)


submit_licensing.__doc__ = (submit_licensing.__doc__ or "") + _SINGLE


@router.post(
    "/records/penalties",
    status_code=status.HTTP_201_CREATED,
    response_model=Submitted,
    responses=schemas.ERRORS,
    summary="Submit a penalty decision",
)
def submit_penalty(
    registry: Registry,
    caller: Caller,
    body: PenaltyRecord,  # type: ignore[valid-type]
) -> dict[str, Any]:
    """One penalty decision. The data source department (`CF_SJLY`) must be the key's
    department as the catalog names it; left empty, it is filled in."""
    return submissions.submit_record(registry, "penalty", _fields(body), by=caller)


submit_penalty.__doc__ = (submit_penalty.__doc__ or "") + _SINGLE


@router.post(
    "/list-entries",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Proposal,
    responses=STEP_ERRORS,
    summary="Propose a red- or black-list entry",
)
def submit_list_entry(registry: Registry, caller: Caller, body: ListEntryIn) -> dict[str, Any]:
    """One list entry, proposed for review: it takes effect only once a `reviewer` of the
    department who did not submit it approves it (`POST /proposals/{id}/approve`, see
    docs/review.md). Answers 202 with the proposal (`id`, `status` submitted, `due`); 422 with
    every field's problem in `error.problems` (`field`, `error`), as `jointcredit import`
    reports them; 403 for another department's entry (its `department` must be the key's;
    left out, the key's is taken); 409 when the registry or an open proposal already holds
    the entry as it is. The same as `POST /proposals` with action `create`. Needs an
    `initiator` key; audited (`propose`)."""
    return submissions.submit_list_entry(registry, body.model_dump(exclude_none=True), by=caller)


@router.post(
    "/imports/{kind}",
    response_model=ImportSummaryOut,
    responses=schemas.ERRORS,
    summary="Import a file",
)
def import_file(
    registry: Registry,
    caller: Caller,
    kind: Annotated[FileKind, Path(description="licensing, penalties or list-entries")],
    file: Annotated[
        UploadFile,
        File(
            description="CSV (UTF-8 or GB18030), XLSX or JSON Lines; the suffix of its "
            "name decides how it is read."
        ),
    ],
    list_format: Annotated[
        str | None,
        Query(
            alias="format",
            max_length=32,
            description="list-entries only: the file's format, `generic` (the default) or a "
            "national list's own: `court`, `samr`, `tax-violations`, `tax-a-grade` "
            "(docs/list-entries.md); another value answers 422.",
        ),
    ] = None,
) -> dict[str, Any]:
    """Validate and import a department's file exactly as `jointcredit import KIND FILE
    --json` does, and answer its summary. Every row must also be the key's department's (see
    the single submissions); rows that are not are rejected like invalid ones. The rejected
    rows are listed in `rejected` (row, field, error). A list entry file's valid rows become
    proposals for review (`proposals`), not entries: see `POST /list-entries`. Needs an
    `initiator` key; audited
    (`submit-file`, with the import job and its counts). At most
    JOINTCREDIT_API_MAX_UPLOAD_BYTES (413 above)."""
    return submissions.import_upload(
        registry, _IMPORT_KINDS[kind], file.file, file.filename, by=caller, list_format=list_format
    )
