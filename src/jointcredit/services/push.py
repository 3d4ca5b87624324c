"""Information push (信息推送, 33号 §15): tell implementing departments what happened to an entry.

:func:`emit` writes one message per receiving department into the outbox (table ``messages``)
in the caller's transaction, the same one that changes the entry: if the change commits, its
messages exist; if the process dies, neither does. Delivery (webhooks, the feed) happens later
and at least once, so every message carries an idempotency key that stays the same for every
attempt and is unique in the table.

Who receives: every department that implements a measure on the entry's list type (the catalog's
stated implementers and its transcribers' inferred ones: a message sent to a department that
turns out not to implement costs nothing, one not sent leaves a punishment unapplied; each
followed to its successor and to the local departments that carry its duties in the measure's
region, ``Catalog.implementers``), every
department subscribed to the list type, and every department already told about this entry, so
that whoever heard of a listing also hears of its end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from jointcredit.clock import china_day
from jointcredit.errors import NotFoundError
from jointcredit.store.bulk import insert_rows
from jointcredit.store.tables import credit_records, messages, subjects, subscriptions

#: Events that end what an entry meant: after one of them, a department applies nothing more.
END_EVENTS = frozenset({"entry.ended", "entry.corrected"})
LIST_KINDS = ("red-list", "black-list")


def idempotency_key(record_id: int, version: int, event: str, department: str) -> str:
    """The same for every attempt to deliver one message, and different for any other.

    >>> idempotency_key(7, 2, "entry.suspended", "MPS")
    'jc-r7v2-f8355e2672c8d1193c89a55a'
    """
    digest = hashlib.sha256(f"{record_id}|{version}|{event}|{department}".encode()).hexdigest()
    return f"jc-r{record_id}v{version}-{digest[:24]}"


def _catalog() -> Any:
    from jointcredit.catalog import load_catalog

    return load_catalog()


def implementers(list_type: str | None, day: dt.date, catalog: Any = None) -> dict[str, list[Any]]:
    """Department code → the measures it implements on ``list_type`` on ``day``.

    The catalog's stated and inferred implementers, each carried by its successor (a body
    abolished in a reform by the one that took its functions) and by every local department
    whose counterpart it is, kept to the departments inside the measure's region.
    """
    if list_type is None:
        return {}
    catalog = catalog or _catalog()
    if list_type not in catalog.list_types:
        return {}
    found: dict[str, list[Any]] = {}
    for measure in catalog.measures_for_list_type(list_type, day):
        for department in catalog.implementers(measure, list_type):
            found.setdefault(department, [])
            if measure not in found[department]:
                found[department].append(measure)
    return found


def told(conn: Connection, record_id: int) -> set[str]:
    """Departments that received any message about the record."""
    return set(
        conn.execute(
            select(messages.c.department).where(messages.c.record_id == record_id).distinct()
        )
        .scalars()
        .all()
    )


def _subscribed(conn: Connection, list_type: str | None) -> tuple[set[str], set[str]]:
    """(departments with an active webhook, departments that asked for ``list_type``)."""
    active: set[str] = set()
    asked: set[str] = set()
    for row in conn.execute(
        select(subscriptions.c.department, subscriptions.c.list_types, subscriptions.c.active)
    ):
        if row.active:
            active.add(row.department)
        if list_type is not None and list_type in (row.list_types or ()):
            asked.add(row.department)
    return active, asked


def _entry(conn: Connection, record_id: int) -> RowMapping:
    row = (
        conn.execute(
            select(
                credit_records,
                subjects.c.identifier.label("subject_identifier"),
                subjects.c.name.label("subject_name"),
                subjects.c.kind.label("subject_kind"),
            )
            .join(subjects, subjects.c.id == credit_records.c.subject_id)
            .where(credit_records.c.id == record_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFoundError(f"no credit record {record_id}")
    return row


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def entry_view(row: RowMapping) -> dict[str, Any]:
    """The entry as a message shows it (shared data: departments see identifiers)."""
    return {
        "id": row["id"],
        "version": row["version"],
        "kind": row["kind"],
        "list_type": row["list_type"],
        "status": row["status"],
        "department": row["department"],
        "subject": {
            "identifier": row["subject_identifier"],
            "name": row["subject_name"],
            "kind": row["subject_kind"],
        },
        "document_number": row["document_number"],
        "decision_date": _day(row["decision_date"]),
        "valid_from": _day(row["valid_from"]),
        "valid_until": _day(row["valid_until"]),
        "legal_basis": row["legal_basis"],
    }


def emit(
    conn: Connection,
    record_id: int,
    event: str,
    *,
    reason: str | None = None,
    now: dt.datetime,
    catalog: Any = None,
    only: Iterable[str] | None = None,
) -> list[int]:
    """Write the messages announcing ``event`` of the entry ``record_id`` (at its current
    version) to every receiving department; returns their ids.

    Call it in the transaction that made the change. A message already written for the same
    record version, event and department is not written again (its idempotency key exists), so
    a step retried after a crash, or taken by two workers at once, announces nothing twice.
    ``only`` restricts the receivers (e.g. to those told before).
    """
    row = _entry(conn, record_id)
    day = china_day(now)
    by_department = implementers(row["list_type"], day, catalog)
    active, asked = _subscribed(conn, row["list_type"])
    receivers = set(by_department) | asked | told(conn, record_id)
    if only is not None:
        receivers &= set(only)
    if not receivers:
        return []
    keys = {d: idempotency_key(record_id, row["version"], event, d) for d in receivers}
    existing = set(
        conn.execute(
            select(messages.c.idempotency_key).where(
                messages.c.record_id == record_id,
                messages.c.idempotency_key.in_(list(keys.values())),
            )
        ).scalars()
    )
    entry = entry_view(row)
    rows = []
    for department in sorted(receivers):
        key = keys[department]
        if key in existing:
            continue
        measures = by_department.get(department, [])
        rows.append(
            {
                "department": department,
                "event": event,
                "reason": reason,
                "record_id": record_id,
                "record_version": row["version"],
                "subject": row["subject_identifier"],
                "list_type": row["list_type"],
                "idempotency_key": key,
                "payload": {
                    "event": event,
                    "reason": reason,
                    "idempotency_key": key,
                    "department": department,
                    "occurred_at": now.isoformat(),
                    "entry": entry,
                    "measures": [
                        {
                            "id": m.id,
                            "kind": str(m.kind),
                            "text": m.text,
                            "legal_basis": m.legal_basis,
                        }
                        for m in measures
                    ],
                },
                "created_at": now,
                "state": "pending" if department in active else "feed",
                "attempts": 0,
                "next_attempt_at": now,
            }
        )
    if not rows:
        return []
    insert_rows(conn, messages, rows)
    return [
        int(i)
        for i in conn.execute(
            select(messages.c.id).where(
                messages.c.idempotency_key.in_([r["idempotency_key"] for r in rows])
            )
        ).scalars()
    ]
