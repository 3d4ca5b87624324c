"""Credit repair (信用修复, 33号 §21; NDRC Order No. 36): a subject that corrected its act asks
for its negative information to stop being published and shared.

An application names the record, the public credit commitment and that the obligations are met
(with optional evidence); :func:`jointcredit.rules.repair.refusal` decides whether it may be
made today and, if it is too early, from which day. The providing department accepts it within
``JOINTCREDIT_REPAIR_ACCEPT_DAYS`` working days (or refuses it at acceptance), then decides
within ``JOINTCREDIT_REPAIR_DECIDE_DAYS``. On approval, in one transaction, the record becomes
``repaired``: publication and sharing stop, its measures end (the check yields nothing from it)
and every department told about it receives ``entry.ended`` with reason ``repaired``.
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
)
from jointcredit.rules import repair as rules
from jointcredit.services import audit, casework
from jointcredit.settings import get_settings
from jointcredit.store import cases, records
from jointcredit.store.db import write_transaction
from jointcredit.workflows.repair import ACCEPTED, APPLIED, KIND, MACHINE


def _refused(conn: Connection, record_id: int, refusal: rules.Refusal) -> Exception:
    message = f"record {record_id}: {refusal.message}"
    if refusal.is_conflict:
        objection = cases.open_on_record(conn, "objection", record_id)
        if objection is not None:
            message += f" (objection {objection['id']})"
        return ConflictError(message)
    return InvalidInputError(message)


def apply(
    engine: Engine,
    record_id: int,
    *,
    commitment: str,
    obligations_met: bool,
    evidence: str | None = None,
    by: Principal,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Apply for repair of the record; refused with the reason (and, if it is too early, the
    earliest day to apply) when the record is not eligible today."""
    require(by, "apply-repair")
    now = now or clock.now()
    today = clock.china_day(now)
    settings = get_settings()
    with write_transaction(engine) as conn:
        record = QUEUE.record_for(conn, record_id, by)
        facts = rules.Facts(
            kind=record["kind"],
            status=record["status"],
            decision_date=record["decision_date"],
            severity=record["severity"],
            list_type=record["list_type"],
            valid_from=record["valid_from"],
        )
        refusal = rules.refusal(
            facts,
            today,
            commitment=commitment,
            obligations_met=obligations_met,
            list_min_months=settings.repair_list_min_months,
            court_list_types=settings.court_list_types,
        )
        if refusal is not None:
            raise _refused(conn, record_id, refusal)
        deadline = casework.due_from(KIND, APPLIED, today)
        assert deadline is not None
        repair_id = cases.add(
            conn,
            KIND.name,
            {
                "record_id": record_id,
                "subject": record["subject"],
                "department": casework.providing_department(record),
                "commitment": commitment.strip(),
                "evidence": (evidence or "").strip() or None,
                "status": MACHINE.initial,
                "applied_by": by.actor,
                "due": deadline.day,
                "due_estimated": deadline.estimated,
                "created_at": now,
                "updated_at": now,
            },
        )
        casework.record_event(
            conn, KIND, repair_id, "apply", by, before=None, after=APPLIED, note=None, now=now
        )
        audit.append(
            conn,
            by,
            "repair-apply",
            subject=record["subject"],
            record_id=record_id,
            detail={"repair": repair_id, "due": deadline.day.isoformat()},
        )
        done = QUEUE.viewed(conn, repair_id, now)
    return done


def _accept(
    conn: Connection, row: RowMapping, by: Principal, note: str | None, now: dt.datetime
) -> None:
    deadline = casework.due_from(KIND, ACCEPTED, clock.china_day(now))
    assert deadline is not None
    QUEUE.transition(
        conn,
        row,
        "accept",
        by,
        note=note,
        now=now,
        changes={
            "accepted_by": by.actor,
            "accepted_at": now,
            "due": deadline.day,
            "due_estimated": deadline.estimated,
        },
    )


def accept(
    engine: Engine,
    repair_id: int,
    *,
    by: Principal,
    refuse: bool = False,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Accept the application (the decision is then due within the decision time limit), or
    refuse it at acceptance (``refuse``; a note saying why is required)."""
    require(by, "decide-repair")
    now = now or clock.now()
    note = (note or "").strip() or None
    if refuse:
        note = casework.required_text(note, "note", "say why the application is refused")
    with write_transaction(engine) as conn:
        row = QUEUE.load(conn, repair_id)
        QUEUE.require_handler(by, row, "decide")
        if refuse:
            decided = {"decided_by": by.actor, "decided_at": now, "note": note}
            QUEUE.transition(conn, row, "refuse", by, note=note, now=now, changes=decided)
        else:
            _accept(conn, row, by, note, now)
        done = QUEUE.viewed(conn, repair_id, now)
    return done


def decide(
    engine: Engine,
    repair_id: int,
    *,
    approve: bool,
    note: str,
    by: Principal,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Approve or reject the application; one still waiting for acceptance is accepted first
    (both steps in its history). On approval the record becomes ``repaired`` and every
    department told of it receives ``entry.ended`` (reason ``repaired``)."""
    require(by, "decide-repair")
    note = casework.required_text(note, "note", "say why the application is approved or rejected")
    now = now or clock.now()
    action = "approve" if approve else "reject"
    told: list[str] = []
    with write_transaction(engine) as conn:
        row = QUEUE.load(conn, repair_id)
        QUEUE.require_handler(by, row, "decide")
        status = row["status"]
        if status == APPLIED:
            _accept(conn, row, by, "accepted with the decision", now)
            status = ACCEPTED
        # Refused before anything of the decision is written.
        MACHINE.step(f"repair {repair_id}", status, action)
        if approve:
            record = records.lock_for_case(conn, row["record_id"])
            assert record is not None, "a repair's record is never deleted"
            if record["status"] != "active":
                objection = cases.open_on_record(conn, "objection", row["record_id"])
                why = f": objection {objection['id']} is open" if objection is not None else ""
                raise ConflictError(
                    f"repair {repair_id}: record {row['record_id']} is {record['status']}{why}; "
                    "only an active record can be repaired"
                )
            told = casework.set_record_status(
                conn,
                row["record_id"],
                "repaired",
                by=by,
                now=now,
                why=f"repair {repair_id} approved",
                event="entry.ended",
                reason="repaired",
            )
        QUEUE.transition(
            conn,
            row,
            action,
            by,
            note=note,
            now=now,
            status=status,
            changes={"decided_by": by.actor, "decided_at": now, "note": note},
            audit_action="repair-decide",
            detail={"told": told},
        )
        done = QUEUE.viewed(conn, repair_id, now, notified=told)
    return done


#: An application as the API and the CLI show it: these fields, then its time limit's.
QUEUE = casework.Queue(
    KIND,
    fields="id record_id subject department commitment evidence "
    "status applied_by accepted_by accepted_at decided_by decided_at note",
)
view = QUEUE.view
listed = QUEUE.listed
shown = QUEUE.shown


__all__ = ["QUEUE", "accept", "apply", "decide", "listed", "shown"]
