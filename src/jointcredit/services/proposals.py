"""Initiation and review of list entries (33号 §15; issue 5 part 1): nothing a department
proposes takes effect until a second person of the department approves it.

A proposal asks for one of three things (``action``):

- ``create``: a new red- or black-list entry, the JSON object of docs/list-entries.md;
- ``change``: new values of some fields of an active or disputed entry (``record_id``); the
  approved change is a new version of that record;
- ``end``: the early end of an active or disputed entry; approved, the entry is ``cancelled``
  (its ``valid_until`` stays, for history).

Every proposal names the document that initiates it and its legal basis (国办发〔2020〕49号:
no measure without a legal basis). Content is validated when it is proposed, with the import's
validator and the API's own-department rule, so a reviewer only ever sees entries that can be
written. The steps are :data:`jointcredit.workflows.proposal.MACHINE`'s; each is recorded in
the workflow history and the audit log in the transaction that takes it. Approval writes the
registry, the proposal, the history, the audit row and the push messages (the outbox) in one
transaction: either all of them exist or none does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import Connection, Engine, RowMapping

from jointcredit import clock
from jointcredit.access import OVERSEERS, Principal, require
from jointcredit.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from jointcredit.importing.validate import digest
from jointcredit.jsontext import dumps
from jointcredit.record_drafts import RecordDraft
from jointcredit.rules.workdays import Deadline, add_workdays, estimate_warning
from jointcredit.services import audit, push
from jointcredit.services.casework import Queue, attachment_view
from jointcredit.services.imports import make_validator
from jointcredit.services.validation import validated
from jointcredit.settings import get_settings
from jointcredit.store import cases as store_cases
from jointcredit.store import proposals as store
from jointcredit.store import records, workflows
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import PROPOSAL_STATUSES
from jointcredit.workflows.proposal import KIND, MACHINE, WORKFLOW, four_eyes, named

Action = Literal["create", "change", "end"]
ACTIONS: tuple[str, ...] = get_args(Action)

#: Fields of an entry a change may set. The list type, the department and the subject are the
#: entry's identity: another value is another entry (end this one, propose the other).
CHANGEABLE = (
    "document_number",
    "decided_on",
    "legal_basis",
    "valid_from",
    "valid_until",
    "persons",
)
#: Statuses of an entry that a change or an end may still act on.
LIVE = ("active", "disputed")

_TEXT_MAX = 20_000


# -- what a proposal asks for --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    """The content of a proposal as submitted (or resubmitted)."""

    action: str
    entry: Mapping[str, Any] | None = None
    record_id: int | None = None
    changes: Mapping[str, Any] | None = None
    ends_on: dt.date | str | None = None
    grounds_ended_on: dt.date | str | None = None
    reason: str | None = None
    document_number: str | None = None
    legal_basis: str | None = None


def _text(value: str | None, field: str, *, required: bool, limit: int = _TEXT_MAX) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInputError(f"{field}: required, and empty", problems=_one(field, "empty"))
        return None
    if "\x00" in text:
        raise InvalidInputError(f"{field}: contains U+0000", problems=_one(field, "U+0000"))
    if len(text) > limit:
        raise InvalidInputError(
            f"{field}: longer than {limit} characters", problems=_one(field, "too long")
        )
    return text


def _one(field: str, error: str) -> list[dict[str, str]]:
    return [{"field": field, "error": error}]


def _day(value: dt.date | str | None, field: str, today: dt.date) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInputError(
                f"{field}: {value!r} is not a date (YYYY-MM-DD)",
                problems=_one(field, "not a date"),
            ) from None
    if value > today:
        raise InvalidInputError(
            f"{field}: {value} is in the future (today is {today} in China)",
            problems=_one(field, "in the future"),
        )
    return value


def _plain_payload(payload: Any) -> dict[str, Any]:
    """An entry's stored payload without the registry's own notes (``_status_reason``,
    ``_proposal``): the list entry as docs/list-entries.md defines it."""
    if isinstance(payload, str):
        payload = json.loads(payload)
    return {k: v for k, v in dict(payload).items() if not k.startswith("_")}


def _validated_entry(entry: Mapping[str, Any], by: Principal, today: dt.date) -> RecordDraft:
    if not isinstance(entry, Mapping):
        raise InvalidInputError("entry: expected the list entry's JSON object")
    return validated("list-entry", entry, by=by, today=today)


def _draft_of(payload: Mapping[str, Any], today: dt.date) -> RecordDraft:
    """A stored, already validated entry as a draft again (at approval: the catalog may have
    changed since, and the validator is the one judge of what may be written)."""
    cells = {
        k: v if isinstance(v, str) else ("" if v is None else dumps(v)) for k, v in payload.items()
    }
    result = make_validator("list-entry", today).validate(1, cells)
    if isinstance(result, list):
        listed = "; ".join(f"{e.field}: {e.error}" for e in result)
        raise InvalidInputError(
            f"the entry no longer validates: {listed}",
            problems=[{"field": e.field, "error": e.error} for e in result],
        )
    return result


def _changed_draft(
    current: RowMapping,
    changes: Mapping[str, Any],
    by: Principal,
    today: dt.date,
    proposal: int | None,
) -> RecordDraft:
    """The entry ``current`` with ``changes`` applied, validated, as a new version of the
    same record: its identity (natural key) and status stay the record's."""
    merged = _plain_payload(current["payload"]) | dict(changes)
    draft = _validated_entry(merged, by, today)
    if draft.content_hash == current["content_hash"]:
        raise InvalidInputError(
            f"changes: they change nothing of record {current['id']}",
            problems=_one("changes", "changes nothing"),
        )
    content = draft.content_hash
    if proposal is not None:
        # A change may return a field to an earlier value (an extension taken back): as its
        # own statement it must be a new version, which the import's rule "content already
        # known changes nothing" would otherwise swallow.
        content = digest(content, "proposal", str(proposal))
    return draft._replace(
        natural_key=current["natural_key"], status=current["status"], content_hash=content
    )


def _checked_changes(changes: Mapping[str, Any] | None) -> dict[str, Any]:
    if not changes or not isinstance(changes, Mapping):
        raise InvalidInputError(
            "changes: name the fields to change and their new values: " + ", ".join(CHANGEABLE),
            problems=_one("changes", "empty"),
        )
    problems = [
        {
            "field": f"changes.{name}",
            "error": "not a field a change may set (one of "
            + ", ".join(CHANGEABLE)
            + "); another list type, department or subject is another entry: end this one "
            "and propose the other",
        }
        for name in changes
        if name not in CHANGEABLE
    ]
    if problems:
        listed = "; ".join(f"{p['field']}: {p['error']}" for p in problems)
        raise InvalidInputError(f"the change is invalid: {listed}", problems=problems)
    return dict(changes)


def _live_entry(conn: Connection, record_id: int | None, by: Principal, action: str) -> RowMapping:
    if record_id is None:
        raise InvalidInputError(
            f"record_id: {action} needs the list entry's record id",
            problems=_one("record_id", "required"),
        )
    current = store.entry(conn, record_id)
    if current is None:
        raise NotFoundError(f"no credit record {record_id}")
    if current["kind"] not in push.LIST_KINDS:
        raise InvalidInputError(
            f"record_id: record {record_id} is a {current['kind']} record, not a list entry",
            problems=_one("record_id", "not a list entry"),
        )
    require(by, "propose", current["department"])
    if current["status"] not in LIVE:
        raise ConflictError(
            f"record {record_id} is {current['status']}: only an active or disputed entry can be "
            f"{'changed' if action == 'change' else 'ended'}"
        )
    return current


def _existing(
    conn: Connection, draft: RecordDraft, exclude: int | None = None
) -> tuple[str, str] | None:
    """Why a new entry need not or may not be proposed: ("duplicate", why) when the registry
    or an open proposal already says exactly this; ("ended", why) when the entry exists but
    has ended (a new listing needs a new decision, with its own document number)."""
    found = store.entry_by_natural_key(conn, draft.natural_key)
    if found is not None:
        if found["status"] not in LIVE:
            return (
                "ended",
                f"record {found['id']} holds this entry and is {found['status']}: a new listing "
                "needs a new decision with its own document number",
            )
        if store.content_known(conn, found["id"], draft.content_hash):
            return ("duplicate", f"record {found['id']} already holds this entry as it is")
    assert draft.department is not None and draft.list_type is not None
    for other in store.open_creates(
        conn, draft.department, draft.list_type, draft.subject.identifier
    ):
        if other["id"] != exclude and _plain_payload(other["payload"]) == json.loads(draft.payload):
            return ("duplicate", f"proposal {other['id']} ({other['status']}) already asks for it")
    return None


def _due(
    action: str, list_type: str | None, grounds_ended_on: dt.date | None, day: dt.date
) -> Deadline:
    """The reviewer's last day; for the end of a court defaulter entry whose grounds have
    ended, no later than the removal deadline (法释〔2017〕7号 Art 10: within 3 working days)."""
    settings = get_settings()
    due = add_workdays(day, settings.review_days)
    if action == "end" and grounds_ended_on is not None and list_type in settings.court_list_types:
        removal = add_workdays(grounds_ended_on, settings.court_removal_days)
        if removal.day < due.day:
            return removal
    return due


def _values(
    conn: Connection,
    request: Request,
    by: Principal,
    today: dt.date,
    exclude: int | None = None,
) -> tuple[dict[str, Any], str | None]:
    """The proposal's columns for ``request``, everything validated; and for a create, why
    it is a duplicate (None: it is not)."""
    if request.action not in ACTIONS:
        raise InvalidInputError(
            f"action: {request.action!r} is not one of {', '.join(ACTIONS)}",
            problems=_one("action", "unknown"),
        )
    reason = _text(request.reason, "reason", required=request.action == "end")
    document = _text(request.document_number, "document_number", required=False, limit=200)
    basis = _text(request.legal_basis, "legal_basis", required=False)
    duplicate: str | None = None
    grounds: dt.date | None = None
    if request.action == "create":
        if request.entry is None:
            raise InvalidInputError(
                "entry: create needs the list entry (docs/list-entries.md)",
                problems=_one("entry", "required"),
            )
        draft = _validated_entry(request.entry, by, today)
        for field, given, own in (
            ("document_number", document, draft.document_number),
            ("legal_basis", basis, draft.legal_basis),
        ):
            if given is not None and given != own:
                raise InvalidInputError(
                    f"{field}: a new entry is proposed with its own decision: leave {field} out "
                    "or give the entry's",
                    problems=_one(field, "differs from the entry's"),
                )
        found = _existing(conn, draft, exclude)
        if found is not None:
            if found[0] == "ended":
                raise ConflictError(found[1])
            duplicate = found[1]
        values = {
            "department": draft.department,
            "record_id": None,
            "list_type": draft.list_type,
            "subject": draft.subject.identifier,
            "payload": json.loads(draft.payload),
            "document_number": draft.document_number,
            "legal_basis": draft.legal_basis,
        }
    else:
        document = _text(document, "document_number", required=True, limit=200)
        basis = _text(basis, "legal_basis", required=True)
        current = _live_entry(conn, request.record_id, by, request.action)
        if request.action == "change":
            changes = _checked_changes(request.changes)
            _changed_draft(current, changes, by, today, None)  # refused now, not at approval
            payload: dict[str, Any] = {"changes": changes}
        else:
            ends_on = _day(request.ends_on, "ends_on", today) or today
            grounds = _day(request.grounds_ended_on, "grounds_ended_on", today)
            payload = {
                "ends_on": ends_on.isoformat(),
                "grounds_ended_on": grounds.isoformat() if grounds else None,
            }
        values = {
            "department": current["department"],
            "record_id": current["id"],
            "list_type": current["list_type"],
            "subject": current["subject"],
            "payload": payload,
            "document_number": document,
            "legal_basis": basis,
        }
    due = _due(request.action, values["list_type"], grounds, today)
    values |= {
        "action": request.action,
        "reason": reason,
        "due": due.day,
        "due_estimated": due.estimated,
        "overdue_at": None,
    }
    return values, duplicate


# -- views ---------------------------------------------------------------------------------------


def _stamp(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def view(row: Mapping[Any, Any], today: dt.date | None = None, **extra: Any) -> dict[str, Any]:
    """A proposal as the API and the CLI show it."""
    today = today or clock.today()
    out = {k: _stamp(v) for k, v in row.items() if k != "overdue_at"}
    out["due_warning"] = estimate_warning() if row["due_estimated"] else None
    out["overdue"] = row["status"] in store.AWAITING_REVIEW and (
        row["due"] < today or row["overdue_at"] is not None
    )
    out["next_actions"] = MACHINE.actions_from(row["status"])
    return out | extra


def _event_view(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        k: _stamp(row[k])
        for k in ("action", "from_status", "to_status", "actor", "department", "role", "note", "at")
    }


# -- steps ---------------------------------------------------------------------------------------


def _label(proposal_id: int) -> str:
    return f"proposal {proposal_id}"


def _record_step(
    conn: Connection,
    row: Mapping[Any, Any],
    action: str,
    target: str,
    by: Principal,
    note: str | None,
    now: dt.datetime,
    *,
    record_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """The step's history row and audit row; returns the audit row's id."""
    workflows.record_event(
        conn,
        WORKFLOW,
        row["id"],
        action,
        from_status=row.get("status"),
        to_status=target,
        actor=by.actor,
        department=by.department,
        role=by.role,
        note=note,
        at=now,
    )
    return audit.append(
        conn,
        by,
        f"{action}-proposal" if action != "submit" else "propose",
        subject=row["subject"],
        record_id=record_id if record_id is not None else row.get("record_id"),
        detail={"proposal": row["id"], "action": row["action"], "to": target, **(detail or {})},
    )


def _insert(
    conn: Connection, values: Mapping[str, Any], by: Principal, now: dt.datetime
) -> dict[str, Any]:
    row = dict(values) | {
        "status": MACHINE.initial,
        "submitted_by": by.actor,
        "created_at": now,
        "updated_at": now,
    }
    row["id"] = store.add(conn, row)
    _record_step(conn, row | {"status": None}, "submit", MACHINE.initial, by, row["reason"], now)
    found = store.get(conn, row["id"])
    assert found is not None
    return dict(found)


def submit(
    engine: Engine, request: Request, *, by: Principal, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Propose a new entry, a change or an early end; returns the proposal (status
    ``submitted``, with its ``due`` day).

    Raises :class:`InvalidInputError` with every field's problem, :class:`PermissionDeniedError`
    for another department's entry, :class:`ConflictError` when the registry or an open
    proposal already says the same, or the entry has ended.
    """
    require(by, "propose", by.department)
    named(by, "submit")
    now = now or clock.now()
    today = clock.china_day(now)
    with write_transaction(engine) as conn:
        values, duplicate = _values(conn, request, by, today)
        if duplicate is not None:
            raise ConflictError(f"nothing to propose: {duplicate}")
        if request.action != "create":
            _no_other_open(conn, values["record_id"], None)
        return view(_insert(conn, values, by, now), today)


def _no_other_open(conn: Connection, record_id: int, proposal_id: int | None) -> None:
    other = store.open_for_record(conn, record_id)
    if other is not None and other["id"] != proposal_id:
        raise ConflictError(
            f"record {record_id} already has an open proposal to {other['action']} it "
            f"(proposal {other['id']}, {other['status']}): finish or withdraw that one first"
        )


@dataclass
class Proposed:
    """What :func:`propose_drafts` did with the valid rows of a file."""

    #: The new proposals, in the file's order.
    ids: list[int] = dataclasses.field(default_factory=list)
    #: Of them, those that would make a new version of an entry the registry holds.
    updates: int = 0
    #: Rows that need no proposal, with why: the registry or an open proposal says the same.
    skipped: list[tuple[RecordDraft, str]] = dataclasses.field(default_factory=list)
    #: Rows refused as (draft, field, reason).
    refused: list[tuple[RecordDraft, str, str]] = dataclasses.field(default_factory=list)


def propose_drafts(
    engine: Engine, drafts: Iterable[RecordDraft], *, by: Principal, now: dt.datetime | None = None
) -> Proposed:
    """Propose validated entries (the valid rows of an uploaded file) in one transaction."""
    require(by, "propose", by.department)
    named(by, "submit")
    now = now or clock.now()
    today = clock.china_day(now)
    out = Proposed()
    due = _due("create", None, None, today)
    with write_transaction(engine) as conn:
        for draft in drafts:
            found = _existing(conn, draft)
            if found is not None:
                if found[0] == "ended":
                    out.refused.append((draft, "document_number", found[1]))
                else:
                    out.skipped.append((draft, found[1]))
                continue
            if store.entry_by_natural_key(conn, draft.natural_key) is not None:
                out.updates += 1
            values = {
                "action": "create",
                "department": draft.department,
                "record_id": None,
                "list_type": draft.list_type,
                "subject": draft.subject.identifier,
                "payload": json.loads(draft.payload),
                "document_number": draft.document_number,
                "legal_basis": draft.legal_basis,
                "reason": None,
                "due": due.day,
                "due_estimated": due.estimated,
                "overdue_at": None,
            }
            out.ids.append(_insert(conn, values, by, now)["id"])
    return out


def _open(conn: Connection, proposal_id: int) -> RowMapping:
    row = store.get(conn, proposal_id, for_update=True)
    if row is None:
        raise NotFoundError(f"no proposal {proposal_id}")
    return row


def _authors(conn: Connection, proposal_id: int, submitted_by: str) -> set[str]:
    return {submitted_by} | {
        e["actor"]
        for e in workflows.events_of(conn, WORKFLOW, proposal_id)
        if e["action"] in ("submit", "resubmit")
    }


def _review(
    conn: Connection, proposal_id: int, action: str, by: Principal
) -> tuple[RowMapping, str]:
    require(by, "review", by.department)
    named(by, action)
    row = _open(conn, proposal_id)
    require(by, "review", row["department"])
    target = MACHINE.step(_label(proposal_id), row["status"], action)
    four_eyes(_label(proposal_id), action, by, _authors(conn, proposal_id, row["submitted_by"]))
    return row, target


def approve(
    engine: Engine,
    proposal_id: int,
    *,
    by: Principal,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Approve: the proposal takes effect in the registry, and every department concerned is
    told (outbox messages), in one transaction with the step's history and audit rows."""
    note = _text(note, "note", required=False)
    now = now or clock.now()
    today = clock.china_day(now)
    with write_transaction(engine) as conn:
        row, target = _review(conn, proposal_id, "approve", by)
        record_id, version, event, reason = _apply(conn, row, by, now, today)
        store.set_values(
            conn,
            proposal_id,
            {
                "status": target,
                "reviewed_by": by.actor,
                "reviewed_at": now,
                "note": note,
                "record_id": record_id,
                "updated_at": now,
            },
        )
        messages = push.emit(conn, record_id, event, reason=reason, now=now) if event else []
        _record_step(
            conn,
            row,
            "approve",
            target,
            by,
            note,
            now,
            record_id=record_id,
            detail={"record_version": version, "event": event, "messages": len(messages)},
        )
        found = store.get(conn, proposal_id)
    assert found is not None
    return view(found, today) | {"messages": len(messages)}


def _apply(
    conn: Connection, row: Mapping[Any, Any], by: Principal, now: dt.datetime, today: dt.date
) -> tuple[int, int, str | None, str | None]:
    """Write the proposal's effect: (record id, its new version, the push event, its reason)."""
    action = row["action"]
    source = f"proposal:{row['id']}"
    if action == "create":
        draft = _draft_of(_plain_payload(row["payload"]), today)
        found = _existing(conn, draft, exclude=row["id"])
        if found is not None:
            raise ConflictError(f"{_label(row['id'])} cannot take effect: {found[1]}")
        before = store.entry_by_natural_key(conn, draft.natural_key)
        draft = draft._replace(payload=_noted(draft.payload, row["id"]))
        written = records.write_records(
            conn, [draft], job_id=None, actor=by.actor, source_system=source, now=now
        )
        assert written.accepted + written.updated == 1, "a checked entry is written"
        after = records.record_by_natural_key(conn, draft.natural_key)
        assert after is not None
        event = "entry.listed" if before is None else "entry.changed"
        return int(after["id"]), int(after["version"]), event, None
    current = store.entry(conn, row["record_id"])
    if current is None or current["status"] not in LIVE:
        status = current["status"] if current is not None else "gone"
        raise ConflictError(
            f"{_label(row['id'])} cannot take effect: record {row['record_id']} is {status}; "
            "return or withdraw the proposal"
        )
    if action == "change":
        changes = dict(row["payload"]["changes"])
        draft = _changed_draft(current, changes, by, today, row["id"])
        draft = draft._replace(payload=_noted(draft.payload, row["id"]))
        records.write_records(
            conn, [draft], job_id=None, actor=by.actor, source_system=source, now=now
        )
        after = records.record_by_natural_key(conn, current["natural_key"])
        assert after is not None and after["version"] == current["version"] + 1
        return int(current["id"]), int(after["version"]), "entry.changed", None
    ends_on = row["payload"]["ends_on"]
    grounds = row["payload"].get("grounds_ended_on")
    court = grounds is not None and row["list_type"] in get_settings().court_list_types
    why = f"ended early on {ends_on} ({_label(row['id'])}, {row['document_number']})"
    if row["reason"]:
        why += f": {row['reason']}"
    version = records.set_status(
        conn, current["id"], "cancelled", actor=by.actor, now=now, reason=why
    )
    return int(current["id"]), version, "entry.ended", "grounds-ended" if court else "early-end"


def _noted(payload: str, proposal_id: int) -> str:
    """The entry's payload with the proposal that made this version (the history shows it)."""
    return dumps(json.loads(payload) | {"_proposal": proposal_id})


def return_(
    engine: Engine,
    proposal_id: int,
    *,
    by: Principal,
    note: str | None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Return the proposal to its department for rework; ``note`` says why (required)."""
    why = _text(note, "note", required=True)
    now = now or clock.now()
    with write_transaction(engine) as conn:
        row, target = _review(conn, proposal_id, "return", by)
        store.set_values(
            conn,
            proposal_id,
            {
                "status": target,
                "reviewed_by": by.actor,
                "reviewed_at": now,
                "note": why,
                "updated_at": now,
            },
        )
        _record_step(conn, row, "return", target, by, why, now)
        found = store.get(conn, proposal_id)
    assert found is not None
    return view(found, clock.china_day(now))


def _initiators_step(
    conn: Connection, proposal_id: int, action: str, by: Principal
) -> tuple[RowMapping, str]:
    require(by, "propose", by.department)
    named(by, action)
    row = _open(conn, proposal_id)
    require(by, "propose", row["department"])
    return row, MACHINE.step(_label(proposal_id), row["status"], action)


def resubmit(
    engine: Engine,
    proposal_id: int,
    request: Request | None = None,
    *,
    by: Principal,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Send a returned proposal to review again, with new content (``request``, of the same
    action and entry) or as it was. The review time limit starts again."""
    note = _text(note, "note", required=False)
    now = now or clock.now()
    today = clock.china_day(now)
    with write_transaction(engine) as conn:
        row, target = _initiators_step(conn, proposal_id, "resubmit", by)
        due = _due(row["action"], row["list_type"], _grounds(row), today)
        values: dict[str, Any] = {"due": due.day, "due_estimated": due.estimated}
        if request is not None:
            # Content without an action replaces the proposal's own kind of content.
            record_id = request.record_id
            if row["action"] != "create" and record_id is None:
                record_id = row["record_id"]
            request = dataclasses.replace(
                request, action=request.action or row["action"], record_id=record_id
            )
            if request.action != row["action"]:
                raise InvalidInputError(
                    f"action: {_label(proposal_id)} is a {row['action']}; propose a "
                    f"{request.action} anew",
                    problems=_one("action", "differs"),
                )
            if row["action"] != "create" and request.record_id not in (None, row["record_id"]):
                raise InvalidInputError(
                    f"record_id: {_label(proposal_id)} is about record {row['record_id']}",
                    problems=_one("record_id", "differs"),
                )
            values, duplicate = _values(conn, request, by, today, exclude=proposal_id)
            if duplicate is not None:
                raise ConflictError(f"nothing to propose: {duplicate}")
            if values["department"] != row["department"]:
                raise InvalidInputError(
                    f"department: {_label(proposal_id)} is {row['department']}'s",
                    problems=_one("department", "differs"),
                )
        store.set_values(
            conn, proposal_id, values | {"status": target, "overdue_at": None, "updated_at": now}
        )
        _record_step(conn, row, "resubmit", target, by, note, now)
        found = store.get(conn, proposal_id)
    assert found is not None
    return view(found, today)


def _grounds(row: Mapping[Any, Any]) -> dt.date | None:
    grounds = row["payload"].get("grounds_ended_on") if row["action"] == "end" else None
    return dt.date.fromisoformat(grounds) if grounds else None


def withdraw(
    engine: Engine,
    proposal_id: int,
    *,
    by: Principal,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The initiating department takes its proposal back; nothing of it takes effect."""
    note = _text(note, "note", required=False)
    now = now or clock.now()
    with write_transaction(engine) as conn:
        row, target = _initiators_step(conn, proposal_id, "withdraw", by)
        store.set_values(conn, proposal_id, {"status": target, "updated_at": now})
        _record_step(conn, row, "withdraw", target, by, note, now)
        found = store.get(conn, proposal_id)
    assert found is not None
    return view(found, clock.china_day(now))


# -- reading -------------------------------------------------------------------------------------


def _visible(by: Principal, department: str) -> bool:
    return by.role in OVERSEERS or department == by.department


def get(engine: Engine, proposal_id: int, *, by: Principal) -> dict[str, Any]:
    """One proposal with its history (every step: who, when, why); audited."""
    require(by, "read-proposals")
    with write_transaction(engine) as conn:
        row = store.get(conn, proposal_id)
        if row is None or not _visible(by, row["department"]):
            # Another department's proposal is not shown, and not confirmed to exist either.
            raise NotFoundError(f"no proposal {proposal_id} visible to this caller")
        history = [_event_view(e) for e in workflows.events_of(conn, WORKFLOW, proposal_id)]
        attached = [
            attachment_view(a) for a in store_cases.attachments_of(conn, WORKFLOW, proposal_id)
        ]
        audit.append(
            conn,
            by,
            "read-proposal",
            subject=row["subject"],
            record_id=row["record_id"],
            detail={"proposal": proposal_id},
        )
    return view(row) | {"history": history, "attachments": attached}


def _may_read(_conn: Connection, by: Principal, row: Mapping[Any, Any]) -> None:
    if not _visible(by, row["department"]):
        raise NotFoundError(f"no proposal {row['id']} visible to this caller")


#: Notes and attachments of proposals, as of every kind of case; their pages stay ``get`` and
#: ``listed`` (a department's queue with the author's and the reviewer's views).
QUEUE = Queue(KIND, view, _may_read, plural="proposals", missing="proposal")


def listed(
    engine: Engine,
    *,
    by: Principal,
    department: str | None = None,
    status: str | None = None,
    overdue: bool = False,
    limit: int,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Proposals newest first: a department's own (initiators, reviewers), or every
    department's, or one's (supervisors, admins, the operator). Fetch ``limit + 1`` to know
    whether there is a next page. Audited."""
    require(by, "read-proposals")
    if status is not None and status not in PROPOSAL_STATUSES:
        raise InvalidInputError(
            f"status: {status!r} is not one of {', '.join(PROPOSAL_STATUSES)}",
            problems=_one("status", "unknown"),
        )
    if by.role not in OVERSEERS:
        if department is not None and department != by.department:
            raise PermissionDeniedError(
                f"this key reads department {by.department}'s proposals, not {department}'s"
            )
        department = by.department
    today = clock.today()
    with write_transaction(engine) as conn:
        rows = store.page(
            conn,
            department=department,
            status=status,
            overdue_on=today if overdue else None,
            limit=limit,
            offset=offset,
        )
        audit.append(
            conn,
            by,
            "read-proposals",
            detail={"proposals": [r["id"] for r in rows]},
        )
    return [view(r, today) for r in rows]


__all__ = [
    "ACTIONS",
    "CHANGEABLE",
    "QUEUE",
    "Proposed",
    "Request",
    "approve",
    "get",
    "listed",
    "propose_drafts",
    "resubmit",
    "return_",
    "submit",
    "view",
    "withdraw",
]
