"""Enforcement feedback (执行反馈, 33号 §15): implementing departments report what they did with
an entry pushed to them or with a check they made — measure applied or not, in which matter,
under which case reference, on which day, and why not.

Feedback refers to a pushed message (``message_id``: a message sent to the department), to a
list entry (``record_id``), or to a check (``audit_id``: the audit row of a check the department
made, ``receipt.audit_entry`` of the check's answer); at least one. Feedback is due for every
message announcing a listing or a change (:data:`~jointcredit.rules.feedback.DUE_EVENTS`), by
the configured rule (:mod:`jointcredit.rules.feedback`); it is met by any feedback from the
receiving department on that message, or on the same entry after the message. Missing and past
its due day, it is overdue.

Every submission and every read is recorded in the audit log: feedback names subjects and
departments' cases, which is not public.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, RowMapping

from jointcredit.access import OVERSEERS, Principal, require
from jointcredit.clock import CHINA, china_day
from jointcredit.clock import now as clock_now
from jointcredit.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from jointcredit.rules import feedback as rules
from jointcredit.rules.workdays import urgency, workdays_between
from jointcredit.services import audit
from jointcredit.settings import get_settings
from jointcredit.store import feedback as store
from jointcredit.store.db import write_transaction

LIST_KINDS = ("red-list", "black-list")
_CASE_REFERENCE_MAX = 200
#: Characters no database stores: U+0000 (PostgreSQL refuses it) and lone surrogates.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_CODE_MAX = 64
_REASON_MAX = 4000


@dataclass(frozen=True, slots=True)
class FeedbackIn:
    """What a department reports; ``acted_on`` defaults to today (in China)."""

    department: str
    measure: str
    applied: bool
    matter: str
    message_id: int | None = None
    record_id: int | None = None
    audit_id: int | None = None
    case_reference: str | None = None
    acted_on: dt.date | None = None
    reason: str | None = None


def _catalog() -> Any:
    from jointcredit.catalog import load_catalog

    return load_catalog()


def _invalid(problems: list[tuple[str, str]]) -> InvalidInputError:
    listed = "; ".join(f"{field}: {reason}" for field, reason in problems)
    return InvalidInputError(
        f"the feedback is invalid: {listed}",
        problems=[{"field": field, "error": reason} for field, reason in problems],
    )


def _text_problems(body: FeedbackIn) -> list[tuple[str, str]]:
    problems = []
    for name, value, most in (
        ("department", body.department, _CODE_MAX),
        ("measure", body.measure, _CODE_MAX),
        ("matter", body.matter, _CODE_MAX),
        ("case_reference", body.case_reference, _CASE_REFERENCE_MAX),
        ("reason", body.reason, _REASON_MAX),
    ):
        if value is None:
            continue
        if _UNSTORABLE.search(value):
            problems.append(
                (name, "contains U+0000 or an unpaired surrogate, which cannot be stored")
            )
        elif len(value) > most:
            problems.append((name, f"longer than {most} characters"))
    return problems


def _view(row: RowMapping | dict[str, Any]) -> dict[str, Any]:
    created = row["created_at"]
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    return {
        "id": row["id"],
        "department": row["department"],
        "message_id": row["message_id"],
        "record_id": row["record_id"],
        "audit_id": row["audit_id"],
        "subject": row["subject"],
        "measure": row["measure"],
        "applied": bool(row["applied"]),
        "matter": row["matter"],
        "case_reference": row["case_reference"],
        "acted_on": row["acted_on"].isoformat(),
        "reason": row["reason"],
        "submitted_by": row["submitted_by"],
        "created_at": created.isoformat(),
    }


def submit(
    engine: Engine,
    body: FeedbackIn,
    *,
    by: Principal,
    now: dt.datetime | None = None,
    catalog: Any = None,
) -> dict[str, Any]:
    """Record one department's feedback after checking every field; returns it as stored.

    A message sent to another department, or a check made by another one, is refused (403):
    a department reports only on what it received or did itself.
    """
    require(by, "feedback", body.department)
    moment = now or clock_now()
    today = china_day(moment)
    catalog = catalog or _catalog()
    problems = _text_problems(body)
    if problems:
        raise _invalid(problems)
    if body.department not in catalog.departments:
        problems.append(("department", f"{body.department!r} is not in the catalog"))
    if body.message_id is None and body.record_id is None and body.audit_id is None:
        problems.append(
            ("message_id", "name what the feedback is about: message_id, record_id or audit_id")
        )
    measure = catalog.measures.get(body.measure)
    if measure is None:
        problems.append(("measure", f"{body.measure!r} is not a measure of the catalog"))
    if body.matter not in catalog.matters:
        problems.append(("matter", f"{body.matter!r} is not a matter of the catalog"))
    acted_on = body.acted_on or today
    if acted_on > today:
        problems.append(("acted_on", f"{acted_on} is in the future (today is {today} in China)"))
    if not body.applied and not (body.reason or "").strip():
        problems.append(("reason", "say why the measure was not applied"))
    case_reference = (body.case_reference or "").strip() or None
    reason = (body.reason or "").strip() or None
    if problems:
        raise _invalid(problems)

    with write_transaction(engine) as conn:
        subject: str | None = None
        record_id = body.record_id
        list_type: str | None = None
        if body.message_id is not None:
            msg = store.message(conn, body.message_id)
            if msg is None:
                raise _invalid([("message_id", f"there is no message {body.message_id}")])
            if msg["department"] != body.department:
                raise PermissionDeniedError(
                    f"message_id: message {body.message_id} was sent to department "
                    f"{msg['department']}, not {body.department}: a department reports only on "
                    "messages it received"
                )
            if record_id is not None and record_id != msg["record_id"]:
                raise _invalid(
                    [
                        (
                            "record_id",
                            f"message {body.message_id} is about record {msg['record_id']}, "
                            f"not {record_id}",
                        )
                    ]
                )
            record_id = msg["record_id"]
            subject = msg["subject"]
            list_type = msg["list_type"]
        elif record_id is not None:
            rec = store.record(conn, record_id)
            if rec is None:
                raise _invalid([("record_id", f"there is no credit record {record_id}")])
            if rec["kind"] not in LIST_KINDS:
                raise _invalid(
                    [
                        (
                            "record_id",
                            f"record {record_id} is a {rec['kind']} record, not a list entry: "
                            "measures follow list entries",
                        )
                    ]
                )
            subject = rec["subject"]
            list_type = rec["list_type"]
        if body.audit_id is not None:
            entry = store.audit_entry(conn, body.audit_id)
            if entry is None or entry["action"] != "check":
                raise _invalid(
                    [("audit_id", f"audit row {body.audit_id} is not the record of a check")]
                )
            made_by = entry["department"]
            if made_by != body.department and not (made_by is None and by.role == "operator"):
                raise PermissionDeniedError(
                    f"audit_id: the check {body.audit_id} was made by "
                    f"{made_by or 'the local operator'}, not by department {body.department}"
                )
            if subject is not None and entry["subject"] != subject:
                raise _invalid(
                    [
                        (
                            "audit_id",
                            f"the check {body.audit_id} was about another subject than "
                            f"{'message' if body.message_id else 'record'} "
                            f"{body.message_id or record_id}",
                        )
                    ]
                )
            subject = subject or entry["subject"]
        if list_type is not None and measure is not None and list_type not in measure.list_types:
            raise _invalid(
                [
                    (
                        "measure",
                        f"{body.measure!r} is not a measure on the list type {list_type!r} of "
                        "the entry",
                    )
                ]
            )
        if subject is None:
            raise _invalid([("audit_id", "the check names no subject")])
        row = store.add(
            conn,
            {
                "department": body.department,
                "message_id": body.message_id,
                "record_id": record_id,
                "audit_id": body.audit_id,
                "subject": subject,
                "measure": body.measure,
                "applied": body.applied,
                "matter": body.matter,
                "case_reference": case_reference,
                "acted_on": acted_on,
                "reason": reason,
                "submitted_by": by.actor,
                "created_at": moment,
            },
        )
        audit.append(
            conn,
            by,
            "feedback",
            subject=subject,
            record_id=record_id,
            matter=body.matter,
            detail={
                "feedback": row["id"],
                "for_department": body.department,
                "message": body.message_id,
                "check": body.audit_id,
                "measure": body.measure,
                "applied": body.applied,
            },
        )
    return _view(row)


def scope(by: Principal, action: str, department: str | None) -> str | None:
    """The department whose items ``by`` may list: any (None: all) for overseers, else its
    own; asking for another department's is refused."""
    require(by, action)
    if by.role in OVERSEERS:
        return department
    if department is not None and department != by.department:
        raise PermissionDeniedError(
            f"this key acts for department {by.department}, not {department}: it sees only its "
            "own department's"
        )
    return by.department


def listed(
    engine: Engine,
    *,
    by: Principal,
    limit: int,
    offset: int = 0,
    department: str | None = None,
    record_id: int | None = None,
    message_id: int | None = None,
) -> list[dict[str, Any]]:
    """Feedback, newest first; implementers see their own department's."""
    department = scope(by, "read-feedback", department)
    with write_transaction(engine) as conn:
        rows = [
            _view(r)
            for r in store.page(
                conn,
                limit=limit,
                offset=offset,
                department=department,
                record_id=record_id,
                message_id=message_id,
            )
        ]
        audit.append(
            conn,
            by,
            "read-feedback",
            detail={
                "department": department,
                "record": record_id,
                "message": message_id,
                "feedback": [r["id"] for r in rows],
            },
        )
    return rows


def due_rule() -> str | int:
    return rules.parse_rule(get_settings().feedback_due)


def _start_of_day_utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=CHINA).astimezone(dt.UTC)


def outstanding(
    engine: Engine,
    *,
    by: Principal,
    limit: int,
    offset: int = 0,
    department: str | None = None,
    overdue_only: bool = True,
    today: dt.date | None = None,
    rule: str | int | None = None,
) -> list[dict[str, Any]]:
    """Messages whose feedback is missing, per department (ordered by department, then
    message), each with its due day and how late it is on ``today`` (negative: days left).
    With ``overdue_only``, only those past their due day."""
    department = scope(by, "read-feedback", department)
    rule = rule if rule is not None else due_rule()
    today = today or china_day(clock_now())
    created_before: dt.datetime | None = None
    if overdue_only:
        last = rules.last_overdue_message_day(today, rule)
        if last is None:
            return []
        created_before = _start_of_day_utc(last + dt.timedelta(days=1))
    with write_transaction(engine) as conn:
        rows = store.unanswered(
            conn,
            events=rules.DUE_EVENTS,
            limit=limit,
            offset=offset,
            department=department,
            created_before=created_before,
        )
        items = [_outstanding_view(r, rule, today) for r in rows]
        audit.append(
            conn,
            by,
            "read-feedback-due",
            detail={
                "department": department,
                "overdue_only": overdue_only,
                "messages": [i["message_id"] for i in items],
            },
        )
    return items


def _outstanding_view(row: RowMapping, rule: str | int, today: dt.date) -> dict[str, Any]:
    created = row["created_at"]
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    deadline = rules.feedback_due(china_day(created), rule)
    late = (today - deadline.day).days
    return {
        "message_id": row["id"],
        "department": row["department"],
        "event": row["event"],
        "record_id": row["record_id"],
        "subject": row["subject"],
        "list_type": row["list_type"],
        "sent_at": created.isoformat(),
        "due": deadline.day.isoformat(),
        "due_estimated": deadline.estimated,
        "overdue": late > 0,
        "days_late": late,
        "workdays_late": workdays_between(deadline.day, today),
        "warning": deadline.warning,
    }


# -- what was pushed to a department, with its feedback (the console's list) ---------------------


def _receiver(by: Principal, department: str | None) -> str:
    """The department whose messages ``by`` reads: its own; the operator names one."""
    require(by, "read-feed", department or by.department)
    if by.department is not None and by.role not in OVERSEERS:
        return by.department
    if not department:
        raise InvalidInputError("department: name the department whose messages to read")
    return department


def _pushed_view(row: RowMapping, rule: str | int, today: dt.date) -> dict[str, Any]:
    created = row["created_at"]
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    payload = row["payload"] or {}
    entry = payload.get("entry") or {}
    subject = entry.get("subject") or {}
    answered = bool(row["answered"])
    item: dict[str, Any] = {
        "message_id": row["id"],
        "department": row["department"],
        "event": row["event"],
        "reason": row["reason"],
        "record_id": row["record_id"],
        "subject": row["subject"],
        "subject_name": subject.get("name"),
        "subject_kind": subject.get("kind"),
        "list_type": row["list_type"],
        "document_number": entry.get("document_number"),
        "listing_department": entry.get("department"),
        "valid_from": entry.get("valid_from"),
        "valid_until": entry.get("valid_until"),
        "measures": list(payload.get("measures") or []),
        "sent_at": created.isoformat(),
        "answered": answered,
        "feedback_due": row["event"] in rules.DUE_EVENTS,
        "due": None,
        "due_estimated": False,
        "due_warning": None,
        "overdue": False,
        "days_left": None,
        "urgency": None,
    }
    if item["feedback_due"]:
        deadline = rules.feedback_due(china_day(created), rule)
        item["due"] = deadline.day.isoformat()
        item["due_estimated"] = deadline.estimated
        item["due_warning"] = deadline.warning
        if not answered:
            item["urgency"], item["days_left"] = urgency(today, deadline.day)
            item["overdue"] = deadline.day < today
    return item


def pushed(
    engine: Engine,
    *,
    by: Principal,
    limit: int,
    offset: int = 0,
    department: str | None = None,
    today: dt.date | None = None,
    rule: str | int | None = None,
) -> list[dict[str, Any]]:
    """Messages sent to the department (an implementer's own; the operator names one), newest
    first: what each announces about which entry, and for those that call for feedback its due
    day, whether feedback meets it (``answered``), ``days_left`` (working days to the due day
    while unanswered), ``overdue`` and ``urgency`` (``overdue``, ``due-soon`` within
    ``rules.workdays.DUE_SOON_WORKDAYS`` working days, or None). Unlike the feed, it moves no
    cursor.
    Audited (``read-pushed``)."""
    code = _receiver(by, department)
    rule = rule if rule is not None else due_rule()
    today = today or china_day(clock_now())
    with write_transaction(engine) as conn:
        rows = store.sent(conn, department=code, limit=limit, offset=offset)
        items = [_pushed_view(r, rule, today) for r in rows]
        audit.append(
            conn,
            by,
            "read-pushed",
            detail={"for_department": code, "messages": [i["message_id"] for i in items]},
        )
    return items


def pushed_item(
    engine: Engine,
    message_id: int,
    *,
    by: Principal,
    department: str | None = None,
    today: dt.date | None = None,
    rule: str | int | None = None,
) -> dict[str, Any]:
    """One message sent to the department, as :func:`pushed` shows it, with ``feedback``: the
    department's feedback meeting it, oldest first. A message sent to another department is
    not found. Audited (``read-pushed``)."""
    code = _receiver(by, department)
    rule = rule if rule is not None else due_rule()
    today = today or china_day(clock_now())
    with write_transaction(engine) as conn:
        rows = store.sent(conn, department=code, limit=1, message_id=message_id)
        if not rows:
            raise NotFoundError(f"no message {message_id} to department {code}")
        row = rows[0]
        item = _pushed_view(row, rule, today)
        created = row["created_at"]
        item["feedback"] = [
            _view(f)
            for f in store.answers(
                conn,
                department=code,
                message_id=message_id,
                record_id=row["record_id"],
                sent_at=created,
            )
        ]
        audit.append(
            conn,
            by,
            "read-pushed",
            subject=row["subject"],
            record_id=row["record_id"],
            detail={"for_department": code, "messages": [message_id]},
        )
    return item
