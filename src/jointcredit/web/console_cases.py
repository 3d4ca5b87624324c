"""The console's case queues, for any kind of case: one list page and one detail page.

A :class:`Desk` says how the console shows one kind (objections, credit-repair applications,
reports): where it lives, which of its view's fields it shows, which form serves which of the
kind's steps and how each form is posted to its service (:class:`Post`). Everything else comes
from the kind (``workflows.casework.CaseKind``) and its queue (``services.casework.Queue``): the
tabs, the status and step labels (``jointcredit.choices``), how urgent each case is, and which
steps the signed-in member may take now. No page or handler here restates a status list or a
rule.

:func:`case_routes` puts a desk's pages on a router: ``console_queues`` does for objections and
repairs, ``console_tipoffs`` for reports, with the paths, form fields and redirects the console
has always had.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from jointcredit.access import Principal
from jointcredit.choices import ChoiceSet
from jointcredit.choices.cases import step_label
from jointcredit.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from jointcredit.services.casework import Queue
from jointcredit.services.staff import StaffSession
from jointcredit.settings import get_settings
from jointcredit.web.documents import document_response
from jointcredit.web.i18n import translator
from jointcredit.web.render import language, page_number, pages
from jointcredit.web.session import check_form, console_page, engine_of, redirect, require_staff
from jointcredit.workflows.casework import ALL, OVERDUE

PAGE_SIZE = 20
#: The most a note typed in the console may hold.
TEXT_MAX = 4000

#: How a fact is written: plain text, a code, a day (China time), a credit record's number, a
#: department's name, who opened the case, an outcome's label, a staff member, or the due day
#: with its badge (named after the time limit that runs).
Shape = Literal["text", "code", "date", "record", "department", "opener", "outcome", "actor", "due"]


@dataclass(frozen=True, slots=True)
class Fact:
    """One field of a case's view as the console shows it."""

    key: str
    #: The string key of its name.
    label: str
    shape: Shape = "text"
    #: Shown in the queue's rows too (else on the case's page only).
    listed: bool = False
    #: A long text, given the whole width.
    wide: bool = False
    #: Left out while empty.
    optional: bool = False


#: A step's form as it was posted: its fields' text by name.
Posted = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Post:
    """How a step's form is posted (``POST {case}/{name}``) and handed to its service."""

    name: str
    #: The service's call: ``act(engine, case_id, form, by)``.
    act: Callable[[Engine, int, Posted, Principal], object]
    #: The flash after it (a string key), or how the form chooses it.
    done: str | Callable[[Posted], str]
    #: The form's fields besides ``csrf`` and the note, each with its longest.
    fields: Mapping[str, int] = field(default_factory=dict)
    #: The form's field that holds the note, and the page's id beside which its problem goes.
    note: str = "note"
    error_at: str = "note"
    #: The message when the note is empty where one is required, or how the form chooses it.
    required: str | Callable[[Posted], str | None] | None = None
    #: The form's own problems before the service is asked (field id → words), if any.
    check: Callable[[Posted, Callable[..., str]], dict[str, str]] | None = None
    #: The permission to post it, when it is not the kind's handling one.
    permission: str | None = None


@dataclass(frozen=True, slots=True)
class StepForm:
    """A form of the case's page: its template (``console/case_forms/*.html``) and the steps it
    serves; it is offered when the member may take any of them now, and posted as ``post``
    says."""

    template: str
    actions: tuple[str, ...]
    post: Post
    #: The choices the form offers (outcomes, decisions, buttons), where it offers some.
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Desk:
    """How the console shows one kind of case."""

    queue: Queue
    #: The list's path; a case's page is ``{path}/{id}``.
    path: str
    #: String keys: ``{one}.name`` names a case ("异议 {id}"); ``{many}.title``, ``.intro``,
    #: ``.empty`` and ``.back`` the list.
    one: str
    many: str
    facts: tuple[Fact, ...]
    forms: tuple[StepForm, ...]
    #: The list's and the services' calls (the kind's service module's, which may add to the
    #: queue's view).
    listed: Callable[..., list[dict[str, Any]]]
    shown: Callable[..., dict[str, Any]]
    note: Callable[..., dict[str, Any]]
    #: The labels of ``outcome`` facts.
    outcomes: ChoiceSet | None = None
    #: The empty values of the forms' fields.
    blank: Mapping[str, str] = field(default_factory=dict)
    #: Templates the list adds: below each row (the reports' passphrase form), below the list
    #: (the objections' form to open one).
    row_after: str | None = None
    list_after: str | None = None
    #: A template the case's page adds below its facts (the reports' passphrase form).
    case_after: str | None = None
    #: The service's names of fields it refuses ("referred_to: ...") → the ids of the form's
    #: fields, so that its problem goes beside the field.
    fields: Mapping[str, str] = field(default_factory=dict)
    #: What the list's form holds at first (the objections' ``?record=``).
    list_values: Callable[[Request], Mapping[str, str]] | None = None
    #: What the case's page adds to its context (the choices its forms offer).
    extra: Callable[[Request, StaffSession], Mapping[str, Any]] | None = None

    @property
    def kind_name(self) -> str:
        return self.queue.kind.name

    def link(self, case_id: int, done: str | None = None) -> str:
        return f"{self.path}/{case_id}" + (f"?done={done}" if done else "")


# -- labels ----------------------------------------------------------------------------------


def labels(desk: Desk, lang: str) -> dict[str, Any]:
    """The desk, and what its templates name statuses, steps, tabs, outcomes and time limits
    with, from the vocabulary (``jointcredit.choices``)."""
    t = translator(lang)
    kind = desk.queue.kind
    statuses = kind.statuses.labels(lang)
    tabs = {**statuses, OVERDUE: t("queues.tab.overdue"), ALL: t("queues.tab.all")}

    def due_label(item: Mapping[str, Any]) -> str:
        """The time limit's name: "受理期限" while the limit that started on entering the
        status runs, else the case's "办理期限"."""
        setting = kind.limits.get(item["status"])
        if setting is None or not kind.is_open(item["status"]):
            return t("queues.field.due")
        return t("queues.field.due_step", step=t(f"queues.limit.{setting}"))

    def opened_by(item: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """Who opened the case: (actor, department), as the kind reads its view."""
        return kind.opener(item)

    return {
        "desk": desk,
        "opened_by": opened_by,
        "status_label": lambda value: statuses.get(value, value),
        "step_label": lambda value: step_label(kind.name, value, lang),
        "tab_label": lambda value: tabs.get(value, value),
        "outcome_label": lambda value: (
            desk.outcomes.label(value, lang) if desk.outcomes is not None and value else value
        ),
        "due_label": due_label,
    }


# -- the list --------------------------------------------------------------------------------


def listed(
    desk: Desk, request: Request, session: StaffSession, tab: str, number: int
) -> tuple[list[dict[str, Any]], bool]:
    """One page of the queue's ``tab`` (each case with its urgency), and whether more follow."""
    kind = desk.queue.kind
    status = tab if tab in kind.statuses else None
    items = desk.listed(
        engine_of(request),
        by=session.principal,
        limit=PAGE_SIZE + 1,
        offset=(number - 1) * PAGE_SIZE,
        status=status,
        overdue=tab == OVERDUE,
    )
    for item in items:
        item.update(desk.queue.time_left(item))
    return items[:PAGE_SIZE], len(items) > PAGE_SIZE


def list_page(
    desk: Desk,
    request: Request,
    session: StaffSession,
    *,
    tab: str | None = None,
    page: str | int | None = None,
    context: Mapping[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The queue: the kind's tabs, a page of cases of the chosen one, and what ``context`` adds
    (the objection list's form, the reports' problems)."""
    kind = desk.queue.kind
    chosen = kind.tab(tab)
    number = page_number(page)
    items, more = listed(desk, request, session, chosen, number)
    return console_page(
        request,
        session,
        "console/cases.html",
        {
            **labels(desk, language(request)),
            "items": items,
            "tab": chosen,
            "tabs": kind.tabs,
            **pages(request, number, more),
            "values": dict(desk.list_values(request)) if desk.list_values is not None else {},
            "errors": {},
            "problem": None,
            **(context or {}),
        },
        status=status,
    )


# -- one case --------------------------------------------------------------------------------


def hidden(found: Callable[[], dict[str, Any]], what: str) -> dict[str, Any]:
    """Another department's case is not found here (the service says it is not theirs)."""
    try:
        return found()
    except PermissionDeniedError as exc:
        raise NotFoundError(f"no {what}") from exc


def case_page(
    desk: Desk,
    request: Request,
    session: StaffSession,
    case_id: int,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    alert: str | None = None,
    context: Mapping[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """A case: its facts, its history, the forms of the steps the member may take now and a
    note form for the handling department's staff."""
    principal = session.principal
    kind = desk.queue.kind
    item = hidden(
        lambda: desk.shown(engine_of(request), case_id, by=principal),
        f"{kind.noun} {case_id}",
    )
    item.update(desk.queue.time_left(item))
    actions = desk.queue.actions_for(principal, item)
    forms = [f for f in desk.forms if set(f.actions) & set(actions)]
    return console_page(
        request,
        session,
        "console/case.html",
        {
            **labels(desk, language(request)),
            "item": item,
            "actions": actions,
            "forms": forms,
            "may_note": kind.may_note(principal, item),
            "may_attach": kind.may_attach(principal, item),
            "attachment_max": get_settings().attachment_max_bytes,
            "values": {**desk.blank, "case_note": "", **(values or {})},
            "errors": dict(errors or {}),
            "alert": alert,
            **(desk.extra(request, session) if desk.extra is not None else {}),
            **(context or {}),
        },
        status=status,
    )


# -- steps -----------------------------------------------------------------------------------


def note_problem(note: str, t: Callable[..., str], *, required: str | None) -> str | None:
    """What is wrong with a note (``required``: the message when it is empty), or None."""
    if required is not None and not note.strip():
        return t(required)
    if len(note) > TEXT_MAX:
        return t("queues.error.too_long", most=TEXT_MAX)
    return None


def step(
    desk: Desk,
    request: Request,
    session: StaffSession,
    case_id: int,
    act: Callable[[Engine, Principal], object],
    *,
    note: str,
    field: str,
    done: str,
    required: str | None = None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
) -> Response:
    """Take a step of a case's form. Its ``note`` is checked first (its problem at ``field``;
    ``required``: the message when it is empty), after the form's own ``errors``; when there
    are none, ``act(engine, by)`` (the service). Then to the case's page with the flash
    ``done``, or the page again with what was typed (``values``, the note at ``field``) and the
    refusal — beside its field when the input was invalid (422), as the page's alert when the
    case's state no longer allows the step (409)."""
    found = dict(errors or {})
    if problem := note_problem(note, translator(language(request)), required=required):
        found[field] = problem
    alert = None
    if not found:
        try:
            act(engine_of(request), session.principal)
        except InvalidInputError as exc:
            refused = str(exc)
            found[desk.fields.get(refused.split(":", 1)[0], field)] = refused
        except ConflictError as exc:
            alert = str(exc)
        except PermissionDeniedError:
            # Another department's case is not found, as its page is; one the member sees
            # but whose step is not theirs is forbidden.
            hidden(
                lambda: desk.shown(engine_of(request), case_id, by=session.principal),
                f"{desk.queue.kind.noun} {case_id}",
            )
            raise
        else:
            return redirect(desk.link(case_id, done))
    return case_page(
        desk,
        request,
        session,
        case_id,
        values={field: note, **(values or {})},
        errors=found,
        alert=alert,
        status=409 if alert else 422,
    )


def signed(
    desk: Desk, request: Request, csrf: str, permission: str | None = None
) -> tuple[StaffSession, Callable[..., str]]:
    """The member who posts a case's form (with ``permission``, by default the kind's handling
    one) and its form token checked; the words of the page's language."""
    session = require_staff(request, permission or desk.queue.kind.handler)
    check_form(request, session, {"csrf": csrf})
    return session, translator(language(request))


#: The longest a posted note and a form token may be.
NOTE_MAX, TOKEN_MAX = 20_000, 200


def _text(form: FormData, name: str, most: int) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    if len(value) > most:
        raise InvalidInputError(f"{name}: at most {most} characters")
    return value


def case_routes(router: APIRouter, desk: Desk, param: str) -> None:
    """The desk's pages on ``router``: ``GET {path}`` (the queue, ``?status=`` a tab,
    ``?page=``), ``GET {path}/{param}`` (a case), and ``POST {path}/{param}/{name}`` for each
    of its forms' steps and for the note form. ``param`` names the case's id in the path, as the
    console has always named it."""
    kind = desk.queue.kind

    def queue_page(
        request: Request, status: str | None = None, page: str | None = None
    ) -> Response:
        session = require_staff(request, kind.read)
        return list_page(desk, request, session, tab=status, page=page)

    def one_case(request: Request, case_id: int) -> Response:
        session = require_staff(request, kind.read)
        return case_page(desk, request, session, case_id)

    case = f"{desk.path}/{{{param}}}"
    router.add_api_route(desk.path, queue_page, methods=["GET"], name=f"{kind.name}-queue")
    router.add_api_route(case, _with_id(one_case, param), methods=["GET"], name=f"{kind.name}")
    # The note form of every kind: a working note in the history, its status unchanged.
    note = Post(
        "note",
        lambda engine, case_id, form, by: desk.note(engine, case_id, note=form["note"], by=by),
        done="queues.note.added",
        error_at="case_note",
        required="queues.error.case_note",
    )
    router.add_api_route(
        f"{case}/attachments",
        _with_id(_attacher(desk), param),
        methods=["POST"],
        name=f"{kind.name}-attach",
    )
    router.add_api_route(
        f"{case}/attachments/{{attachment_id}}",
        _with_id(_document(desk), param),
        methods=["GET"],
        name=f"{kind.name}-attachment",
    )
    for post in (*(f.post for f in desk.forms), note):
        router.add_api_route(
            f"{case}/{post.name}",
            _with_id(_poster(desk, post), param),
            methods=["POST"],
            name=f"{kind.name}-{post.name}",
        )


def _with_id(handler: Callable[..., Any], param: str) -> Callable[..., Any]:
    """``handler`` with its ``case_id`` read from the path's ``param``. (This module's
    annotations are strings resolved in its globals: the one naming ``param`` is an object.)"""
    handler.__annotations__["case_id"] = Annotated[int, Path(alias=param)]
    return handler


def _attacher(desk: Desk) -> Callable[..., Any]:
    """The handler of the documents form: one file, attached through the kind's queue."""
    queue = desk.queue

    async def attach(request: Request, case_id: int) -> Response:
        limit = get_settings().attachment_max_bytes
        raw = await request.form(max_part_size=limit + 1)
        csrf = raw.get("csrf")
        upload = raw.get("file")
        name, content = None, b""
        if isinstance(upload, UploadFile):
            name = upload.filename
            content = await upload.read(limit + 1)

        def work() -> Response:
            session = require_staff(request, queue.kind.read)
            check_form(request, session, {"csrf": csrf if isinstance(csrf, str) else ""})
            t = translator(language(request))
            if not name:
                errors = {"attachment": t("queues.error.attachment")}
                return case_page(desk, request, session, case_id, errors=errors, status=422)
            try:
                queue.attach(
                    engine_of(request), case_id, name=name, content=content, by=session.principal
                )
            except InvalidInputError as exc:
                return case_page(
                    desk, request, session, case_id, errors={"attachment": str(exc)}, status=422
                )
            except PermissionDeniedError:
                hidden(
                    lambda: desk.shown(engine_of(request), case_id, by=session.principal),
                    f"{queue.kind.noun} {case_id}",
                )
                raise
            return redirect(desk.link(case_id, "queues.attachments.added"))

        return await run_in_threadpool(work)

    return attach


def _document(desk: Desk) -> Callable[..., Any]:
    """One document of the case, for whoever may read it (another department's: not found)."""
    queue = desk.queue

    def document(request: Request, case_id: int, attachment_id: int) -> Response:
        session = require_staff(request, queue.kind.read)
        try:
            found, content = queue.attachment(
                engine_of(request), case_id, attachment_id, by=session.principal
            )
        except PermissionDeniedError as exc:
            raise NotFoundError(f"no {queue.kind.noun} {case_id}") from exc
        return document_response(found, content)

    return document


def _poster(desk: Desk, post: Post) -> Callable[..., Any]:
    """The handler of ``post``'s form: the member and its form token checked, the form's own
    problems, then the step (:func:`step`)."""

    async def posted(request: Request, case_id: int) -> Response:
        raw = await request.form()
        form = {
            name: _text(raw, name, most)
            for name, most in {"csrf": TOKEN_MAX, post.note: NOTE_MAX, **post.fields}.items()
        }

        def work() -> Response:
            session, t = signed(desk, request, form["csrf"], post.permission)
            note = form[post.note]
            return step(
                desk,
                request,
                session,
                case_id,
                lambda engine, by: post.act(engine, case_id, form, by),
                note=note,
                field=post.error_at,
                done=post.done(form) if callable(post.done) else post.done,
                required=post.required(form) if callable(post.required) else post.required,
                errors=post.check(form, t) if post.check is not None else None,
                values={name: form[name] for name in post.fields},
            )

        return await run_in_threadpool(work)

    return posted


__all__ = [
    "Desk",
    "Fact",
    "Post",
    "StepForm",
    "case_page",
    "case_routes",
    "hidden",
    "labels",
    "list_page",
    "listed",
    "note_problem",
    "signed",
    "step",
]
