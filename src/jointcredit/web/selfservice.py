"""Self-service pages at ``/me`` (33号 §21–§22): a subject signs in through the configured
authenticator, sees its whole record and who looked it up for which matter, files objections
and repair applications and follows them.

Pages stay thin: everything goes through :mod:`jointcredit.services.selfservice`,
:mod:`~jointcredit.services.objections` and :mod:`~jointcredit.services.repairs` acting as the
signed-in subject, so another subject's items answer "not found" exactly as in the API. The
session has its own cookie (``jc_me``, path ``/me``), never the console's; every form that
changes something carries the session's CSRF token and is refused from another site.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, Response

from jointcredit.choices.cases import CASE_STEPS, step_label
from jointcredit.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
)
from jointcredit.importing.list_formats import own_columns
from jointcredit.rules.repair import REPAIRABLE_KINDS
from jointcredit.services import objections, repairs, selfservice
from jointcredit.services.casework import Queue
from jointcredit.services.selfservice import SubjectSession
from jointcredit.settings import get_settings
from jointcredit.web import i18n
from jointcredit.web.documents import document_response
from jointcredit.web.render import catalog_name, language, render
from jointcredit.web.session import (
    check_form,
    clear_cookie,
    department_label,
    engine_of,
    pre_token,
    pre_token_ok,
    redirect,
    same_origin,
    set_cookie,
)

router = APIRouter(include_in_schema=False)

ME = "/me"
SUBJECT_COOKIE = "jc_me"
#: The sign-in form's own token (double submit): no session exists yet to carry one.
PRE_COOKIE = "jc_me_pre"
CSRF_FIELD = "csrf"
_UNSET = object()
_TEXT_MAX = 2000
#: The steps the pages name: a subject withdraws its objection; working notes stay inside.
WITHDRAW, NOTE = CASE_STEPS.subset("withdraw", "note")


def _private(response: Response) -> None:
    """A subject's page is its alone: never kept by a shared cache."""
    response.headers["Cache-Control"] = "no-store"


# -- the session -------------------------------------------------------------------------------


def _switched_on() -> bool:
    return bool(get_settings().self_service_authenticator.strip())


def subject_session(request: Request) -> SubjectSession | None:
    """The signed-in subject of this request, or None (looked up once per request). Switching
    self-service off ends every session's use at once."""
    found: SubjectSession | object | None = getattr(request.state, "subject_session", _UNSET)
    if found is _UNSET:
        found = None
        if _switched_on():
            found = selfservice.session_of(engine_of(request), request.cookies.get(SUBJECT_COOKIE))
        request.state.subject_session = found
    return found  # type: ignore[return-value]


def require_subject(request: Request) -> SubjectSession:
    """The signed-in subject; without one, a redirect to the sign-in page."""
    session = subject_session(request)
    if session is None:
        raise StarletteHTTPException(303, headers={"Location": ME})
    return session


# -- rendering ---------------------------------------------------------------------------------


#: The kinds of case a subject opens here, by the name the templates use.
_KINDS = {"objection": objections.QUEUE, "repair": repairs.QUEUE}


def _names(lang: str) -> dict[str, Any]:
    strings = i18n.CATALOGS[lang]

    def word(prefix: str, value: str | None) -> str:
        """The words for a record's status, the code itself where none are written."""
        return strings.get(f"{prefix}.{value}", value or "")

    def status_label(kind: str, value: str) -> str:
        """A case's status in the subject's words (the vocabulary's public labels)."""
        return _KINDS[kind].kind.statuses.label(value, lang, public=True)

    return {
        "list_type_name": catalog_name(lang, "list_types"),
        "matter_name": catalog_name(lang, "matters"),
        "word": word,
        "status_label": status_label,
        "step_label": lambda value, kind=None: step_label(kind, value, lang, public=True),
        # The statuses in which each kind's case still waits (its due day counts).
        "open_of": {name: queue.kind.open_statuses for name, queue in _KINDS.items()},
    }


def _for_subject(item: dict[str, Any]) -> dict[str, Any]:
    """A case as its subject follows it: every step but the handling department's working
    notes (``note`` steps), which are the department's own."""
    return {**item, "history": [e for e in item["history"] if e["action"] != NOTE]}


def me_page(
    request: Request,
    session: SubjectSession,
    template: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
) -> HTMLResponse:
    """A signed-in page: the template gets ``me`` (the session), ``csrf``, ``notice`` (a message
    key passed as ``?done=``) and the label helpers."""
    lang = language(request)
    notice = request.query_params.get("done")
    response = render(
        request,
        template,
        {
            "me": session,
            "csrf": session.csrf_token,
            "csrf_field": CSRF_FIELD,
            "notice": notice if notice in _NOTICES else None,
            "department_label": department_label(lang),
            **_names(lang),
            **context,
        },
        status=status,
        lang=lang,
    )
    _private(response)
    return response


_NOTICES = frozenset(
    {"me.objection_filed", "me.objection_withdrawn", "me.repair_filed", "me.attachment_added"}
)


# -- sign-in and sign-out ----------------------------------------------------------------------


def _sign_in_page(
    request: Request, *, answers: Mapping[str, str] | None = None, failed: str | None = None
) -> Response:
    method = selfservice.authenticator()
    if method is None:
        response = render(request, "me/off.html", {})
        _private(response)
        return response
    token = pre_token(request, PRE_COOKIE)
    response = render(
        request,
        "me/sign_in.html",
        {
            "questions": method.questions(),
            # What was typed comes back, except secrets.
            "answers": answers or {},
            "failed": failed,
            "pre": token,
        },
        status=401 if failed else 200,
    )
    _private(response)
    if request.cookies.get(PRE_COOKIE) != token:
        set_cookie(response, request, PRE_COOKIE, token, ME)
    return response


@router.get("/me")
def sign_in_form(request: Request) -> Response:
    if subject_session(request) is not None:
        return redirect(f"{ME}/record")
    return _sign_in_page(request)


@router.post("/me/sign-in")
async def sign_in(request: Request) -> Response:
    form = await request.form()
    method = await run_in_threadpool(selfservice.authenticator)
    if method is None:
        return await run_in_threadpool(_sign_in_page, request)
    questions = method.questions()
    answers = {q.name: _field(form, q.name, 500) for q in questions}
    kept = {q.name: answers[q.name] for q in questions if not q.secret}
    pre = _field(form, "pre", 100)
    if not same_origin(request) or not pre_token_ok(request, pre, PRE_COOKIE):
        return await run_in_threadpool(
            lambda: _sign_in_page(request, answers=kept, failed="me.expired")
        )
    try:
        signed = await run_in_threadpool(
            lambda: selfservice.open_session(
                engine_of(request), answers, user_agent=request.headers.get("user-agent")
            )
        )
    except AuthenticationError:
        return await run_in_threadpool(
            lambda: _sign_in_page(request, answers=kept, failed="me.failed")
        )
    response = redirect(f"{ME}/record")
    set_cookie(response, request, SUBJECT_COOKIE, signed.token, ME)
    clear_cookie(response, request, PRE_COOKIE, ME)
    return response


@router.post("/me/sign-out")
async def sign_out(request: Request) -> Response:
    form = await request.form()
    session = await run_in_threadpool(subject_session, request)
    response = redirect(f"{ME}?done=me.signed_out")
    if session is not None:
        check_form(request, session, form)
        await run_in_threadpool(selfservice.sign_out, engine_of(request), session)
    clear_cookie(response, request, SUBJECT_COOKIE, ME)
    return response


def _field(form: FormData, name: str, limit: int = _TEXT_MAX) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    if len(value) > limit:
        raise InvalidInputError(f"{name}: at most {limit} characters")
    return value


def _record_id(form: FormData) -> int:
    raw = _field(form, "record", 20).strip()
    if not raw.isdigit():
        raise NotFoundError("no such credit record")
    return int(raw)


# -- the record --------------------------------------------------------------------------------


def _record_page(
    request: Request,
    session: SubjectSession,
    *,
    failed: Mapping[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The whole record; ``failed``: the form that was refused (``form``, ``record``,
    ``message``, ``kept`` input), shown open on its record with what was typed."""
    seen = selfservice.own_record(engine_of(request), by=session.principal)
    open_objection = {
        o["record_id"]: o for o in seen["objections"] if objections.QUEUE.kind.is_open(o["status"])
    }
    open_repair = {
        r["record_id"]: r for r in seen["repairs"] if repairs.QUEUE.kind.is_open(r["status"])
    }
    court = frozenset(get_settings().court_list_types)
    rows = []
    for record in seen["records"]:
        repairable = record["kind"] in REPAIRABLE_KINDS and record["list_type"] not in court
        rows.append(
            {
                **record,
                "persons": _persons(record.get("payload")),
                # A national list's own columns, as the list published them.
                "own_columns": own_columns(record.get("payload")),
                "may_object": record["status"] == "active" and record["id"] not in open_objection,
                "court_list": record["kind"] == "black-list" and record["list_type"] in court,
                "may_repair": repairable
                and record["status"] == "active"
                and record["id"] not in open_repair,
                "objection": open_objection.get(record["id"]),
                "repair": open_repair.get(record["id"]),
            }
        )
    # The refused form is shown again on its record; when that record offers the form no more
    # (disputed meanwhile, say), the message goes at the top of the page instead.
    failed_inline = False
    if failed:
        offers = "may_object" if failed["form"] == "object" else "may_repair"
        failed_inline = any(row["id"] == failed["record"] and row[offers] for row in rows)
    return me_page(
        request,
        session,
        "me/record.html",
        {
            "failed_inline": failed_inline,
            "seen": seen,
            "records": rows,
            "doc_of": {r["id"]: r["document_number"] for r in seen["records"]},
            "failed": failed or {},
        },
        status=status,
    )


def _persons(payload: Any) -> list[dict[str, str]]:
    """Persons a list entry names (their numbers already masked by the service)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("persons"), list):
        return []
    return [
        {
            "name": str(p.get("name", "")),
            "role": str(p.get("role", "")),
            "id_number": str(p.get("id_number", "")),
        }
        for p in payload["persons"]
        if isinstance(p, dict)
    ]


@router.get("/me/record")
def record(request: Request) -> Response:
    session = require_subject(request)
    return _record_page(request, session)


def _refused(
    request: Request,
    session: SubjectSession,
    form_name: str,
    record_id: int,
    kept: Mapping[str, Any],
    exc: InvalidInputError | ConflictError | None = None,
    key: str | None = None,
) -> Response:
    message = {"key": key} if key else {"key": "me.error.service", "detail": str(exc)}
    return _record_page(
        request,
        session,
        failed={"form": form_name, "record": record_id, "message": message, "kept": kept},
        status=422,
    )


# -- objections --------------------------------------------------------------------------------


@router.post("/me/objections")
async def object_to(request: Request) -> Response:
    form = await request.form()
    session = await run_in_threadpool(require_subject, request)
    check_form(request, session, form)
    record_id = _record_id(form)
    reason = _field(form, "reason")
    kept = {"reason": reason}

    def work() -> Response:
        if not reason.strip():
            return _refused(
                request, session, "object", record_id, kept, key="me.error.reason_required"
            )
        try:
            opened = objections.open_objection(
                engine_of(request), record_id, reason=reason, by=session.principal
            )
        except (InvalidInputError, ConflictError) as exc:
            return _refused(request, session, "object", record_id, kept, exc)
        return redirect(f"{ME}/objections/{opened['id']}?done=me.objection_filed")

    return await run_in_threadpool(work)


@router.get("/me/objections/{objection_id}")
def objection(request: Request, objection_id: int) -> Response:
    session = require_subject(request)
    shown = objections.shown(engine_of(request), objection_id, by=session.principal)
    may = objections.QUEUE.actions_for(session.principal, shown)
    return me_page(
        request,
        session,
        "me/objection.html",
        {"item": _for_subject(shown), "may_withdraw": WITHDRAW in may},
    )


@router.post("/me/objections/{objection_id}/withdraw")
async def withdraw(request: Request, objection_id: int) -> Response:
    form = await request.form()
    session = await run_in_threadpool(require_subject, request)
    check_form(request, session, form)

    def work() -> None:
        engine = engine_of(request)
        # The service answers "forbidden" for an objection someone else opened; a subject must
        # learn nothing of others' items, so its own are looked up first (others: not found).
        objections.shown(engine, objection_id, by=session.principal)
        objections.withdraw(engine, objection_id, by=session.principal)

    await run_in_threadpool(work)
    return redirect(f"{ME}/objections/{objection_id}?done=me.objection_withdrawn")


# -- repairs -----------------------------------------------------------------------------------


@router.post("/me/repairs")
async def apply_for_repair(request: Request) -> Response:
    form = await request.form()
    session = await run_in_threadpool(require_subject, request)
    check_form(request, session, form)
    record_id = _record_id(form)
    commitment = _field(form, "commitment")
    evidence = _field(form, "evidence")
    obligations_met = _field(form, "obligations_met", 10) == "yes"
    kept = {"commitment": commitment, "evidence": evidence, "obligations_met": obligations_met}

    def work() -> Response:
        missing = (
            "me.error.commitment_required"
            if not commitment.strip()
            else "me.error.obligations_required"
            if not obligations_met
            else None
        )
        if missing:
            return _refused(request, session, "repair", record_id, kept, key=missing)
        try:
            applied = repairs.apply(
                engine_of(request),
                record_id,
                commitment=commitment,
                obligations_met=obligations_met,
                evidence=evidence,
                by=session.principal,
            )
        except (InvalidInputError, ConflictError) as exc:
            return _refused(request, session, "repair", record_id, kept, exc)
        return redirect(f"{ME}/repairs/{applied['id']}?done=me.repair_filed")

    return await run_in_threadpool(work)


@router.get("/me/repairs/{repair_id}")
def repair(request: Request, repair_id: int) -> Response:
    session = require_subject(request)
    shown = repairs.shown(engine_of(request), repair_id, by=session.principal)
    return me_page(request, session, "me/repair.html", {"item": _for_subject(shown)})


# -- documents of the subject's cases ---------------------------------------------------------

#: The self-service path of each kind of case the subject opens → its queue.
_QUEUES: dict[str, Queue] = {"objections": objections.QUEUE, "repairs": repairs.QUEUE}


@router.post("/me/{kinds}/{case_id}/attachments")
async def attach(request: Request, kinds: str, case_id: int) -> Response:
    """The subject's own evidence for its objection or repair application (payment vouchers,
    a revocation decision): a PDF, OFD, PNG or JPEG, kept unchanged with its SHA-256."""
    queue = _QUEUES.get(kinds)
    if queue is None:
        raise StarletteHTTPException(404)
    limit = get_settings().attachment_max_bytes
    form = await request.form(max_part_size=limit + 1)
    session = await run_in_threadpool(require_subject, request)
    check_form(request, session, form)
    upload = form.get("file")
    name, content = None, b""
    if isinstance(upload, UploadFile):
        name, content = upload.filename, await upload.read(limit + 1)

    def work() -> Response:
        engine = engine_of(request)
        problem: dict[str, Any] | None = None
        if not name:
            problem = {"key": "me.error.file_required"}
        else:
            try:
                queue.attach(engine, case_id, name=name, content=content, by=session.principal)
            except InvalidInputError as exc:
                problem = {"key": "me.error.service", "detail": str(exc)}
        if problem is None:
            return redirect(f"{ME}/{kinds}/{case_id}?done=me.attachment_added")
        shown = queue.shown(engine, case_id, by=session.principal)
        template = "me/objection.html" if kinds == "objections" else "me/repair.html"
        context: dict[str, Any] = {"item": _for_subject(shown), "attach_problem": problem}
        if kinds == "objections":
            context["may_withdraw"] = WITHDRAW in queue.actions_for(session.principal, shown)
        return me_page(request, session, template, context, status=422)

    return await run_in_threadpool(work)


@router.get("/me/{kinds}/{case_id}/attachments/{attachment_id}")
def document(request: Request, kinds: str, case_id: int, attachment_id: int) -> Response:
    queue = _QUEUES.get(kinds)
    if queue is None:
        raise StarletteHTTPException(404)
    session = require_subject(request)
    found, content = queue.attachment(
        engine_of(request), case_id, attachment_id, by=session.principal
    )
    return document_response(found, content)


__all__ = ["ME", "SUBJECT_COOKIE", "require_subject", "router", "subject_session"]
