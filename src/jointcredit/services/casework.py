"""The casework core's use cases: what every kind of case does the same way.

A kind's service (``services/objections.py``, ``repairs.py``, ``tipoffs.py``) defines what its
steps do to the registry; this module does the rest for all of them: time limits in working days
and how urgent a case is, the history row and the audit row of every step, notes, who sees which
cases, the pages of a queue and one case with its history (both audited), and "what may this
principal do with this case now".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, select

from jointcredit import clock
from jointcredit.access import OVERSEERS, Principal, require
from jointcredit.catalog import load_catalog
from jointcredit.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from jointcredit.rules.workdays import (
    Deadline,
    add_workdays,
    estimate_warning,
    urgency,
    workdays_between,
)
from jointcredit.services import audit
from jointcredit.settings import get_settings
from jointcredit.store import cases as store
from jointcredit.store import workflows
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import messages
from jointcredit.workflows.casework import CaseKind

LIST_KINDS = ("red-list", "black-list")
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


def text(value: Any) -> Any:
    """Dates and timestamps as ISO 8601 text; timestamps in UTC with ``Z``."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds") + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


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


@dataclass(frozen=True)
class Queue:
    """How a kind's cases are listed and shown: its view, whether a caller may read one, and
    the words its audit rows and errors use."""

    kind: CaseKind
    #: The view of a row as the API and the CLI show it.
    view: Callable[..., dict[str, Any]]
    #: Raises unless the caller may read the case (a subject: not found; another department:
    #: permission denied).
    may_read: Callable[[Connection, Principal, Mapping[Any, Any]], None]
    #: The plural of the audit actions and details: ``read-objections`` / ``read-objection``.
    plural: str
    #: How a missing case is named: "no objection 7".
    missing: str

    def not_found(self, case_id: int) -> NotFoundError:
        return NotFoundError(f"no {self.missing} {case_id}")

    def load(self, conn: Connection, case_id: int) -> RowMapping:
        """The case's row, locked for a step."""
        row = store.get(conn, self.kind.name, case_id, lock=True)
        if row is None:
            raise self.not_found(case_id)
        return row

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
            audit.append(
                conn,
                by,
                f"read-{self.kind.name}",
                subject=row["subject"],
                record_id=row.get("record_id"),
                detail={self.kind.name: case_id},
            )
        return self.view(row, today, history=[event_view(e) for e in history])

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

    def actions_for(self, by: Principal, item: Mapping[str, Any]) -> list[str]:
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
