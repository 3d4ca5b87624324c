"""The console's queues: what was pushed to the department and its feedback (``/console/pushed``),
objections (``/console/objections``) and credit-repair applications (``/console/repairs``).

Every page acts through the same services as the API, as the signed-in member: they check the
permissions, compute the working-day deadlines (``due``, ``days_left``, ``urgency``) and write
the audit log. A form that fails comes back (422) with each problem next to its field and
everything typed kept; one that succeeds redirects (303) to a page with a flash. Another
department's item is answered as not found, never as "forbidden": the console does not tell
which items exist elsewhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from jointcredit.access import allowed
from jointcredit.clock import today as china_today
from jointcredit.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from jointcredit.services import feedback, objections, repairs
from jointcredit.services.staff import StaffSession
from jointcredit.web.i18n import translator
from jointcredit.web.render import catalog_name, language, page_number, pages
from jointcredit.web.session import check_form, console_page, engine_of, redirect, require_staff

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
#: Tabs of the objection queue, open first; ``all`` and ``overdue`` are not statuses.
OBJECTION_TABS = ("open", "overdue", "upheld", "rejected", "withdrawn", "all")
#: Tabs of the repair queue: waiting for acceptance, then for the decision, then closed.
REPAIR_TABS = ("applied", "accepted", "overdue", "approved", "rejected", "all")
#: Fields of the feedback form, in the order the form shows them.
FEEDBACK_FIELDS = ("measure", "applied", "matter", "acted_on", "case_reference", "reason")
_TEXT_MAX = 4000


# -- shared helpers --------------------------------------------------------------------------


def _catalog() -> Any:
    from jointcredit.catalog import load_catalog

    return load_catalog()


def _labels(lang: str) -> dict[str, Callable[[Any], str]]:
    """Names of the catalog's list types, measures and matters in ``lang`` (the code when the
    catalog does not know it)."""
    catalog = _catalog()
    en = lang == "en"

    def measure(code: Any) -> str:
        found = catalog.measures.get(code or "")
        if found is None:
            return str(code or "")
        text = (found.text_en if en else found.text_zh) or found.text_zh or found.text_en
        return str(text or code)

    return {
        "list_type_label": catalog_name(lang, "list_types"),
        "measure_label": measure,
        "matter_label": catalog_name(lang, "matters"),
    }


def _page(
    request: Request,
    session: StaffSession,
    template: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
) -> Response:
    lang = language(request)
    return console_page(
        request,
        session,
        template,
        {**_labels(lang), **context},
        status=status,
    )


def _hidden(found: Callable[[], dict[str, Any]], what: str) -> dict[str, Any]:
    """Another department's item is not found here (the service says it is not theirs)."""
    try:
        return found()
    except PermissionDeniedError as exc:
        raise NotFoundError(f"no {what}") from exc


def _problem(exc: Exception) -> str:
    return str(exc)


def _note_problem(note: str, t: Callable[..., str], *, required: str | None) -> str | None:
    """What is wrong with a note (``required``: the message when it is empty), or None."""
    if required is not None and not note.strip():
        return t(required)
    if len(note) > _TEXT_MAX:
        return t("queues.error.too_long", most=_TEXT_MAX)
    return None


def _step(
    act: Callable[[], object],
    errors: dict[str, str],
    *,
    field: str,
    done: str,
    again: Callable[..., Response],
) -> Response:
    """Take a step of an item's form: when the form has no errors, ``act`` (the service);
    then to ``done``, or the item's page ``again`` with the service's refusal — at ``field``
    when the input was invalid (422), as the page's alert when the item's state no longer
    allows the step (409)."""
    alert = None
    if not errors:
        try:
            act()
        except InvalidInputError as exc:
            errors[field] = _problem(exc)
        except ConflictError as exc:
            alert = _problem(exc)
        else:
            return redirect(done)
    return again(errors=errors, alert=alert, status=409 if alert else 422)


# -- pushed entries and feedback -------------------------------------------------------------


@router.get("/console/pushed")
def pushed_list(request: Request, page: str | None = None) -> Response:
    session = require_staff(request, "read-feed")
    number = page_number(page)
    items = feedback.pushed(
        engine_of(request),
        by=session.principal,
        limit=PAGE_SIZE + 1,
        offset=(number - 1) * PAGE_SIZE,
    )
    more = len(items) > PAGE_SIZE
    return _page(
        request,
        session,
        "console/pushed.html",
        {"items": items[:PAGE_SIZE], **pages(request, number, more)},
    )


def _measure_choices(item: Mapping[str, Any], day: dt.date) -> list[str]:
    """The measures a department reports on for a message: those the message names, else every
    measure of the entry's list type."""
    named = [m["id"] for m in item["measures"] if m.get("id")]
    if named:
        return named
    if not item["list_type"]:
        return []
    return [m.id for m in _catalog().measures_for_list_type(item["list_type"], day)]


def _matter_choices(measures: list[str]) -> tuple[list[str], list[str]]:
    """The matters of the offered measures first, then the catalog's other matters."""
    catalog = _catalog()
    first: list[str] = []
    for code in measures:
        measure = catalog.measures.get(code)
        for matter in measure.matters if measure is not None else ():
            if matter not in first and matter in catalog.matters:
                first.append(matter)
    rest = [m for m in catalog.matters if m not in first]
    return first, rest


def _pushed_page(
    request: Request,
    session: StaffSession,
    message_id: int,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    alert: str | None = None,
    status: int = 200,
) -> Response:
    item = feedback.pushed_item(engine_of(request), message_id, by=session.principal)
    today = china_today()
    measures = _measure_choices(item, today)
    related, other = _matter_choices(measures)
    shown = {
        "measure": measures[0] if len(measures) == 1 else "",
        "applied": "",
        "matter": "",
        "acted_on": today.isoformat(),
        "case_reference": "",
        "reason": "",
        **(values or {}),
    }
    return _page(
        request,
        session,
        "console/pushed_item.html",
        {
            "item": item,
            "measures": measures,
            "related_matters": related,
            "other_matters": other,
            "values": shown,
            "errors": dict(errors or {}),
            "alert": alert,
            "today": today.isoformat(),
        },
        status=status,
    )


@router.get("/console/pushed/{message_id}")
def pushed_item(request: Request, message_id: int) -> Response:
    session = require_staff(request, "read-feed")
    return _pushed_page(request, session, message_id)


def _feedback_errors(exc: InvalidInputError, lang: str, t: Callable[..., str]) -> dict[str, str]:
    """Each problem next to its field: in Chinese the field's own message, in English the
    service's words."""
    out: dict[str, str] = {}
    for problem in exc.problems or []:
        field = str(problem.get("field", ""))
        if field not in FEEDBACK_FIELDS:
            field = "form"
        text = str(problem.get("error", ""))
        if lang != "en" and field != "form":
            text = t(f"queues.feedback.error.{field}")
        out.setdefault(field, text)
    if not out:
        out["form"] = str(exc)
    return out


@router.post("/console/pushed/{message_id}/feedback")
def pushed_feedback(
    request: Request,
    message_id: int,
    csrf: Annotated[str, Form(max_length=200)] = "",
    measure: Annotated[str, Form(max_length=200)] = "",
    applied: Annotated[str, Form(max_length=20)] = "",
    matter: Annotated[str, Form(max_length=200)] = "",
    acted_on: Annotated[str, Form(max_length=40)] = "",
    case_reference: Annotated[str, Form(max_length=1000)] = "",
    reason: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    session = require_staff(request, "feedback")
    check_form(request, session, {"csrf": csrf})
    lang = language(request)
    t = translator(lang)
    values = {
        "measure": measure,
        "applied": applied,
        "matter": matter,
        "acted_on": acted_on,
        "case_reference": case_reference,
        "reason": reason,
    }
    errors: dict[str, str] = {}
    if applied not in ("yes", "no"):
        errors["applied"] = t("queues.feedback.error.applied")
    if not measure:
        errors["measure"] = t("queues.feedback.error.measure")
    if not matter:
        errors["matter"] = t("queues.feedback.error.matter")
    day: dt.date | None = None
    if acted_on.strip():
        try:
            day = dt.date.fromisoformat(acted_on.strip())
        except ValueError:
            errors["acted_on"] = t("queues.feedback.error.acted_on")
    if applied == "no" and not reason.strip():
        errors["reason"] = t("queues.feedback.error.reason")
    if len(reason) > _TEXT_MAX:
        errors["reason"] = t("queues.feedback.error.reason")
    if errors:
        return _pushed_page(request, session, message_id, values=values, errors=errors, status=422)
    try:
        feedback.submit(
            engine_of(request),
            feedback.FeedbackIn(
                department=session.department,
                measure=measure,
                applied=applied == "yes",
                matter=matter,
                message_id=message_id,
                case_reference=case_reference or None,
                acted_on=day,
                reason=reason or None,
            ),
            by=session.principal,
        )
    except InvalidInputError as exc:
        return _pushed_page(
            request,
            session,
            message_id,
            values=values,
            errors=_feedback_errors(exc, lang, t),
            status=422,
        )
    except PermissionDeniedError as exc:
        # A message sent to another department: not one of ours.
        raise NotFoundError(f"no message {message_id}") from exc
    return redirect(f"/console/pushed/{message_id}?done=queues.feedback.saved")


# -- objections ------------------------------------------------------------------------------


def _tab(value: str | None, tabs: tuple[str, ...]) -> str:
    return value if value in tabs else tabs[0]


def _listed(
    listing: Callable[..., list[dict[str, Any]]],
    request: Request,
    session: StaffSession,
    tab: str,
    number: int,
) -> tuple[list[dict[str, Any]], bool]:
    status = None if tab in ("all", "overdue") else tab
    items = listing(
        engine_of(request),
        by=session.principal,
        limit=PAGE_SIZE + 1,
        offset=(number - 1) * PAGE_SIZE,
        status=status,
        overdue=tab == "overdue",
    )
    return items[:PAGE_SIZE], len(items) > PAGE_SIZE


def _objections_page(
    request: Request,
    session: StaffSession,
    *,
    status_: str | None = None,
    page: str | None = None,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    tab = _tab(status_, OBJECTION_TABS)
    number = page_number(page)
    items, more = _listed(objections.listed, request, session, tab, number)
    for item in items:
        item.update(objections.QUEUE.time_left(item))
    record = request.query_params.get("record", "")
    return _page(
        request,
        session,
        "console/objections.html",
        {
            "items": items,
            "tab": tab,
            "tabs": OBJECTION_TABS,
            "values": {"record_id": record if record.isdigit() else "", "reason": ""}
            | dict(values or {}),
            "errors": dict(errors or {}),
            **pages(request, number, more),
        },
        status=status,
    )


@router.get("/console/objections")
def objection_list(
    request: Request, status: str | None = None, page: str | None = None
) -> Response:
    session = require_staff(request, "read-objections")
    return _objections_page(request, session, status_=status, page=page)


@router.post("/console/objections")
def objection_open(
    request: Request,
    csrf: Annotated[str, Form(max_length=200)] = "",
    record_id: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    session = require_staff(request, "open-objection")
    check_form(request, session, {"csrf": csrf})
    t = translator(language(request))
    values = {"record_id": record_id, "reason": reason}
    errors: dict[str, str] = {}
    number = record_id.strip()
    if not number.isdigit() or int(number) < 1 or len(number) > 18:
        errors["record_id"] = t("queues.objection.error.record_id")
    if problem := _note_problem(reason, t, required="queues.objection.error.reason"):
        errors["objection_reason"] = problem
    if not errors:
        try:
            opened = objections.open_objection(
                engine_of(request), int(number), reason=reason, by=session.principal
            )
        except NotFoundError:
            errors["record_id"] = t("queues.objection.error.no_record", record=number)
        except ConflictError as exc:
            errors["record_id"] = t("queues.objection.error.conflict", detail=_problem(exc))
        except InvalidInputError as exc:
            errors["objection_reason"] = _problem(exc)
        else:
            return redirect(f"/console/objections/{opened['id']}?done=queues.objection.opened")
    return _objections_page(request, session, values=values, errors=errors, status=422)


def _objection_page(
    request: Request,
    session: StaffSession,
    objection_id: int,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    alert: str | None = None,
    status: int = 200,
) -> Response:
    principal = session.principal
    item = _hidden(
        lambda: objections.shown(engine_of(request), objection_id, by=principal),
        f"objection {objection_id}",
    )
    item.update(objections.QUEUE.time_left(item))
    is_open = item["status"] == "open"
    may_resolve = (
        is_open
        and item["department"] is not None
        and allowed(principal, "resolve-objection", item["department"])
    )
    may_withdraw = (
        is_open
        and allowed(principal, "open-objection")
        and (
            item["opened_by"] == principal.actor
            or (
                item["opened_by_department"] is not None
                and item["opened_by_department"] == principal.department
            )
        )
    )
    return _page(
        request,
        session,
        "console/objection.html",
        {
            "item": item,
            "may_resolve": may_resolve,
            "may_withdraw": may_withdraw,
            "values": {"outcome": "", "note": "", "withdraw_note": ""} | dict(values or {}),
            "errors": dict(errors or {}),
            "alert": alert,
        },
        status=status,
    )


@router.get("/console/objections/{objection_id}")
def objection_detail(request: Request, objection_id: int) -> Response:
    session = require_staff(request, "read-objections")
    return _objection_page(request, session, objection_id)


@router.post("/console/objections/{objection_id}/resolve")
def objection_resolve(
    request: Request,
    objection_id: int,
    csrf: Annotated[str, Form(max_length=200)] = "",
    outcome: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    session = require_staff(request, "resolve-objection")
    check_form(request, session, {"csrf": csrf})
    t = translator(language(request))
    errors: dict[str, str] = {}
    if outcome not in ("upheld", "rejected"):
        errors["outcome"] = t("queues.objection.error.outcome")
    if problem := _note_problem(note, t, required="queues.error.note"):
        errors["note"] = problem
    return _step(
        lambda: objections.resolve(
            engine_of(request), objection_id, outcome=outcome, note=note, by=session.principal
        ),
        errors,
        field="note",
        done=f"/console/objections/{objection_id}?done=queues.objection.resolved",
        again=partial(
            _objection_page,
            request,
            session,
            objection_id,
            values={"outcome": outcome, "note": note},
        ),
    )


@router.post("/console/objections/{objection_id}/withdraw")
def objection_withdraw(
    request: Request,
    objection_id: int,
    csrf: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    session = require_staff(request, "open-objection")
    check_form(request, session, {"csrf": csrf})
    t = translator(language(request))
    if problem := _note_problem(note, t, required=None):
        return _objection_page(
            request,
            session,
            objection_id,
            values={"withdraw_note": note},
            errors={"withdraw_note": problem},
            status=422,
        )
    try:
        objections.withdraw(engine_of(request), objection_id, by=session.principal, note=note)
    except ConflictError as exc:
        return _objection_page(
            request,
            session,
            objection_id,
            values={"withdraw_note": note},
            alert=_problem(exc),
            status=409,
        )
    return redirect(f"/console/objections/{objection_id}?done=queues.objection.withdrawn")


# -- credit repair ---------------------------------------------------------------------------


@router.get("/console/repairs")
def repair_list(request: Request, status: str | None = None, page: str | None = None) -> Response:
    session = require_staff(request, "read-repairs")
    tab = _tab(status, REPAIR_TABS)
    number = page_number(page)
    items, more = _listed(repairs.listed, request, session, tab, number)
    for item in items:
        item.update(repairs.QUEUE.time_left(item))
    return _page(
        request,
        session,
        "console/repairs.html",
        {"items": items, "tab": tab, "tabs": REPAIR_TABS, **pages(request, number, more)},
    )


def _repair_page(
    request: Request,
    session: StaffSession,
    repair_id: int,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    alert: str | None = None,
    status: int = 200,
) -> Response:
    principal = session.principal
    item = _hidden(
        lambda: repairs.shown(engine_of(request), repair_id, by=principal),
        f"repair application {repair_id}",
    )
    item.update(repairs.QUEUE.time_left(item))
    may_decide = (
        item["status"] in ("applied", "accepted")
        and item["department"] is not None
        and allowed(principal, "decide-repair", item["department"])
    )
    return _page(
        request,
        session,
        "console/repair.html",
        {
            "item": item,
            "may_decide": may_decide,
            "values": {"accept_note": "", "decision": "", "note": ""} | dict(values or {}),
            "errors": dict(errors or {}),
            "alert": alert,
        },
        status=status,
    )


@router.get("/console/repairs/{repair_id}")
def repair_detail(request: Request, repair_id: int) -> Response:
    session = require_staff(request, "read-repairs")
    return _repair_page(request, session, repair_id)


@router.post("/console/repairs/{repair_id}/accept")
def repair_accept(
    request: Request,
    repair_id: int,
    csrf: Annotated[str, Form(max_length=200)] = "",
    step: Annotated[str, Form(max_length=20)] = "accept",
    accept_note: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    session = require_staff(request, "decide-repair")
    check_form(request, session, {"csrf": csrf})
    t = translator(language(request))
    refuse = step == "refuse"
    errors: dict[str, str] = {}
    required = "queues.repair.error.refuse_note" if refuse else None
    if problem := _note_problem(accept_note, t, required=required):
        errors["accept_note"] = problem
    done = "queues.repair.refused" if refuse else "queues.repair.accepted"
    return _step(
        lambda: repairs.accept(
            engine_of(request), repair_id, by=session.principal, refuse=refuse, note=accept_note
        ),
        errors,
        field="accept_note",
        done=f"/console/repairs/{repair_id}?done={done}",
        again=partial(
            _repair_page, request, session, repair_id, values={"accept_note": accept_note}
        ),
    )


@router.post("/console/repairs/{repair_id}/decide")
def repair_decide(
    request: Request,
    repair_id: int,
    csrf: Annotated[str, Form(max_length=200)] = "",
    decision: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    session = require_staff(request, "decide-repair")
    check_form(request, session, {"csrf": csrf})
    t = translator(language(request))
    errors: dict[str, str] = {}
    if decision not in ("approve", "reject"):
        errors["decision"] = t("queues.repair.error.decision")
    if problem := _note_problem(note, t, required="queues.error.note"):
        errors["note"] = problem
    return _step(
        lambda: repairs.decide(
            engine_of(request),
            repair_id,
            approve=decision == "approve",
            note=note,
            by=session.principal,
        ),
        errors,
        field="note",
        done=f"/console/repairs/{repair_id}?done=queues.repair.decided",
        again=partial(
            _repair_page,
            request,
            session,
            repair_id,
            values={"decision": decision, "note": note},
        ),
    )


__all__ = ["router"]
