"""Repository queries of the joint check: what the registry knows of subjects, in batches.

One code path serves a single check (a batch of one) and bulk screening (thousands per batch),
so both answer alike. A check costs one query for an organisation (identifier → subject → its
records, one join) and two for a person (and the organisations where the person holds a role,
with their list entries), plus one for the status history of entries that changed since they
were recorded. Statements are built once; every join follows an index.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select

from jointcredit.clock import china_day
from jointcredit.rules.check import Entry, Facts, Role, Subject
from jointcredit.store.tables import (
    credit_records,
    record_history,
    relations,
    subject_identifiers,
    subjects,
)
from jointcredit.store.util import chunks

_LIST_KINDS = ("red-list", "black-list")

_r = credit_records.c
_ENTRY_COLUMNS = (
    _r.id.label("record_id"),
    _r.kind.label("record_kind"),
    _r.list_type,
    _r.document_number,
    _r.decision_date,
    _r.valid_from,
    _r.valid_until,
    _r.severity,
    _r.status,
    _r.version,
    _r.recorded_at,
)

#: Records the check evaluates: list entries, and penalties for clean-record triggers.
_EVALUATED_KINDS = ("red-list", "black-list", "penalty")
_earliest = credit_records.alias("earliest")

# The subject, the records the check evaluates, and the date of its earliest record of any kind
# (whether the subject was known when a clean-record period began), in one pass. Licences are
# most of a registry and need no evaluation: only their earliest date is read, from the index.
_SUBJECTS_AND_RECORDS = (
    select(
        subject_identifiers.c.value,
        subjects.c.id.label("subject_id"),
        subjects.c.identifier,
        subjects.c.name,
        subjects.c.kind,
        select(func.min(_earliest.c.decision_date))
        .where(_earliest.c.subject_id == subjects.c.id)
        .scalar_subquery()
        .label("known_since"),
        *_ENTRY_COLUMNS,
    )
    .join(subjects, subjects.c.id == subject_identifiers.c.subject_id)
    .outerjoin(
        credit_records,
        and_(_r.subject_id == subjects.c.id, _r.kind.in_(_EVALUATED_KINDS)),
    )
    .where(subject_identifiers.c.value.in_(bindparam("values", expanding=True)))
)

# Roles of persons in organisations that have list entries, with those entries.
_ROLES_WITH_ENTRIES = (
    select(
        relations.c.person_id,
        relations.c.role,
        relations.c.organization_id,
        relations.c.valid_from.label("role_from"),
        relations.c.valid_until.label("role_until"),
        subjects.c.identifier.label("organization"),
        *_ENTRY_COLUMNS,
    )
    .join(subjects, subjects.c.id == relations.c.organization_id)
    .join(
        credit_records,
        and_(_r.subject_id == relations.c.organization_id, _r.kind.in_(_LIST_KINDS)),
    )
    .where(relations.c.person_id.in_(bindparam("persons", expanding=True)))
)

_STATUS_HISTORY = (
    select(record_history.c.record_id, record_history.c.recorded_at, record_history.c.status)
    .where(record_history.c.record_id.in_(bindparam("records", expanding=True)))
    .order_by(record_history.c.record_id, record_history.c.version)
)


def _day(value: Any) -> dt.date:
    """The day in China a status took effect (timestamps are stored in UTC: a change made at
    00:10 in China belongs to that day, not to the UTC day before)."""
    if isinstance(value, dt.datetime):
        return china_day(value)
    if isinstance(value, dt.date):
        return value
    return china_day(dt.datetime.fromisoformat(str(value)))


def _timelines(conn: Connection, rows: Sequence[Any]) -> dict[int, tuple[tuple[dt.date, str], ...]]:
    """Status timelines of the records that changed since they were created."""
    changed = sorted({row.record_id for row in rows if row.record_id and row.version > 1})
    found: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for chunk in chunks(changed):
        for record_id, recorded_at, status in conn.execute(_STATUS_HISTORY, {"records": chunk}):
            found[record_id].append((_day(recorded_at), status))
    return {key: tuple(value) for key, value in found.items()}


def _entry(row: Any, timelines: dict[int, tuple[tuple[dt.date, str], ...]]) -> Entry:
    return Entry(
        id=row.record_id,
        kind=row.record_kind,
        list_type=row.list_type,
        document_number=row.document_number,
        decision_date=row.decision_date,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        severity=row.severity,
        statuses=timelines.get(row.record_id) or ((_day(row.recorded_at), row.status),),
    )


def load_facts(conn: Connection, identifiers: Sequence[str]) -> dict[str, Facts]:
    """What the registry knows of each identifier's subject; unknown identifiers get empty facts."""
    rows: list[Any] = []
    for chunk in chunks(sorted(set(identifiers))):
        rows.extend(conn.execute(_SUBJECTS_AND_RECORDS, {"values": chunk}).all())
    persons = sorted({row.subject_id for row in rows if row.kind == "natural-person"})
    role_rows: list[Any] = []
    for chunk in chunks(persons):
        role_rows.extend(conn.execute(_ROLES_WITH_ENTRIES, {"persons": chunk}).all())
    timelines = _timelines(conn, rows + role_rows)

    subject_of: dict[str, Subject] = {}
    records: dict[str, list[Entry]] = defaultdict(list)
    id_of: dict[str, int] = {}
    known_since: dict[str, dt.date | None] = {}
    for row in rows:
        if row.value not in subject_of:
            subject_of[row.value] = Subject(row.identifier, row.name, row.kind)
            id_of[row.value] = row.subject_id
            known_since[row.value] = _day(row.known_since) if row.known_since else None
        if row.record_id is not None:
            records[row.value].append(_entry(row, timelines))
    roles: dict[int, dict[tuple[str, int], list[Any]]] = defaultdict(dict)
    for row in role_rows:
        roles[row.person_id].setdefault((row.role, row.organization_id), []).append(row)

    facts: dict[str, Facts] = {}
    for identifier in identifiers:
        subject = subject_of.get(identifier)
        if subject is None:
            facts[identifier] = Facts(None)
            continue
        held = roles.get(id_of[identifier], {})
        facts[identifier] = Facts(
            subject,
            tuple(sorted(records.get(identifier, ()), key=lambda e: e.id)),
            tuple(
                Role(
                    role,
                    entries[0].organization,
                    entries[0].role_from,
                    entries[0].role_until,
                    tuple(sorted((_entry(r, timelines) for r in entries), key=lambda e: e.id)),
                )
                for (role, _), entries in sorted(
                    held.items(), key=lambda item: (item[1][0].organization, item[0][0])
                )
            ),
            known_since=known_since[identifier],
        )
    return facts
