"""Objections (异议, 33号 §22): a record is disputed, verified by its provider, then corrected
or confirmed.

Opening an objection marks the record ``disputed`` in the same transaction: from that moment
the check answers ``suspended`` for every measure the record carries, and every department
already told about the record is told that it is suspended. The providing department (the
listing department of a list entry; the data source department of a double-publicity record)
verifies within ``JOINTCREDIT_OBJECTION_DAYS`` working days:

- ``upheld``: the record was wrong. It is withdrawn (its measures end) and the departments told
  of it receive ``entry.corrected``, the notice that restores the subject's reputation; the
  department may submit a corrected record anew.
- ``rejected``: the record stands; it returns to its status before the objection and the
  departments receive ``entry.resumed``.

Whoever opened it (the opening department, or the operator) may withdraw it, which restores
the record like a rejection. Every step is a transition of
:data:`jointcredit.workflows.objection.MACHINE`, recorded with who, when and why, and audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, select

from jointcredit import clock
from jointcredit.access import OVERSEERS, Principal, require
from jointcredit.catalog import load_catalog
from jointcredit.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from jointcredit.rules.workdays import (
    add_workdays,
    estimate_warning,
    urgency,
    workdays_between,
)
from jointcredit.services import audit, push
from jointcredit.settings import get_settings
from jointcredit.store import objections as store
from jointcredit.store import records, workflows
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import messages
from jointcredit.workflows.objection import MACHINE, OPEN_STATUSES, OUTCOMES

LIST_KINDS = ("red-list", "black-list")


# -- shared with the repair workflow ---------------------------------------------------------


def providing_department(record: Mapping[Any, Any]) -> str | None:
    """The catalog code of the department that provided the record and so verifies an
    objection or decides a repair: the listing department of a list entry; for a
    double-publicity record the department whose name is its data source (数据来源单位);
    None when the catalog names no such department."""
    if record["kind"] in LIST_KINDS:
        department: str | None = record["department"]
        return department
    name = record["source_department"]
    if not name:
        return None
    for code, department_ in load_catalog().departments.items():
        if department_.name_zh == name:
            return str(code)
    return None


def text(value: Any) -> Any:
    """Dates and timestamps as ISO 8601 text; timestamps in UTC with ``Z``."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds") + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def deadline_fields(
    row: Mapping[Any, Any], today: dt.date, open_statuses: Iterable[str]
) -> dict[str, Any]:
    """``due``, ``due_estimated``, ``due_warning``, ``overdue`` and ``days_late`` (working
    days past the due day, while the item is still open)."""
    due: dt.date = row["due"]
    late = row["status"] in tuple(open_statuses) and due < today
    return {
        "due": due.isoformat(),
        "due_estimated": bool(row["due_estimated"]),
        "due_warning": estimate_warning() if row["due_estimated"] else None,
        "overdue": late,
        "days_late": workdays_between(due, today) if late else None,
    }


def time_left(
    item: Mapping[str, Any],
    *,
    open_statuses: Iterable[str] = OPEN_STATUSES,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """How much time an objection or repair application (as its ``view`` shows it) has left:
    ``days_left``, working days from today to its due day while it is open (negative: past
    it), and ``urgency``: ``overdue``, ``due-soon`` (due within
    ``rules.workdays.DUE_SOON_WORKDAYS`` working days) or None (closed, or time enough)."""
    if item["status"] not in tuple(open_statuses):
        return {"days_left": None, "urgency": None}
    today = clock.china_day(now or clock.now())
    state, left = urgency(today, dt.date.fromisoformat(item["due"]))
    return {"days_left": left, "urgency": state}


def departments_of(conn: Connection, message_ids: list[int]) -> list[str]:
    """The departments the given outbox messages go to."""
    if not message_ids:
        return []
    return sorted(
        set(
            conn.execute(
                select(messages.c.department).where(messages.c.id.in_(message_ids))
            ).scalars()
        )
    )


def event_view(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "action": row["action"],
        "from_status": row["from_status"],
        "to_status": row["to_status"],
        "actor": row["actor"],
        "department": row["department"],
        "role": row["role"],
        "note": row["note"],
        "at": text(row["at"]),
    }


def visible_to(by: Principal) -> str | None:
    """The department whose items ``by`` sees, or None for all of them (overseers)."""
    if by.is_subject:
        # A subject has no department: "None" would mean everything. Its lists are filtered by
        # subject instead (see ``listed``); reaching here is a bug, refused rather than leaked.
        raise PermissionDeniedError("a subject sees its own items only")
    return None if by.role in OVERSEERS else by.department


def scope_of(by: Principal) -> dict[str, str | None]:
    """What ``by``'s lists of objections or repairs hold: a subject its own items (by
    subject), a department's key its department's, overseers everything."""
    if by.is_subject:
        return {"department": None, "subject": by.name}
    return {"department": visible_to(by), "subject": None}


def not_theirs(by: Principal, subject: str) -> bool:
    """Whether ``by`` is a subject acting on someone else's item (answered as not found, so
    that self-service does not tell which records exist)."""
    return by.is_subject and subject != by.name


def required_text(value: str | None, field: str, what: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidInputError(f"{field}: {what}")
    return cleaned


# -- objections ------------------------------------------------------------------------------


def view(row: Mapping[Any, Any], today: dt.date, **extra: Any) -> dict[str, Any]:
    """An objection as the API and the CLI show it."""
    return {
        "id": row["id"],
        "record_id": row["record_id"],
        "subject": row["subject"],
        "department": row["department"],
        "reason": row["reason"],
        "status": row["status"],
        "prior_status": row["prior_status"],
        "opened_by": row["opened_by"],
        "opened_by_department": row["opened_by_department"],
        "resolved_by": row["resolved_by"],
        "resolved_at": text(row["resolved_at"]),
        "note": row["note"],
        **deadline_fields(row, today, ("open",)),
        "created_at": text(row["created_at"]),
        "updated_at": text(row["updated_at"]),
        **extra,
    }


def _event(
    conn: Connection,
    item: int,
    action: str,
    by: Principal,
    *,
    before: str | None,
    after: str,
    note: str | None,
    now: dt.datetime,
) -> None:
    workflows.record_event(
        conn,
        "objection",
        item,
        action,
        from_status=before,
        to_status=after,
        actor=by.actor,
        department=by.department,
        role=by.role,
        note=note,
        at=now,
    )


def open_objection(
    engine: Engine,
    record_id: int,
    *,
    reason: str,
    by: Principal,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Dispute the record: it is ``disputed`` (its measures suspended) from this transaction on,
    and the departments told of it are told so. Returns the objection with ``notified``."""
    require(by, "open-objection")
    reason = required_text(reason, "reason", "say what is wrong with the record")
    now = now or clock.now()
    today = clock.china_day(now)
    deadline = add_workdays(today, get_settings().objection_days)
    with write_transaction(engine) as conn:
        record = store.lock_record(conn, record_id)
        if record is None or not_theirs(by, record["subject"]):
            raise NotFoundError(f"no credit record {record_id}")
        existing = store.open_on_record(conn, record_id)
        if existing is not None:
            raise ConflictError(
                f"record {record_id} already has an open objection: objection {existing['id']} "
                f"(due {existing['due'].isoformat()}); one objection at a time per record"
            )
        if record["status"] != "active":
            raise ConflictError(
                f"record {record_id} is {record['status']}: only an active record can be disputed"
            )
        objection_id = store.add(
            conn,
            {
                "record_id": record_id,
                "subject": record["subject"],
                "department": providing_department(record),
                "reason": reason,
                "status": MACHINE.initial,
                "prior_status": record["status"],
                "opened_by": by.actor,
                "opened_by_department": by.department,
                "due": deadline.day,
                "due_estimated": deadline.estimated,
                "created_at": now,
                "updated_at": now,
            },
        )
        records.set_status(
            conn,
            record_id,
            "disputed",
            actor=by.actor,
            now=now,
            reason=f"objection {objection_id}",
        )
        _event(conn, objection_id, "open", by, before=None, after="open", note=reason, now=now)
        told = departments_of(
            conn,
            push.emit(
                conn,
                record_id,
                "entry.suspended",
                reason="objection",
                now=now,
                only=push.told(conn, record_id),
            ),
        )
        audit.append(
            conn,
            by,
            "objection-open",
            subject=record["subject"],
            record_id=record_id,
            detail={"objection": objection_id, "due": deadline.day.isoformat(), "told": told},
        )
        row = store.get(conn, objection_id)
    assert row is not None
    return view(row, today, notified=told)


def _load(conn: Connection, objection_id: int) -> RowMapping:
    row = store.get(conn, objection_id, lock=True)
    if row is None:
        raise NotFoundError(f"no objection {objection_id}")
    return row


def _may_verify(by: Principal, row: Mapping[Any, Any]) -> None:
    """A reviewer of the verifying department, or the operator."""
    require(by, "resolve-objection")
    if by.department is None:
        return
    if row["department"] is None:
        raise PermissionDeniedError(
            f"objection {row['id']}: no department of the catalog provided record "
            f"{row['record_id']}, so only the operator may resolve it"
        )
    require(by, "resolve-objection", row["department"])


def _close(
    conn: Connection,
    row: RowMapping,
    action: str,
    *,
    by: Principal,
    note: str | None,
    now: dt.datetime,
) -> tuple[str, list[str]]:
    """Take ``action`` on the objection and restore or withdraw its record; returns the new
    status and the departments told."""
    after = MACHINE.step(f"objection {row['id']}", row["status"], action)
    record = store.lock_record(conn, row["record_id"])
    assert record is not None, "an objection's record is never deleted"
    told: list[str] = []
    if action == "uphold":
        new_status, event, reason = "withdrawn", "entry.corrected", "objection-upheld"
    else:
        new_status, event = row["prior_status"], "entry.resumed"
        reason = "objection-rejected" if action == "reject" else "objection-withdrawn"
    # Only the dispute this objection caused is undone: a record changed meanwhile by its
    # department (a new version, a revocation) keeps what the department made of it.
    if record["status"] == "disputed" or (action == "uphold" and record["status"] == "active"):
        records.set_status(
            conn,
            row["record_id"],
            new_status,
            actor=by.actor,
            now=now,
            reason=f"objection {row['id']} {after}",
        )
        told = departments_of(
            conn,
            push.emit(
                conn,
                row["record_id"],
                event,
                reason=reason,
                now=now,
                only=push.told(conn, row["record_id"]),
            ),
        )
    store.change(
        conn,
        row["id"],
        status=after,
        resolved_by=by.actor,
        resolved_at=now,
        note=note,
        updated_at=now,
    )
    _event(conn, row["id"], action, by, before=row["status"], after=after, note=note, now=now)
    audit.append(
        conn,
        by,
        f"objection-{action}",
        subject=row["subject"],
        record_id=row["record_id"],
        detail={"objection": row["id"], "status": after, "told": told},
    )
    return after, told


def resolve(
    engine: Engine,
    objection_id: int,
    *,
    outcome: str,
    note: str,
    by: Principal,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The verifying department's outcome: ``upheld`` (the record is withdrawn, its measures
    end, ``entry.corrected`` to the departments told) or ``rejected`` (the record is restored,
    ``entry.resumed``). A note saying why is required."""
    require(by, "resolve-objection")
    if outcome not in OUTCOMES:
        raise InvalidInputError(f"outcome: {outcome!r} is not one of {', '.join(OUTCOMES)}")
    note = required_text(note, "note", "say why the objection is upheld or rejected")
    now = now or clock.now()
    with write_transaction(engine) as conn:
        row = _load(conn, objection_id)
        _may_verify(by, row)
        _, told = _close(conn, row, OUTCOMES[outcome], by=by, note=note, now=now)
        changed = store.get(conn, objection_id)
    assert changed is not None
    return view(changed, clock.china_day(now), notified=told)


def withdraw(
    engine: Engine,
    objection_id: int,
    *,
    by: Principal,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Withdraw an open objection: by the department that opened it (any of its keys that may
    open objections) or the operator. The record is restored as on a rejection."""
    require(by, "open-objection")
    now = now or clock.now()
    with write_transaction(engine) as conn:
        row = _load(conn, objection_id)
        if by.is_subject and not_theirs(by, row["subject"]):
            # As for reading: self-service must not tell which objections exist.
            raise NotFoundError(f"no objection {objection_id}")
        opener = row["opened_by_department"]
        if not (
            by.role == "operator"
            or by.actor == row["opened_by"]
            or (by.department is not None and by.department == opener)
        ):
            who = f"department {opener}" if opener else "the operator"
            raise PermissionDeniedError(
                f"objection {objection_id} was opened by {who}: only it or the operator may "
                "withdraw it"
            )
        _, told = _close(conn, row, "withdraw", by=by, note=(note or "").strip() or None, now=now)
        changed = store.get(conn, objection_id)
    assert changed is not None
    return view(changed, clock.china_day(now), notified=told)


def _may_read(by: Principal, row: Mapping[Any, Any]) -> None:
    if by.is_subject:
        if not_theirs(by, row["subject"]):
            raise NotFoundError(f"no objection {row['id']}")
        return
    mine = visible_to(by)
    if mine is not None and mine not in (row["department"], row["opened_by_department"]):
        raise PermissionDeniedError(
            f"objection {row['id']} is verified by {row['department'] or 'no department'} and "
            f"was opened by {row['opened_by_department'] or 'the operator'}: this key acts for "
            f"department {mine}"
        )


def listed(
    engine: Engine,
    *,
    by: Principal,
    limit: int,
    offset: int = 0,
    status: str | None = None,
    overdue: bool = False,
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Objections ``by`` may see (its department's: those it verifies or opened; overseers:
    all), newest first; ``overdue``: open ones past their due day, the most overdue first.
    The read is audited."""
    require(by, "read-objections")
    today = clock.china_day(now or clock.now())
    with write_transaction(engine) as conn:
        rows = store.page(
            conn,
            limit=limit,
            offset=offset,
            **scope_of(by),
            status=status,
            due_before=today if overdue else None,
        )
        audit.append(
            conn,
            by,
            "read-objections",
            detail={"objections": [r["id"] for r in rows[:limit]], "overdue": overdue},
        )
    return [view(r, today) for r in rows]


def shown(
    engine: Engine, objection_id: int, *, by: Principal, now: dt.datetime | None = None
) -> dict[str, Any]:
    """One objection with its history (every transition, oldest first); audited."""
    require(by, "read-objections")
    today = clock.china_day(now or clock.now())
    with write_transaction(engine) as conn:
        row = store.get(conn, objection_id)
        if row is None:
            raise NotFoundError(f"no objection {objection_id}")
        _may_read(by, row)
        history = workflows.events_of(conn, "objection", objection_id)
        audit.append(
            conn,
            by,
            "read-objection",
            subject=row["subject"],
            record_id=row["record_id"],
            detail={"objection": objection_id},
        )
    return view(row, today, history=[event_view(e) for e in history])


__all__ = [
    "listed",
    "open_objection",
    "providing_department",
    "resolve",
    "shown",
    "time_left",
    "withdraw",
]
