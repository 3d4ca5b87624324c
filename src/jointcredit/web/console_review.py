"""The console's review queue: ``/console/review`` (everyone who may read proposals) lists the
department's proposals with their due days; a reviewer approves or returns them, an initiator
withdraws or resubmits them (a list entry's resubmission reuses the submission form of
:mod:`jointcredit.web.console_submit`).

Every page acts through the same services as the API (:mod:`jointcredit.services.proposals`), as
the signed-in member: the services check the role, the department and four eyes, validate, and
write the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from jointcredit import clock
from jointcredit.errors import (
    ConflictError,
    InvalidInputError,
    JointCreditError,
    NotFoundError,
    PermissionDeniedError,
)
from jointcredit.importing.list_formats import own_columns
from jointcredit.record_drafts import RELATION_ROLES
from jointcredit.rules.workdays import DUE_SOON_WORKDAYS, workdays_between
from jointcredit.services import proposals
from jointcredit.services.staff import StaffSession
from jointcredit.settings import get_settings
from jointcredit.web.console_submit import (
    ENTRY_FIELDS,
    PAGE_SIZE,
    REVIEW,
    Field,
    entry_of,
    entry_values,
    field_text,
    list_entry_groups,
    problems_of,
)
from jointcredit.web.documents import document_response
from jointcredit.web.i18n import translator
from jointcredit.web.render import catalog_name, language
from jointcredit.web.session import (
    check_form,
    console_page,
    engine_of,
    redirect,
    require_staff,
)
from jointcredit.workflows.proposal import KIND

router = APIRouter(include_in_schema=False)

#: The queue's views: "open" (awaiting review or rework, soonest due first), each status, all.
VIEWS = ("open", *KIND.statuses.values, "all")
_OPEN_MAX = 200


def _due_state(p: Mapping[str, Any], today: dt.date) -> tuple[str, int] | None:
    """("overdue", working days late) / ("due-soon", left) / ("due", left) for a proposal
    awaiting review; None once it waits for nobody's review."""
    if not KIND.is_open(p["status"]):
        return None
    left = workdays_between(today, dt.date.fromisoformat(p["due"]))
    if p["overdue"]:
        return "overdue", max(-left, 0)
    return ("due-soon" if left <= DUE_SOON_WORKDAYS else "due"), left


def _item(p: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    payload = p.get("payload") or {}
    subject = payload.get("subject") if p["action"] == "create" else None
    return {
        **p,
        "subject_name": subject.get("name") if isinstance(subject, Mapping) else None,
        "due_state": _due_state(p, today),
    }


@router.get(REVIEW)
def review_queue(request: Request) -> Response:
    session = require_staff(request, "read-proposals")
    engine, by = engine_of(request), session.principal
    view = request.query_params.get("status") or "open"
    if view not in VIEWS:
        raise InvalidInputError(f"status: {view!r} is not one of {', '.join(VIEWS)}")
    offset_text = request.query_params.get("offset") or "0"
    if not offset_text.isdigit() or int(offset_text) > 10**9:
        raise InvalidInputError("offset: a whole number from 0")
    offset = int(offset_text) if view not in ("open",) else 0
    today = clock.today()
    more = False
    if view == "open":
        rows = []
        for status in (*KIND.open_statuses, *KIND.machine.transitions["resubmit"].sources):
            found = proposals.listed(engine, by=by, status=status, limit=_OPEN_MAX + 1)
            more = more or len(found) > _OPEN_MAX
            rows += found[:_OPEN_MAX]
        # Awaiting review first, the soonest due first; then those returned for rework.
        rows.sort(key=lambda p: (not KIND.is_open(p["status"]), p["due"], p["id"]))
    else:
        rows = proposals.listed(
            engine,
            by=by,
            status=None if view == "all" else view,
            limit=PAGE_SIZE + 1,
            offset=offset,
        )
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
    items = [_item(p, today) for p in rows]
    lang = language(request)
    context = {
        "view": view,
        "views": VIEWS,
        "items": items,
        "today": today,
        "more": more,
        "previous": None if view == "open" or offset == 0 else max(offset - PAGE_SIZE, 0),
        "next": offset + PAGE_SIZE if more and view != "open" else None,
        "list_type_name": catalog_name(lang, "list_types"),
        "counts": {
            "overdue": sum(1 for i in items if (i["due_state"] or ("",))[0] == "overdue"),
            "soon": sum(1 for i in items if (i["due_state"] or ("",))[0] == "due-soon"),
        },
    }
    return console_page(request, session, "console/review.html", context)


_FLASHES = (
    "submit.done.proposed",
    "review.done.approve",
    "review.done.return",
    "review.done.withdraw",
    "review.done.resubmit",
    "review.done.note",
    "review.done.attach",
)


def _detail_page(
    request: Request,
    session: StaffSession,
    proposal_id: int,
    *,
    failed: str | None = None,
    failed_action: str | None = None,
    note_error: str | None = None,
    note: str = "",
    status: int = 200,
) -> Response:
    p = proposals.get(engine_of(request), proposal_id, by=session.principal)
    lang = language(request)
    t = translator(lang)
    today = clock.today()
    item = _item(p, today)
    done = request.query_params.get("done")
    flash = None
    if done in _FLASHES and not failed:
        flash = t(
            done,
            id=p["id"],
            subject=item["subject_name"] or p["subject"],
            due=p["due"],
        )
    principal = session.principal
    context = {
        "p": item,
        "history": p["history"],
        "flash": flash,
        "notice": None,
        "failed": failed,
        "failed_action": failed_action,
        "note_error": note_error,
        "note": note,
        "list_type_name": catalog_name(lang, "list_types"),
        # The steps the member's role and department allow; four eyes is said, not hidden:
        # the author sees the review forms with the reason they will be refused.
        "actions": KIND.actions_for(principal, p, guarded=False),
        "live": not KIND.machine.final(p["status"]),
        "waiting": KIND.is_open(p["status"]),
        "own": KIND.guard is not None and KIND.guard(principal, p, "approve") is not None,
        # Notes and documents, as every kind of case has them (services.casework).
        "may_note": KIND.may_note(principal, p),
        "may_attach": KIND.may_attach(principal, p),
        "attachment_max": get_settings().attachment_max_bytes,
        "attachments": p.get("attachments", []),
        "entry_fields": ENTRY_FIELDS,
        # A national list's own columns the proposed entry carries, as the list published them.
        "own_columns": own_columns(p["payload"]) if p["action"] == "create" else [],
        "relation": lambda role: (
            t(f"submit.relation.{role}") if role in RELATION_ROLES else str(role or "")
        ),
    }
    return console_page(request, session, "console/review_detail.html", context, status=status)


@router.get(REVIEW + "/{proposal_id}")
def review_detail(request: Request, proposal_id: int) -> Response:
    session = require_staff(request, "read-proposals")
    return _detail_page(request, session, _proposal_id(proposal_id))


def _proposal_id(value: int) -> int:
    if not 1 <= value <= 2**63 - 1:
        raise NotFoundError(f"no proposal {value}")
    return value


#: The forms of a proposal's page: its steps, and a note (every kind of case takes notes).
_STEPS = (*KIND.step_of, "note")


@router.post(REVIEW + "/{proposal_id}/attachments")
async def review_attach(request: Request, proposal_id: int) -> Response:
    """A document of the proposal (the judgment an entry rests on, say), from the proposing
    department: the casework core's documents, as the API's."""
    limit = get_settings().attachment_max_bytes
    form = await request.form(max_part_size=limit + 1)
    upload = form.get("file")
    name, content = None, b""
    if isinstance(upload, UploadFile):
        name, content = upload.filename, await upload.read(limit + 1)

    def work() -> Response:
        session = require_staff(request, "read-proposals")
        check_form(request, session, form)
        try:
            if not name:
                raise InvalidInputError("file: choose the file to attach")
            proposals.QUEUE.attach(
                engine_of(request), proposal_id, name=name, content=content, by=session.principal
            )
        except (InvalidInputError, PermissionDeniedError) as exc:
            return _detail_page(
                request,
                session,
                proposal_id,
                failed=str(exc),
                failed_action="attach",
                status=422 if isinstance(exc, InvalidInputError) else 403,
            )
        return redirect(f"{REVIEW}/{proposal_id}?done=review.done.attach")

    return await run_in_threadpool(work)


@router.get(REVIEW + "/{proposal_id}/attachments/{attachment_id}")
def review_document(request: Request, proposal_id: int, attachment_id: int) -> Response:
    session = require_staff(request, "read-proposals")
    found, content = proposals.QUEUE.attachment(
        engine_of(request), _proposal_id(proposal_id), attachment_id, by=session.principal
    )
    return document_response(found, content)


@router.post(REVIEW + "/{proposal_id}/{step}")
async def review_step(request: Request, proposal_id: int, step: str) -> Response:
    if step not in _STEPS:
        raise NotFoundError(f"no such step {step!r}")
    session = require_staff(request, "read-proposals")
    form = await request.form()
    check_form(request, session, form)
    return await run_in_threadpool(
        _take_step, request, session, _proposal_id(proposal_id), step, form
    )


def _take_step(
    request: Request, session: StaffSession, proposal_id: int, step: str, form: FormData
) -> Response:
    engine, by = engine_of(request), session.principal
    note = field_text(form, "note")
    try:
        if step == "approve":
            proposals.approve(engine, proposal_id, by=by, note=note or None)
        elif step == "return":
            proposals.return_(engine, proposal_id, by=by, note=note)
        elif step == "withdraw":
            proposals.withdraw(engine, proposal_id, by=by, note=note or None)
        elif step == "note":
            proposals.QUEUE.note(engine, proposal_id, note=note, by=by)
        else:
            content = None
            if field_text(form, "content") == "entry":
                entry, values = entry_of(form)
                content = proposals.Request("create", entry=entry)
                try:
                    proposals.resubmit(engine, proposal_id, content, by=by, note=note or None)
                except (InvalidInputError, PermissionDeniedError, ConflictError) as exc:
                    return _resubmit_page(request, session, proposal_id, values, exc, note)
            else:
                proposals.resubmit(engine, proposal_id, by=by, note=note or None)
    except NotFoundError:
        raise
    except (InvalidInputError, PermissionDeniedError, ConflictError) as exc:
        status = (
            422
            if isinstance(exc, InvalidInputError)
            else (403 if isinstance(exc, PermissionDeniedError) else 409)
        )
        problems = getattr(exc, "problems", None) or []
        note_error = next((p["error"] for p in problems if p.get("field") == "note"), None)
        return _detail_page(
            request,
            session,
            proposal_id,
            failed=None if note_error else str(exc),
            failed_action=step,
            note_error=note_error,
            note=note,
            status=status,
        )
    return redirect(f"{REVIEW}/{proposal_id}?done=review.done.{step}")


def _resubmit_page(
    request: Request,
    session: StaffSession,
    proposal_id: int,
    values: Mapping[str, str] | None = None,
    exc: JointCreditError | None = None,
    note: str = "",
) -> Response:
    p = proposals.get(engine_of(request), proposal_id, by=session.principal)
    if p["action"] != "create":
        raise NotFoundError(f"proposal {proposal_id} is a {p['action']}: resubmit it as it is")
    lang = language(request)
    groups = list_entry_groups(p["department"], lang)
    labels = {f.name: f.label for g in groups for f in g.fields}
    errors: dict[str, str] = {}
    general: list[str] = []
    status = 200
    if exc is not None:
        errors, general = problems_of(exc, set(labels), lang)
        status = (
            422
            if isinstance(exc, InvalidInputError)
            else (403 if isinstance(exc, PermissionDeniedError) else 409)
        )
    context = {
        "p": p,
        "groups": groups,
        "values": dict(values) if values is not None else entry_values(p["payload"]),
        "errors": errors,
        "error_list": [(labels[name], name, reason) for name, reason in errors.items()],
        "general": general,
        "note": note,
        "notice": None,
        "field_id": lambda name: Field(name, "").id,
    }
    return console_page(request, session, "console/review_resubmit.html", context, status=status)


@router.get(REVIEW + "/{proposal_id}/resubmit")
def resubmit_form(request: Request, proposal_id: int) -> Response:
    session = require_staff(request, "submit")
    return _resubmit_page(request, session, _proposal_id(proposal_id))


__all__ = ["VIEWS", "router"]
