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
from jointcredit.rules import repair as rules
from jointcredit.rules.workdays import add_workdays
from jointcredit.services import audit, push
from jointcredit.services.objections import (
    deadline_fields,
    departments_of,
    event_view,
    not_theirs,
    providing_department,
    required_text,
    scope_of,
    text,
    visible_to,
)
from jointcredit.services.objections import time_left as _time_left
from jointcredit.settings import get_settings
from jointcredit.store import objections as objection_store
from jointcredit.store import records, workflows
from jointcredit.store import repairs as store
from jointcredit.store.db import write_transaction
from jointcredit.workflows.repair import ACCEPTED, APPLIED, MACHINE, OPEN_STATUSES


def view(row: Mapping[Any, Any], today: dt.date, **extra: Any) -> dict[str, Any]:
    """An application as the API and the CLI show it."""
    return {
        "id": row["id"],
        "record_id": row["record_id"],
        "subject": row["subject"],
        "department": row["department"],
        "commitment": row["commitment"],
        "evidence": row["evidence"],
        "status": row["status"],
        "applied_by": row["applied_by"],
        "accepted_by": row["accepted_by"],
        "accepted_at": text(row["accepted_at"]),
        "decided_by": row["decided_by"],
        "decided_at": text(row["decided_at"]),
        "note": row["note"],
        **deadline_fields(row, today, OPEN_STATUSES),
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
        "repair",
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


def _refused(conn: Connection, record_id: int, refusal: rules.Refusal) -> Exception:
    message = f"record {record_id}: {refusal.message}"
    if refusal.is_conflict:
        objection = objection_store.open_on_record(conn, record_id)
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
        record = objection_store.lock_record(conn, record_id)
        if record is None or not_theirs(by, record["subject"]):
            raise NotFoundError(f"no credit record {record_id}")
        existing = store.open_on_record(conn, record_id)
        if existing is not None:
            raise ConflictError(
                f"record {record_id} already has an open repair application: repair "
                f"{existing['id']} ({existing['status']}, due {existing['due'].isoformat()})"
            )
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
        deadline = add_workdays(today, settings.repair_accept_days)
        repair_id = store.add(
            conn,
            {
                "record_id": record_id,
                "subject": record["subject"],
                "department": providing_department(record),
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
        _event(conn, repair_id, "apply", by, before=None, after=APPLIED, note=None, now=now)
        audit.append(
            conn,
            by,
            "repair-apply",
            subject=record["subject"],
            record_id=record_id,
            detail={"repair": repair_id, "due": deadline.day.isoformat()},
        )
        row = store.get(conn, repair_id)
    assert row is not None
    return view(row, today)


def _load(conn: Connection, repair_id: int) -> RowMapping:
    row = store.get(conn, repair_id, lock=True)
    if row is None:
        raise NotFoundError(f"no repair application {repair_id}")
    return row


def _may_decide(by: Principal, row: Mapping[Any, Any]) -> None:
    """A reviewer of the providing department, or the operator."""
    require(by, "decide-repair")
    if by.department is None:
        return
    if row["department"] is None:
        raise PermissionDeniedError(
            f"repair {row['id']}: no department of the catalog provided record "
            f"{row['record_id']}, so only the operator may decide it"
        )
    require(by, "decide-repair", row["department"])


def _accept(conn: Connection, row: RowMapping, by: Principal, note: str | None, now: Any) -> None:
    MACHINE.step(f"repair {row['id']}", row["status"], "accept")
    deadline = add_workdays(clock.china_day(now), get_settings().repair_decide_days)
    store.change(
        conn,
        row["id"],
        status=ACCEPTED,
        accepted_by=by.actor,
        accepted_at=now,
        due=deadline.day,
        due_estimated=deadline.estimated,
        updated_at=now,
    )
    _event(conn, row["id"], "accept", by, before=row["status"], after=ACCEPTED, note=note, now=now)


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
        note = required_text(note, "note", "say why the application is refused")
    with write_transaction(engine) as conn:
        row = _load(conn, repair_id)
        _may_decide(by, row)
        if refuse:
            after = MACHINE.step(f"repair {repair_id}", row["status"], "refuse")
            store.change(
                conn,
                repair_id,
                status=after,
                decided_by=by.actor,
                decided_at=now,
                note=note,
                updated_at=now,
            )
            _event(
                conn, repair_id, "refuse", by, before=row["status"], after=after, note=note, now=now
            )
        else:
            _accept(conn, row, by, note, now)
        audit.append(
            conn,
            by,
            "repair-refuse" if refuse else "repair-accept",
            subject=row["subject"],
            record_id=row["record_id"],
            detail={"repair": repair_id},
        )
        changed = store.get(conn, repair_id)
    assert changed is not None
    return view(changed, clock.china_day(now))


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
    note = required_text(note, "note", "say why the application is approved or rejected")
    now = now or clock.now()
    action = "approve" if approve else "reject"
    told: list[str] = []
    with write_transaction(engine) as conn:
        row = _load(conn, repair_id)
        _may_decide(by, row)
        status = row["status"]
        if status == APPLIED:
            _accept(conn, row, by, "accepted with the decision", now)
            status = ACCEPTED
        after = MACHINE.step(f"repair {repair_id}", status, action)
        if approve:
            record = objection_store.lock_record(conn, row["record_id"])
            assert record is not None, "a repair's record is never deleted"
            if record["status"] != "active":
                objection = objection_store.open_on_record(conn, row["record_id"])
                why = f": objection {objection['id']} is open" if objection is not None else ""
                raise ConflictError(
                    f"repair {repair_id}: record {row['record_id']} is {record['status']}{why}; "
                    "only an active record can be repaired"
                )
            records.set_status(
                conn,
                row["record_id"],
                "repaired",
                actor=by.actor,
                now=now,
                reason=f"repair {repair_id} approved",
            )
            told = departments_of(
                conn,
                push.emit(
                    conn,
                    row["record_id"],
                    "entry.ended",
                    reason="repaired",
                    now=now,
                    only=push.told(conn, row["record_id"]),
                ),
            )
        store.change(
            conn,
            repair_id,
            status=after,
            decided_by=by.actor,
            decided_at=now,
            note=note,
            updated_at=now,
        )
        _event(conn, repair_id, action, by, before=status, after=after, note=note, now=now)
        audit.append(
            conn,
            by,
            "repair-decide",
            subject=row["subject"],
            record_id=row["record_id"],
            detail={"repair": repair_id, "status": after, "told": told},
        )
        changed = store.get(conn, repair_id)
    assert changed is not None
    return view(changed, clock.china_day(now), notified=told)


def _may_read(conn: Connection, by: Principal, row: Mapping[Any, Any]) -> None:
    if by.is_subject:
        if not_theirs(by, row["subject"]):
            raise NotFoundError(f"no repair application {row['id']}")
        return
    mine = visible_to(by)
    if mine is None or mine == row["department"]:
        return
    if store.applicant_department(conn, row["id"]) != mine:
        raise PermissionDeniedError(
            f"repair {row['id']} is decided by {row['department'] or 'no department'} and was "
            f"not applied for by this key's department {mine}"
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
    """Applications ``by`` may see (its department's: those it decides or applied for;
    overseers: all), newest first; ``overdue``: open ones past their due day. Audited."""
    require(by, "read-repairs")
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
            "read-repairs",
            detail={"repairs": [r["id"] for r in rows[:limit]], "overdue": overdue},
        )
    return [view(r, today) for r in rows]


def shown(
    engine: Engine, repair_id: int, *, by: Principal, now: dt.datetime | None = None
) -> dict[str, Any]:
    """One application with its history (every transition, oldest first); audited."""
    require(by, "read-repairs")
    today = clock.china_day(now or clock.now())
    with write_transaction(engine) as conn:
        row = store.get(conn, repair_id)
        if row is None:
            raise NotFoundError(f"no repair application {repair_id}")
        _may_read(conn, by, row)
        history = workflows.events_of(conn, "repair", repair_id)
        audit.append(
            conn,
            by,
            "read-repair",
            subject=row["subject"],
            record_id=row["record_id"],
            detail={"repair": repair_id},
        )
    return view(row, today, history=[event_view(e) for e in history])


def time_left(item: Mapping[str, Any], *, now: dt.datetime | None = None) -> dict[str, Any]:
    """``days_left`` and ``urgency`` of an application while it waits for the department
    (applied or accepted), as :func:`jointcredit.services.objections.time_left`."""
    return _time_left(item, open_statuses=OPEN_STATUSES, now=now)


__all__ = ["accept", "apply", "decide", "listed", "shown", "time_left"]
