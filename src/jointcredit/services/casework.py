"""The casework core's use cases: what every kind of case does the same way.

A kind's service (``services/objections.py``, ``repairs.py``, ``tipoffs.py``,
``proposals.py``) defines what its steps do to the registry; this module does the rest for all
of them: time limits in working days and how urgent a case is, the history row and the audit
row of every step, notes and documents, who sees which cases, the pages of a queue and one case
with its history (both audited), and "what may this principal do with this case now".
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
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
from jointcredit.jsontext import iso
from jointcredit.rules.workdays import (
    Deadline,
    add_workdays,
    estimate_warning,
    urgency,
    workdays_between,
)
from jointcredit.services import audit, push
from jointcredit.settings import get_settings
from jointcredit.store import cases as store
from jointcredit.store import records, workflows
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import messages
from jointcredit.workflows.casework import CaseKind

LIST_KINDS = ("red-list", "black-list")
#: The documents a case takes, by their first bytes (what the file is, not what it is called):
#: media type → (signature, what people call it).
ATTACHMENT_TYPES: dict[str, tuple[bytes, str]] = {
    "application/pdf": (b"%PDF-", "PDF"),
    "application/ofd": (b"PK\x03\x04", "OFD"),
    "image/png": (b"\x89PNG\r\n\x1a\n", "PNG"),
    "image/jpeg": (b"\xff\xd8\xff", "JPEG"),
}
#: The most a note or a reason may hold.
TEXT_MAX = 20_000


def providing_department(record: Mapping[Any, Any]) -> str | None:
    """The catalog code of the department that provided the record and so handles a case on
    it: the listing department of a list entry; for a double-publicity record the department
    whose name is its data source (数据来源单位); None when the catalog names no such
    department."""
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


#: Dates and timestamps as ISO 8601 text (one rule for every answer).
text = iso


def due_from(kind: CaseKind, status: str, day: dt.date) -> Deadline | None:
    """The time limit that entering ``status`` on ``day`` starts, or None (the running one
    goes on, or the case is closed)."""
    setting = kind.limits.get(status)
    if setting is None:
        return None
    return add_workdays(day, int(getattr(get_settings(), setting)))


def deadline_fields(row: Mapping[Any, Any], today: dt.date, kind: CaseKind) -> dict[str, Any]:
    """``due``, ``due_estimated``, ``due_warning``, ``overdue`` and ``days_late`` (working
    days past the due day, while the case is still open)."""
    due: dt.date = row["due"]
    late = kind.is_open(row["status"]) and due < today
    return {
        "due": due.isoformat(),
        "due_estimated": bool(row["due_estimated"]),
        "due_warning": estimate_warning() if row["due_estimated"] else None,
        "overdue": late,
        "days_late": workdays_between(due, today) if late else None,
    }


def case_view(
    kind: CaseKind,
    row: Mapping[Any, Any],
    today: dt.date,
    fields: Sequence[str],
    **extra: Any,
) -> dict[str, Any]:
    """A case as the API and the CLI show it: its kind's ``fields`` (timestamps as text), its
    time limit's fields, when it was made and changed, and ``extra`` (its history, the
    departments a step told)."""
    return {
        **{name: text(row[name]) for name in fields},
        **deadline_fields(row, today, kind),
        "created_at": text(row["created_at"]),
        "updated_at": text(row["updated_at"]),
        **extra,
    }


def time_left(
    kind: CaseKind, item: Mapping[str, Any], *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """How urgent a case (as its view shows it) is: ``days_left``, working days from today to
    its due day while it is open (negative: past it), and ``urgency``: ``overdue``,
    ``due-soon`` (within ``rules.workdays.DUE_SOON_WORKDAYS`` working days) or None (closed,
    or time enough)."""
    if not kind.is_open(item["status"]):
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


def set_record_status(
    conn: Connection,
    record_id: int,
    status: str,
    *,
    by: Principal,
    now: dt.datetime,
    why: str,
    event: str,
    reason: str,
) -> list[str]:
    """A case's effect on its record: the record's new ``status`` (in its history, ``why``), and
    ``event`` to every department already told of the record. Returns those departments."""
    records.set_status(conn, record_id, status, actor=by.actor, now=now, reason=why)
    told = push.told(conn, record_id)
    return departments_of(
        conn, push.emit(conn, record_id, event, reason=reason, now=now, only=told)
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
    """The department whose cases ``by`` sees, or None for all of them (overseers)."""
    if by.is_subject:
        # A subject has no department: "None" would mean everything. Its lists are filtered by
        # subject instead (see ``scope_of``); reaching here is a bug, refused rather than leaked.
        raise PermissionDeniedError("a subject sees its own items only")
    return None if by.role in OVERSEERS else by.department


def scope_of(by: Principal) -> dict[str, str | None]:
    """What ``by``'s lists of cases hold: a subject its own (by subject), a department's key
    its department's, overseers everything."""
    if by.is_subject:
        return {"department": None, "subject": by.name}
    return {"department": visible_to(by), "subject": None}


def not_theirs(by: Principal, subject: str) -> bool:
    """Whether ``by`` is a subject acting on someone else's case (answered as not found, so
    that self-service does not tell which records exist)."""
    return by.is_subject and subject != by.name


def required_text(value: str | None, field: str, what: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidInputError(f"{field}: {what}")
    if len(cleaned) > TEXT_MAX:
        raise InvalidInputError(f"{field}: at most {TEXT_MAX} characters")
    return cleaned


def media_type_of(content: bytes, name: str) -> str:
    """The attachment's media type from its first bytes; a file of any other type is refused.

    >>> media_type_of(b"%PDF-1.7 ...", "决定书.pdf")
    'application/pdf'
    >>> media_type_of(b"MZ...", "setup.exe")
    Traceback (most recent call last):
    jointcredit.errors.InvalidInputError: file: 'setup.exe' is not a PDF, OFD, PNG or JPEG document
    """
    for media_type, (signature, _) in ATTACHMENT_TYPES.items():
        if content.startswith(signature):
            return media_type
    kinds = [what for _, what in ATTACHMENT_TYPES.values()]
    raise InvalidInputError(
        f"file: {name!r} is not a {', '.join(kinds[:-1])} or {kinds[-1]} document"
    )


def clean_file_name(name: str | None) -> str:
    r"""A file name fit to show and to offer for download: its last path part, without control
    characters, at most 200 characters.

    >>> clean_file_name("C:\\材料\\缴款凭证.pdf")
    '缴款凭证.pdf'
    >>> clean_file_name("../../etc/passwd\x00")
    'passwd'
    >>> clean_file_name("")
    'attachment'
    """
    last = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in last if c.isprintable()).strip()
    return cleaned[:200] or "attachment"


def record_event(
    conn: Connection,
    kind: CaseKind,
    case_id: int,
    action: str,
    by: Principal,
    *,
    before: str | None,
    after: str,
    note: str | None,
    now: dt.datetime,
) -> None:
    """One row of the case's append-only history."""
    workflows.record_event(
        conn,
        kind.name,
        case_id,
        action,
        from_status=before,
        to_status=after,
        actor=by.actor,
        department=by.department,
        role=by.role,
        note=note,
        at=now,
    )


def handler_or_opener(kind: CaseKind) -> Callable[[Connection, Principal, Mapping[Any, Any]], None]:
    """The read rule of most kinds: a subject reads its own cases (another's is not found),
    overseers every case, a department the cases it handles or opened."""

    def may_read(conn: Connection, by: Principal, row: Mapping[Any, Any]) -> None:
        if by.is_subject:
            if not_theirs(by, row["subject"]):
                raise NotFoundError(f"no {kind.noun} {row['id']}")
            return
        mine = visible_to(by)
        if mine is None or mine == row["department"]:
            return
        if store.opener_department(conn, kind.name, row["id"]) != mine:
            raise PermissionDeniedError(
                f"{kind.noun} {row['id']} is handled by {row['department'] or 'no department'} "
                f"and was not opened by department {mine}: this key acts for department {mine}"
            )

    return may_read


def attachment_view(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "media_type": row["media_type"],
        "size": row["size"],
        "sha256": row["sha256"],
        "added_by": row["added_by"],
        "department": row["department"],
        "at": text(row["added_at"]),
    }


@dataclass(frozen=True)
class Queue:
    """A kind of case bound to its view, its read rule and the words of its audit rows and
    errors; what every kind does the same way (list, show, notes, documents, urgency, the
    record a case is about, the handler's permission, a step) is done here once."""

    kind: CaseKind
    #: The view of a row as the API and the CLI show it; by default :func:`case_view` of
    #: ``fields``.
    view: Callable[..., dict[str, Any]] = None  # type: ignore[assignment]
    #: Raises unless the caller may read the case (a subject: not found; another department:
    #: permission denied); by default :func:`handler_or_opener`.
    may_read: Callable[[Connection, Principal, Mapping[Any, Any]], None] = None  # type: ignore[assignment]
    #: The plural of the audit actions and details (``read-objections``); by default the
    #: kind's name with an s.
    plural: str = ""
    #: How a missing case is named ("no objection 7"); by default the kind's noun.
    missing: str = ""
    #: What the default view shows of a row, in this order, before the time limit's fields:
    #: names, or one string of names separated by spaces (as ``namedtuple`` takes them).
    fields: Sequence[str] | str = ()

    def __post_init__(self) -> None:
        if self.view is None:
            kind = self.kind
            fields = tuple(self.fields.split() if isinstance(self.fields, str) else self.fields)

            def view(row: Mapping[Any, Any], today: dt.date, **extra: Any) -> dict[str, Any]:
                return case_view(kind, row, today, fields, **extra)

            object.__setattr__(self, "view", view)
        if self.may_read is None:
            object.__setattr__(self, "may_read", handler_or_opener(self.kind))
        object.__setattr__(self, "plural", self.plural or f"{self.kind.name}s")
        object.__setattr__(self, "missing", self.missing or self.kind.noun)

    def not_found(self, case_id: int) -> NotFoundError:
        return NotFoundError(f"no {self.missing} {case_id}")

    def load(self, conn: Connection, case_id: int) -> RowMapping:
        """The case's row, locked for a step."""
        row = store.get(conn, self.kind.name, case_id, lock=True)
        if row is None:
            raise self.not_found(case_id)
        return row

    def viewed(
        self, conn: Connection, case_id: int, now: dt.datetime, **extra: Any
    ) -> dict[str, Any]:
        """The case as it is now in the transaction, viewed on ``now``'s day."""
        row = store.get(conn, self.kind.name, case_id)
        assert row is not None, "a case is never deleted"
        return self.view(row, clock.china_day(now), **extra)

    def record_for(self, conn: Connection, record_id: int, by: Principal) -> RowMapping:
        """The record a new case of this kind is about, locked: refused when ``by`` may not
        see it (a subject's other records are not found) or when it has an open case of this
        kind already (one at a time per record)."""
        record = records.lock_for_case(conn, record_id)
        if record is None or not_theirs(by, record["subject"]):
            raise NotFoundError(f"no credit record {record_id}")
        existing = store.open_on_record(conn, self.kind.name, record_id)
        if existing is not None:
            noun = self.kind.noun
            raise ConflictError(
                f"record {record_id} already has an open {noun}: {self.kind.name} {existing['id']} "
                f"({existing['status']}, due {existing['due'].isoformat()}); one {noun} at a "
                "time per record"
            )
        return record

    def require_handler(self, by: Principal, row: Mapping[Any, Any], verb: str) -> None:
        """Raise unless ``by`` is of the case's handling department with the kind's handling
        permission, or the operator (``verb``: what it would do, for the message)."""
        require(by, self.kind.handler)
        if by.department is None:
            return
        if row["department"] is None:
            raise PermissionDeniedError(
                f"{self.kind.noun} {row['id']}: no department of the catalog provided record "
                f"{row.get('record_id')}, so only the operator may {verb} it"
            )
        require(by, self.kind.handler, row["department"])

    def transition(
        self,
        conn: Connection,
        row: Mapping[Any, Any],
        action: str,
        by: Principal,
        *,
        note: str | None,
        now: dt.datetime,
        changes: Mapping[str, Any] | None = None,
        audit_action: str | None = None,
        detail: Mapping[str, Any] | None = None,
        status: str | None = None,
    ) -> str:
        """Take ``action`` on the case (its locked ``row``; ``status`` when a step of the same
        transaction moved it already): the machine's next status, the row changed with
        ``changes``, its history row and its audit row (``<kind>-<action>`` unless named).
        Returns the new status; an illegal step raises before anything is written."""
        before = status or row["status"]
        after = self.kind.machine.step(f"{self.kind.noun} {row['id']}", before, action)
        store.change(
            conn, self.kind.name, row["id"], status=after, updated_at=now, **dict(changes or {})
        )
        record_event(
            conn, self.kind, row["id"], action, by, before=before, after=after, note=note, now=now
        )
        audit.append(
            conn,
            by,
            audit_action or f"{self.kind.name}-{action}",
            subject=row["subject"],
            record_id=row.get("record_id"),
            detail={self.kind.name: row["id"], "status": after, **dict(detail or {})},
        )
        return after

    def listed(
        self,
        engine: Engine,
        *,
        by: Principal,
        limit: int,
        offset: int = 0,
        status: str | None = None,
        overdue: bool = False,
        now: dt.datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Cases ``by`` may see (its department's: those it handles or opened; overseers: all;
        a subject: its own), newest first; ``overdue``: open ones past their due day, the
        most overdue first. The read is audited."""
        require(by, self.kind.read)
        if status is not None and status not in self.kind.statuses:
            raise InvalidInputError(
                f"status: {status!r} is not one of {', '.join(self.kind.statuses.values)}"
            )
        today = clock.china_day(now or clock.now())
        with write_transaction(engine) as conn:
            rows = store.page(
                conn,
                self.kind.name,
                limit=limit,
                offset=offset,
                **scope_of(by),
                status=status,
                due_before=today if overdue else None,
            )
            audit.append(
                conn,
                by,
                f"read-{self.plural}",
                detail={self.plural: [r["id"] for r in rows[:limit]], "overdue": overdue},
            )
        return [self.view(r, today) for r in rows]

    def shown(
        self, engine: Engine, case_id: int, *, by: Principal, now: dt.datetime | None = None
    ) -> dict[str, Any]:
        """One case with its history (every step, oldest first); audited."""
        require(by, self.kind.read)
        today = clock.china_day(now or clock.now())
        with write_transaction(engine) as conn:
            row = store.get(conn, self.kind.name, case_id)
            if row is None:
                raise self.not_found(case_id)
            self.may_read(conn, by, row)
            history = workflows.events_of(conn, self.kind.name, case_id)
            attached = store.attachments_of(conn, self.kind.name, case_id)
            audit.append(
                conn,
                by,
                f"read-{self.kind.name}",
                subject=row["subject"],
                record_id=row.get("record_id"),
                detail={self.kind.name: case_id},
            )
        return self.view(
            row,
            today,
            history=[event_view(e) for e in history],
            attachments=[attachment_view(a) for a in attached],
        )

    def note(
        self,
        engine: Engine,
        case_id: int,
        *,
        note: str,
        by: Principal,
        now: dt.datetime | None = None,
    ) -> dict[str, Any]:
        """Add a note to the case's history (its status unchanged): the handling department's
        working notes, kept with who wrote them and when; audited."""
        require(by, self.kind.handler)
        note = required_text(note, "note", "write the note")
        now = now or clock.now()
        with write_transaction(engine) as conn:
            row = self.load(conn, case_id)
            if not self.kind.may_note(by, row):
                raise PermissionDeniedError(
                    f"{self.kind.noun} {case_id} is handled by "
                    f"{row['department'] or 'no department'}: only its staff or the operator "
                    "add notes to it"
                )
            status = row["status"]
            record_event(
                conn,
                self.kind,
                case_id,
                "note",
                by,
                before=status,
                after=status,
                note=note,
                now=now,
            )
            audit.append(
                conn,
                by,
                f"{self.kind.name}-note",
                subject=row["subject"],
                record_id=row.get("record_id"),
                detail={self.kind.name: case_id},
            )
        return self.shown(engine, case_id, by=by, now=now)

    def attach(
        self,
        engine: Engine,
        case_id: int,
        *,
        name: str | None,
        content: bytes,
        by: Principal,
        now: dt.datetime | None = None,
    ) -> dict[str, Any]:
        """Attach a document (PDF, OFD, PNG or JPEG, at most ``JOINTCREDIT_ATTACHMENT_MAX_BYTES``)
        to the case: by whoever may add notes, the opener, or the subject on its own case. The
        history names it and the audit chain keeps its SHA-256. Returns the attachment's view."""
        require(by, self.kind.read)
        name = clean_file_name(name)
        limit = get_settings().attachment_max_bytes
        if not content:
            raise InvalidInputError(f"file: {name!r} is empty")
        if len(content) > limit:
            raise InvalidInputError(
                f"file: {name!r} has {len(content):,} bytes; at most {limit:,} are taken"
            )
        media_type = media_type_of(content, name)
        digest = hashlib.sha256(content).hexdigest()
        now = now or clock.now()
        with write_transaction(engine) as conn:
            row = self.load(conn, case_id)
            self.may_read(conn, by, row)
            if not self.kind.may_attach(by, row):
                raise PermissionDeniedError(
                    f"{self.kind.noun} {case_id}: only its handling department, whoever opened "
                    "it or its subject attach documents to it"
                )
            attachment_id = store.add_attachment(
                conn,
                self.kind.name,
                case_id,
                {
                    "name": name,
                    "media_type": media_type,
                    "size": len(content),
                    "sha256": digest,
                    "content": content,
                    "added_by": by.actor,
                    "department": by.department,
                    "role": by.role,
                    "added_at": now,
                },
            )
            status = row["status"]
            record_event(
                conn,
                self.kind,
                case_id,
                "attach",
                by,
                before=status,
                after=status,
                note=f"{name} (sha256 {digest})",
                now=now,
            )
            audit.append(
                conn,
                by,
                f"{self.kind.name}-attach",
                subject=row["subject"],
                record_id=row.get("record_id"),
                detail={
                    self.kind.name: case_id,
                    "attachment": attachment_id,
                    "sha256": digest,
                    "size": len(content),
                },
            )
            found = store.attachments_of(conn, self.kind.name, case_id)
        return next(attachment_view(a) for a in found if a["id"] == attachment_id)

    def attachment(
        self, engine: Engine, case_id: int, attachment_id: int, *, by: Principal
    ) -> tuple[dict[str, Any], bytes]:
        """One attachment (its view and content), for whoever may read the case; audited."""
        require(by, self.kind.read)
        with write_transaction(engine) as conn:
            row = store.get(conn, self.kind.name, case_id)
            if row is None:
                raise self.not_found(case_id)
            self.may_read(conn, by, row)
            found = store.attachment(conn, self.kind.name, case_id, attachment_id)
            if found is None:
                raise NotFoundError(f"{self.kind.noun} {case_id} has no attachment {attachment_id}")
            audit.append(
                conn,
                by,
                "read-attachment",
                subject=row["subject"],
                record_id=row.get("record_id"),
                detail={self.kind.name: case_id, "attachment": attachment_id},
            )
        return attachment_view(found), bytes(found["content"])

    def actions_for(self, by: Principal, item: Mapping[Any, Any]) -> list[str]:
        """The steps ``by`` may take on the case (its view) now."""
        return self.kind.actions_for(by, item)

    def time_left(
        self, item: Mapping[str, Any], *, now: dt.datetime | None = None
    ) -> dict[str, Any]:
        return time_left(self.kind, item, now=now)


__all__ = [
    "Queue",
    "departments_of",
    "due_from",
    "event_view",
    "not_theirs",
    "providing_department",
    "record_event",
    "required_text",
    "scope_of",
    "text",
    "time_left",
    "visible_to",
]
