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
from jointcredit.services import audit, casework
from jointcredit.store import cases, records
from jointcredit.store.db import write_transaction
from jointcredit.workflows.objection import KIND, MACHINE, OUTCOMES


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
    reason = casework.required_text(reason, "reason", "say what is wrong with the record")
    now = now or clock.now()
    today = clock.china_day(now)
    deadline = casework.due_from(KIND, MACHINE.initial, today)
    assert deadline is not None
    with write_transaction(engine) as conn:
        record = QUEUE.record_for(conn, record_id, by)
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
                "department": casework.providing_department(record),
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
        told = casework.set_record_status(
            conn,
            record_id,
            "disputed",
            by=by,
            now=now,
            why=f"objection {objection_id}",
            event="entry.suspended",
            reason="objection",
        )
        casework.record_event(
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
        done = QUEUE.viewed(conn, objection_id, now, notified=told)
    return done


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
        told = casework.set_record_status(
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
    note = casework.required_text(note, "note", "say why the objection is upheld or rejected")
    now = now or clock.now()
    with write_transaction(engine) as conn:
        row = QUEUE.load(conn, objection_id)
        QUEUE.require_handler(by, row, "resolve")
        _, told = _close(conn, row, OUTCOMES[outcome], by=by, note=note, now=now)
        done = QUEUE.viewed(conn, objection_id, now, notified=told)
    return done


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
        if by.is_subject and casework.not_theirs(by, row["subject"]):
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
        done = QUEUE.viewed(conn, objection_id, now, notified=told)
    return done


#: An objection as the API and the CLI show it: these fields, then its time limit's.
QUEUE = casework.Queue(
    KIND,
    fields="id record_id subject department reason status "
    "prior_status opened_by opened_by_department resolved_by resolved_at note",
)
view = QUEUE.view
listed = QUEUE.listed
shown = QUEUE.shown


__all__ = ["QUEUE", "listed", "open_objection", "resolve", "shown", "withdraw"]
