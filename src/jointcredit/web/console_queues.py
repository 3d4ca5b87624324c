"""The console's queues: what was pushed to the department and its feedback (``/console/pushed``),
objections (``/console/objections``) and credit-repair applications (``/console/repairs``).

Objections and repairs are cases: their pages and step forms are ``console_cases``'s, for their
kind's desk (:data:`OBJECTIONS`, :data:`REPAIRS`); here are the desks and the form that opens an
objection from the queue.

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
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from jointcredit.choices.cases import CASE_STEPS, OBJECTION_OUTCOMES
from jointcredit.clock import today as china_today
from jointcredit.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from jointcredit.services import feedback, objections, repairs
from jointcredit.services.staff import StaffSession
from jointcredit.web.console_cases import (
    TEXT_MAX,
    Desk,
    Fact,
    Post,
    StepForm,
    case_routes,
    list_page,
    note_problem,
    signed,
)
from jointcredit.web.i18n import translator
from jointcredit.web.render import catalog_name, language, page_number, pages
from jointcredit.web.session import check_form, console_page, engine_of, redirect, require_staff
from jointcredit.workflows.objection import OUTCOMES

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
#: Fields of the feedback form, in the order the form shows them.
FEEDBACK_FIELDS = ("measure", "applied", "matter", "acted_on", "case_reference", "reason")
#: The steps whose forms are read here (checked against the vocabulary at import).
ACCEPT, REFUSE, APPROVE, REJECT, WITHDRAW = CASE_STEPS.subset(
    "accept", "refuse", "approve", "reject", "withdraw"
)


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
    if len(reason) > TEXT_MAX:
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


def _open_form(request: Request) -> dict[str, str]:
    """The form to open an objection, empty or with ``?record=``'s number."""
    record = request.query_params.get("record", "")
    return {"record_id": record if record.isdigit() else "", "reason": ""}


OBJECTIONS = Desk(
    queue=objections.QUEUE,
    path="/console/objections",
    one="queues.objection",
    many="queues.objections",
    facts=(
        Fact("subject", "queues.field.subject", "code", listed=True),
        Fact("record_id", "queues.field.record", "record", listed=True),
        Fact("department", "queues.field.verifier", "department"),
        Fact("opened_by", "queues.field.opened_by", "opener"),
        Fact("created_at", "queues.field.opened", "date", listed=True),
        Fact("due", "queues.field.due", "due", listed=True),
        Fact("reason", "queues.field.objection_reason", wide=True),
        Fact("note", "queues.field.note", wide=True, optional=True),
    ),
    forms=(
        StepForm(
            "console/case_forms/objection_resolve.html",
            tuple(OUTCOMES.values()),
            Post(
                "resolve",
                lambda engine, case_id, form, by: objections.resolve(
                    engine, case_id, outcome=form["outcome"], note=form["note"], by=by
                ),
                done="queues.objection.resolved",
                fields={"outcome": 40},
                required="queues.error.note",
                check=lambda form, t: (
                    {}
                    if form["outcome"] in OBJECTION_OUTCOMES
                    else {"outcome": t("queues.objection.error.outcome")}
                ),
            ),
            OBJECTION_OUTCOMES.values,
        ),
        StepForm(
            "console/case_forms/objection_withdraw.html",
            (WITHDRAW,),
            Post(
                "withdraw",
                lambda engine, case_id, form, by: objections.withdraw(
                    engine, case_id, by=by, note=form["note"]
                ),
                done="queues.objection.withdrawn",
                error_at="withdraw_note",
                permission="open-objection",
            ),
        ),
    ),
    listed=objections.listed,
    shown=objections.shown,
    note=objections.QUEUE.note,
    outcomes=OBJECTION_OUTCOMES,
    blank={"outcome": "", "note": "", "withdraw_note": ""},
    list_after="console/case_forms/objection_open.html",
    list_values=_open_form,
)


case_routes(router, OBJECTIONS, "objection_id")


@router.post("/console/objections")
def objection_open(
    request: Request,
    csrf: Annotated[str, Form(max_length=200)] = "",
    record_id: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    session, t = signed(OBJECTIONS, request, csrf, "open-objection")
    values = {"record_id": record_id, "reason": reason}
    errors: dict[str, str] = {}
    number = record_id.strip()
    if not number.isdigit() or int(number) < 1 or len(number) > 18:
        errors["record_id"] = t("queues.objection.error.record_id")
    if problem := note_problem(reason, t, required="queues.objection.error.reason"):
        errors["objection_reason"] = problem
    if not errors:
        try:
            opened = objections.open_objection(
                engine_of(request), int(number), reason=reason, by=session.principal
            )
        except NotFoundError:
            errors["record_id"] = t("queues.objection.error.no_record", record=number)
        except ConflictError as exc:
            errors["record_id"] = t("queues.objection.error.conflict", detail=str(exc))
        except InvalidInputError as exc:
            errors["objection_reason"] = str(exc)
        else:
            return redirect(OBJECTIONS.link(opened["id"], "queues.objection.opened"))
    return list_page(
        OBJECTIONS,
        request,
        session,
        context={"values": values, "errors": errors},
        status=422,
    )


# -- credit repair ---------------------------------------------------------------------------

REPAIRS = Desk(
    queue=repairs.QUEUE,
    path="/console/repairs",
    one="queues.repair",
    many="queues.repairs",
    facts=(
        Fact("subject", "queues.field.subject", "code", listed=True),
        Fact("record_id", "queues.field.record", "record", listed=True),
        Fact("department", "queues.field.decider", "department"),
        Fact("created_at", "queues.field.applied_on", "date", listed=True),
        Fact("due", "queues.field.due", "due", listed=True),
        Fact("commitment", "queues.field.commitment", wide=True),
        Fact("evidence", "queues.field.evidence", wide=True, optional=True),
        Fact("note", "queues.field.note", wide=True, optional=True),
    ),
    forms=(
        # One form, two buttons (``step``): accept, or refuse with reasons.
        StepForm(
            "console/case_forms/repair_accept.html",
            (ACCEPT, REFUSE),
            Post(
                "accept",
                lambda engine, case_id, form, by: repairs.accept(
                    engine,
                    case_id,
                    by=by,
                    refuse=form["step"] == REFUSE,
                    note=form["accept_note"],
                ),
                done=lambda form: (
                    "queues.repair.refused" if form["step"] == REFUSE else "queues.repair.accepted"
                ),
                fields={"step": 20},
                note="accept_note",
                error_at="accept_note",
                required=lambda form: (
                    "queues.repair.error.refuse_note" if form["step"] == REFUSE else None
                ),
            ),
            (ACCEPT, REFUSE),
        ),
        # Offered while the application may be accepted too: the service accepts an
        # application it decides before its acceptance.
        StepForm(
            "console/case_forms/repair_decide.html",
            (APPROVE, REJECT, ACCEPT),
            Post(
                "decide",
                lambda engine, case_id, form, by: repairs.decide(
                    engine, case_id, approve=form["decision"] == APPROVE, note=form["note"], by=by
                ),
                done="queues.repair.decided",
                fields={"decision": 20},
                required="queues.error.note",
                check=lambda form, t: (
                    {}
                    if form["decision"] in (APPROVE, REJECT)
                    else {"decision": t("queues.repair.error.decision")}
                ),
            ),
            (APPROVE, REJECT),
        ),
    ),
    listed=repairs.listed,
    shown=repairs.shown,
    note=repairs.QUEUE.note,
    blank={"accept_note": "", "decision": "", "note": ""},
)


case_routes(router, REPAIRS, "repair_id")


__all__ = ["OBJECTIONS", "REPAIRS", "router"]
