"""Every kind of case over HTTP from one definition: the shared models and one router factory.

:func:`case_router` makes, for a kind's :class:`~jointcredit.services.casework.Queue`, the
routes every kind has the same way: its list (paged; filtered by a status of the kind's
vocabulary, or to the overdue ones), one case with its history, and the handling
department's notes. A kind's own router adds what only it does (opening a case, its steps) with
the models and helpers here, so that no router restates a status list or a deadline's fields.

This module does not use postponed annotations: the factory's routes are annotated with types
made at run time (the kind's enum, its path parameter), which FastAPI must see as objects.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, UploadFile, status
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, Field, StringConstraints, create_model
from starlette.responses import Response

from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Paging, Registry
from jointcredit.api.pages import Page, page_of
from jointcredit.choices import ChoiceSet
from jointcredit.services.casework import ATTACHMENT_TYPES, Queue
from jointcredit.settings import get_settings
from jointcredit.web.documents import document_response

#: Row ids are 64-bit; a larger number cannot name a row (and would overflow the driver).
ROW_ID_MAX = 2**63 - 1
#: The most a reason, a note or a description may hold (as ``services.casework.TEXT_MAX``).
TEXT_MAX = 20_000


def no_nul(value: str) -> str:
    # PostgreSQL text cannot hold U+0000; refused here instead of failing in the driver.
    if "\x00" in value:
        raise ValueError("must not contain U+0000")
    return value


Clean = AfterValidator(no_nul)
#: Text that must say something (a reason, a note).
Text = Annotated[str, StringConstraints(min_length=1, max_length=TEXT_MAX), Clean]
#: Text that may be empty (an optional note).
OptionalText = Annotated[str, StringConstraints(max_length=TEXT_MAX), Clean]

#: 409 joins the common errors of a step: the case's status does not allow it.
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": schemas.ErrorBody, "description": "Conflict with the item's state"}
}


def one_of(choices: ChoiceSet) -> str:
    """The values of ``choices`` in words, for a field's description: "a, b or c"."""
    values = choices.values
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


def case_path(item: str, what: str) -> Any:
    """The path parameter ``{item}_id`` naming one case (``what``: "objection"), for
    ``Annotated[int, case_path(...)]``."""
    return Path(alias=f"{item}_id", ge=1, le=ROW_ID_MAX, description=f"The {what}'s id.")


class Deadline(schemas.Model):
    due: str = Field(description="The last day of the time limit (a day in China).")
    due_estimated: bool = Field(
        description="The due day lies beyond the holiday calendar's known years: only "
        "weekends were counted."
    )
    due_warning: str | None = Field(description="Says so in words when `due_estimated`.")
    overdue: bool = Field(description="Still open and its due day has passed.")
    days_late: int | None = Field(description="Working days past the due day, when overdue.")


class Event(schemas.Model):
    action: str
    from_status: str | None
    to_status: str
    actor: str
    department: str | None
    role: str | None
    note: str | None
    at: str


class RecordCase(Deadline):
    """What every case about one credit record shows (an objection, a repair application)."""

    id: int
    record_id: int
    subject: str = Field(description="The identifier of the record's subject.")
    department: str | None = Field(
        description="The department that handles it: the record's provider (catalog code)."
    )
    status: str
    note: str | None
    created_at: str
    updated_at: str
    notified: list[str] | None = Field(
        default=None, description="Departments told by this step (answers of steps only)."
    )


class Attachment(schemas.Model):
    """A document of the case (its content at its own URL)."""

    id: int
    name: str = Field(description="The file's name as it was sent (its last path part).")
    media_type: str = Field(
        description="What the file is, from its first bytes: `application/pdf`, "
        "`application/ofd`, `image/png` or `image/jpeg`."
    )
    size: int = Field(description="Bytes.")
    sha256: str = Field(description="The content's SHA-256, also kept in the audit chain.")
    added_by: str
    department: str | None
    at: str


class NoteIn(schemas.Model):
    note: Text = Field(description="The note: what was done, found or decided, and why.")


def detail_of(model: type[schemas.Model]) -> type[schemas.Model]:
    """``model`` with the case's history: ``Objection`` → ``ObjectionDetail``."""
    made: type[schemas.Model] = create_model(
        f"{model.__name__}Detail",
        __base__=model,
        history=(list[Event], Field(description="Every transition, oldest first.")),
        attachments=(
            list[Attachment],
            Field(default_factory=list, description="Its documents, oldest first."),
        ),
    )
    return made


def fit(model: type[schemas.Model], row: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``row`` that ``model`` shows (a view may hold more than an answer)."""
    return {name: row[name] for name in model.model_fields if name in row}


@dataclass(frozen=True)
class Words:
    """What a kind's generic routes say in the OpenAPI document."""

    #: One case: "objection", "credit-repair application".
    what: str
    list_summary: str
    list_doc: str
    show_summary: str
    show_doc: str
    overdue: str


def case_router(
    queue: Queue,
    *,
    path: str,
    item: str,
    model: type[schemas.Model],
    status_enum: type[StrEnum],
    words: Words,
    detail: type[schemas.Model] | None = None,
    pages: bool = True,
) -> APIRouter:
    """``GET /{path}``, ``GET /{path}/{{item}_id}`` and ``POST /{path}/{{item}_id}/notes`` for
    the kind ``queue`` lists: pages of ``model``; one case as ``model`` with its history.
    Included in the kind's router, the routes take its tags."""
    router = APIRouter()
    # A kind with pages of its own (proposals) names its detail model and takes only the
    # notes and documents routes.
    detail = detail or detail_of(model)
    CaseId = Annotated[int, case_path(item, words.what)]
    one = f"/{path}/{{{item}_id}}"

    def listed(
        registry: Registry,
        caller: Caller,
        paging: Paging,
        status_: Annotated[
            status_enum | None,  # type: ignore[valid-type]
            Query(alias="status", description="Only this status."),
        ] = None,
        overdue: Annotated[bool, Query(description=words.overdue)] = False,
    ) -> dict[str, Any]:
        rows = queue.listed(
            registry,
            by=caller,
            limit=paging.limit + 1,
            offset=paging.offset,
            status=status_.value if status_ is not None else None,
            overdue=overdue,
        )
        return page_of([fit(model, r) for r in rows], paging)

    def shown(registry: Registry, caller: Caller, case: CaseId) -> dict[str, Any]:
        return fit(detail, queue.shown(registry, case, by=caller))

    def noted(registry: Registry, caller: Caller, case: CaseId, body: NoteIn) -> dict[str, Any]:
        """A note in the case's history, its status unchanged: the handling department's
        working notes, with who wrote them and when (its staff, or the operator); audited.
        Answers the case with its history."""
        return fit(detail, queue.note(registry, case, note=body.note, by=caller))

    def attached(
        registry: Registry,
        caller: Caller,
        case: CaseId,
        file: Annotated[
            UploadFile, File(description="A PDF, OFD, PNG or JPEG document (multipart/form-data).")
        ],
    ) -> dict[str, Any]:
        """Attach a document to the case: evidence of whoever opened it (or of its subject),
        findings of the handling department. What the file is comes from its first bytes, not
        its name: another type answers 422, as does an empty file or one larger than
        JOINTCREDIT_ATTACHMENT_MAX_BYTES. The history names it; the audit chain keeps its
        SHA-256. A file once attached cannot be changed or removed."""
        limit = get_settings().attachment_max_bytes
        # One byte more than the limit is enough to refuse a larger file with its size.
        content = file.file.read(limit + 1)
        return queue.attach(registry, case, name=file.filename, content=content, by=caller)

    def attachment(
        registry: Registry,
        caller: Caller,
        case: CaseId,
        attachment_id: Annotated[int, Path(ge=1, le=ROW_ID_MAX)],
    ) -> Response:
        """One document of the case, as it was attached (`Content-Type` its media type), for
        whoever may read the case; audited (`read-attachment`)."""
        found, content = queue.attachment(registry, case, attachment_id, by=caller)
        return document_response(found, content)

    if pages:
        _route(router, "GET", f"/{path}", listed, Page[model], words.list_summary, words.list_doc)  # type: ignore[valid-type]
        _route(router, "GET", one, shown, detail, words.show_summary, words.show_doc)
    _route(
        router,
        "POST",
        f"{one}/notes",
        noted,
        detail,
        f"Add a note to a {words.what}",
        noted.__doc__ or "",
    )
    _route(
        router,
        "POST",
        f"{one}/attachments",
        attached,
        Attachment,
        f"Attach a document to a {words.what}",
        attached.__doc__ or "",
        status_code=status.HTTP_201_CREATED,
    )
    _route(
        router,
        "GET",
        f"{one}/attachments/{{attachment_id}}",
        attachment,
        None,
        f"A document of a {words.what}",
        attachment.__doc__ or "",
        binary=True,
    )
    return router


def _route(
    router: APIRouter,
    method: str,
    path: str,
    endpoint: Callable[..., Any],
    response_model: Any,
    summary: str,
    description: str,
    *,
    status_code: int = 200,
    binary: bool = False,
) -> None:
    responses: dict[int | str, dict[str, Any]] = dict(schemas.ERRORS)
    if binary:
        responses[200] = {
            "description": "The document",
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in ATTACHMENT_TYPES
            },
        }
    router.add_api_route(
        path,
        endpoint,
        methods=[method],
        response_model=response_model,
        response_class=Response if binary else JSONResponse,
        status_code=status_code,
        responses=responses,
        summary=summary,
        description=inspect.cleandoc(description),
    )


__all__ = [
    "CONFLICT",
    "ROW_ID_MAX",
    "Attachment",
    "Deadline",
    "Event",
    "NoteIn",
    "OptionalText",
    "RecordCase",
    "Text",
    "Words",
    "case_path",
    "case_router",
    "detail_of",
    "fit",
    "no_nul",
    "one_of",
]
