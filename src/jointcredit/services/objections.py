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
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping

from jointcredit import clock
from jointcredit.access import Principal, require
from jointcredit.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from jointcredit.services import audit
from jointcredit.services.casework import (
    Queue,
    deadline_fields,
    due_from,
    handler_or_opener,
    not_theirs,
    providing_department,
    record_event,
    required_text,
    set_record_status,
    text,
)
from jointcredit.store import cases, records
from jointcredit.store.db import write_transaction
from jointcredit.workflows.objection import KIND, MACHINE, OUTCOMES

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
        **deadline_fields(row, today, KIND),
        "created_at": text(row["created_at"]),
        "updated_at": text(row["updated_at"]),
        **extra,
    }


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
    deadline = due_from(KIND, MACHINE.initial, today)
    assert deadline is not None
    with write_transaction(engine) as conn:
        record = records.lock_for_case(conn, record_id)
        if record is None or not_theirs(by, record["subject"]):
            raise NotFoundError(f"no credit record {record_id}")
        existing = cases.open_on_record(conn, KIND.name, record_id)
        if existing is not None:
            raise ConflictError(
                f"record {record_id} already has an open objection: objection {existing['id']} "
                f"(due {existing['due'].isoformat()}); one objection at a time per record"
            )
        if record["status"] != "active":
            raise ConflictError(
                f"record {record_id} is {record['status']}: only an active record can be disputed"
            )
        objection_id = cases.add(
            conn,
            KIND.name,
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
        told = set_record_status(
            conn,
            record_id,
            "disputed",
            by=by,
            now=now,
            why=f"objection {objection_id}",
            event="entry.suspended",
            reason="objection",
        )
        record_event(
            conn,
            KIND,
            objection_id,
            "open",
            by,
            before=None,
            after=MACHINE.initial,
            note=reason,
            now=now,
        )
        audit.append(
            conn,
            by,
            "objection-open",
            subject=record["subject"],
            record_id=record_id,
            detail={"objection": objection_id, "due": deadline.day.isoformat(), "told": told},
        )
        row = cases.get(conn, KIND.name, objection_id)
    assert row is not None
    return view(row, today, notified=told)


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
    record = records.lock_for_case(conn, row["record_id"])
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
        told = set_record_status(
            conn,
            row["record_id"],
            new_status,
            by=by,
            now=now,
            why=f"objection {row['id']} {after}",
            event=event,
            reason=reason,
        )
    QUEUE.transition(
        conn,
        row,
        action,
        by,
        note=note,
        now=now,
        changes={"resolved_by": by.actor, "resolved_at": now, "note": note},
        detail={"told": told},
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
        row = QUEUE.load(conn, objection_id)
        _may_verify(by, row)
        _, told = _close(conn, row, OUTCOMES[outcome], by=by, note=note, now=now)
        changed = cases.get(conn, KIND.name, objection_id)
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
        row = QUEUE.load(conn, objection_id)
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
        changed = cases.get(conn, KIND.name, objection_id)
    assert changed is not None
    return view(changed, clock.china_day(now), notified=told)


QUEUE = Queue(KIND, view, handler_or_opener(KIND), plural="objections", missing="objection")
listed = QUEUE.listed
shown = QUEUE.shown


__all__ = ["QUEUE", "listed", "open_objection", "resolve", "shown", "withdraw"]
