"""Repository queries of the joint check: what the registry knows of subjects, in batches.

One code path serves a single check (a batch of one) and bulk screening (thousands per batch),
so both answer alike. Every query is indexed: identifier value → subject; subject → records;
person → relations → organisations' entries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, and_, select

from jointcredit.rules.check import Entry, Facts, Role, Subject
from jointcredit.store.tables import (
    credit_records,
    record_history,
    relations,
    subject_identifiers,
    subjects,
)

_CHUNK = 2000
_LIST_KINDS = ("red-list", "black-list")
#: Records the check reads of the subject itself: list entries, penalties (clean-record
#: triggers) and any other record (whether the subject was known when a period began).
_CHECKED_KINDS = ("red-list", "black-list", "penalty", "licensing", "commitment")


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.datetime.fromisoformat(str(value)).date()


_RECORD_COLUMNS = (
    credit_records.c.id,
    credit_records.c.subject_id,
    credit_records.c.kind,
    credit_records.c.list_type,
    credit_records.c.document_number,
    credit_records.c.decision_date,
    credit_records.c.valid_from,
    credit_records.c.valid_until,
    credit_records.c.severity,
    credit_records.c.status,
    credit_records.c.version,
    credit_records.c.recorded_at,
)


def _entries_of(
    conn: Connection, subject_ids: Sequence[int], kinds: Sequence[str]
) -> dict[int, list[Entry]]:
    rows: list[Any] = []
    for chunk in _chunks(sorted(set(subject_ids))):
        rows.extend(
            conn.execute(
                select(*_RECORD_COLUMNS).where(
                    credit_records.c.subject_id.in_(chunk), credit_records.c.kind.in_(kinds)
                )
            ).all()
        )
    # Status timelines only for records that changed since they were created.
    changed = [row.id for row in rows if row.version > 1]
    timelines: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for chunk in _chunks(changed):
        for record_id, recorded_at, status in conn.execute(
            select(
                record_history.c.record_id, record_history.c.recorded_at, record_history.c.status
            )
            .where(record_history.c.record_id.in_(chunk))
            .order_by(record_history.c.record_id, record_history.c.version)
        ):
            timelines[record_id].append((_day(recorded_at), status))
    result: dict[int, list[Entry]] = defaultdict(list)
    for row in rows:
        statuses = timelines.get(row.id) or [(_day(row.recorded_at), row.status)]
        result[row.subject_id].append(
            Entry(
                id=row.id,
                kind=row.kind,
                list_type=row.list_type,
                document_number=row.document_number,
                decision_date=row.decision_date,
                valid_from=row.valid_from,
                valid_until=row.valid_until,
                severity=row.severity,
                statuses=tuple(statuses),
            )
        )
    for entries in result.values():
        entries.sort(key=lambda e: e.id)
    return result


def load_facts(conn: Connection, identifiers: Sequence[str]) -> dict[str, Facts]:
    """What the registry knows of each identifier's subject; unknown identifiers get empty facts."""
    found: dict[str, tuple[int, Subject]] = {}
    for chunk in _chunks(sorted(set(identifiers))):
        for value, subject_id, identifier, name, kind in conn.execute(
            select(
                subject_identifiers.c.value,
                subjects.c.id,
                subjects.c.identifier,
                subjects.c.name,
                subjects.c.kind,
            )
            .join(subjects, subjects.c.id == subject_identifiers.c.subject_id)
            .where(subject_identifiers.c.value.in_(chunk))
        ):
            found[value] = (subject_id, Subject(identifier, name, kind))
    subject_ids = [subject_id for subject_id, _ in found.values()]
    own = _entries_of(conn, subject_ids, _CHECKED_KINDS)

    persons = [sid for sid, subject in found.values() if subject.kind == "natural-person"]
    roles: dict[int, list[tuple[str, int, str, Any, Any]]] = defaultdict(list)
    for chunk in _chunks(persons):
        for person_id, role, org_id, org_identifier, valid_from, valid_until in conn.execute(
            select(
                relations.c.person_id,
                relations.c.role,
                relations.c.organization_id,
                subjects.c.identifier,
                relations.c.valid_from,
                relations.c.valid_until,
            )
            .join(subjects, subjects.c.id == relations.c.organization_id)
            .where(and_(relations.c.person_id.in_(chunk)))
        ):
            roles[person_id].append((role, org_id, org_identifier, valid_from, valid_until))
    org_entries = _entries_of(
        conn, [org for held in roles.values() for _, org, _, _, _ in held], _LIST_KINDS
    )

    facts: dict[str, Facts] = {}
    for identifier in identifiers:
        if identifier not in found:
            facts[identifier] = Facts(None)
            continue
        subject_id, subject = found[identifier]
        facts[identifier] = Facts(
            subject,
            tuple(own.get(subject_id, ())),
            tuple(
                Role(role, org_identifier, valid_from, valid_until, tuple(org_entries.get(org, ())))
                for role, org, org_identifier, valid_from, valid_until in sorted(
                    roles.get(subject_id, ()), key=lambda r: (r[2], r[0])
                )
                if org_entries.get(org)
            ),
        )
    return facts
