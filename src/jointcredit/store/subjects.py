"""Repository of subjects: who they are, by which identifiers they are known, and how persons
relate to organisations.

Every query against these tables lives here; services call these functions inside a
transaction they own. Credit records are in :mod:`jointcredit.store.records`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, bindparam, or_, select, update

from jointcredit.record_drafts import PersonRef, SubjectRef
from jointcredit.rules.searchtext import search_grams, search_key
from jointcredit.store.bulk import insert_rows
from jointcredit.store.tables import relations, subject_identifiers, subjects
from jointcredit.store.util import chunks, ids_by


def subject_ids_by_identifier(
    conn: Connection, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Map (identifier type, value) to the subject that holds it, for those that exist."""
    found: dict[tuple[str, str], int] = {}
    values = sorted({value for _, value in pairs})
    for chunk in chunks(values):
        rows = conn.execute(
            select(
                subject_identifiers.c.type,
                subject_identifiers.c.value,
                subject_identifiers.c.subject_id,
            ).where(subject_identifiers.c.value.in_(chunk))
        )
        for id_type, value, subject_id in rows:
            found[(id_type, value)] = subject_id
    return found


class SubjectCache:
    """Identifier → subject id, remembered across the batches of one import.

    Subjects recur across a department's file; remembering the ones already seen spares a
    look-up per row. Only ids read from or written to the database in committed batches are
    kept (an import stops at the first failed batch), and at most ``limit`` of them, so memory
    stays bounded whatever the file's size.
    """

    def __init__(self, limit: int = 500_000):
        self.limit = limit
        self.ids: dict[tuple[str, str], int] = {}

    def remember(self, found: dict[tuple[str, str], int]) -> None:
        if len(self.ids) + len(found) > self.limit:
            self.ids.clear()
        self.ids.update(found)


def ensure_subjects(
    conn: Connection,
    refs: Sequence[SubjectRef | PersonRef],
    now: dt.datetime,
    cache: SubjectCache | None = None,
) -> dict[str, int]:
    """Return the subject id of every reference by its primary identifier, creating the missing.

    A subject known by an old identifier that now comes with new ones keeps its id and gains
    them; one first known by a legacy number is then known by its USCC.
    """
    all_pairs = {pair for ref in refs for pair in _identifiers(ref)}
    if cache is None:
        known = subject_ids_by_identifier(conn, all_pairs)
    else:
        cached = cache.ids
        known = {pair: cached[pair] for pair in all_pairs if pair in cached}
        if len(known) < len(all_pairs):
            known.update(subject_ids_by_identifier(conn, (p for p in all_pairs if p not in cached)))
    result: dict[str, int] = {}
    new_subjects: dict[str, SubjectRef | PersonRef] = {}
    new_identifiers: list[dict[str, Any]] = []
    promote: dict[int, tuple[str, str]] = {}
    for ref in refs:
        if ref.identifier in result or ref.identifier in new_subjects:
            continue
        pairs = _identifiers(ref)
        holder = next((known[p] for p in pairs if p in known), None)
        if holder is None:
            new_subjects[ref.identifier] = ref
            continue
        result[ref.identifier] = holder
        for pair in pairs:
            if pair not in known:
                known[pair] = holder
                new_identifiers.append(_identifier_row(holder, pair, now))
                if pair[0] == "uscc":
                    promote[holder] = pair
    if new_subjects:
        # Plain executemany and one look-up of the new ids is several times faster than
        # INSERT … RETURNING row by row, on both databases.
        insert_rows(
            conn,
            subjects,
            [
                {
                    "kind": getattr(ref, "kind", "natural-person"),
                    "name": ref.name,
                    "search_key": (key := search_key(ref.name)),
                    "search_grams": search_grams(key),
                    "identifier": ref.identifier,
                    "identifier_type": ref.identifier_type,
                    "created_at": now,
                    "updated_at": now,
                }
                for ref in new_subjects.values()
            ],
        )
        created = ids_by(conn, subjects.c.identifier, list(new_subjects))
        for identifier, ref in new_subjects.items():
            subject_id = created[identifier]
            result[identifier] = subject_id
            for pair in _identifiers(ref):
                if pair not in known:
                    known[pair] = subject_id
                    new_identifiers.append(_identifier_row(subject_id, pair, now))
    if new_identifiers:
        insert_rows(conn, subject_identifiers, new_identifiers)
    if cache is not None:
        cache.remember(known)
    for subject_id, (id_type, value) in promote.items():
        conn.execute(
            update(subjects)
            .where(subjects.c.id == subject_id, subjects.c.identifier_type != "uscc")
            .values(identifier=value, identifier_type=id_type, updated_at=now)
        )
    return result


def _identifiers(ref: SubjectRef | PersonRef) -> list[tuple[str, str]]:
    if isinstance(ref, SubjectRef):
        return ref.identifiers
    return [(ref.identifier_type, ref.identifier)]


def _identifier_row(subject_id: int, pair: tuple[str, str], now: dt.datetime) -> dict[str, Any]:
    return {"subject_id": subject_id, "type": pair[0], "value": pair[1], "recorded_at": now}


# The look-up statement, built once: building it costs more than running it.
_FIND_SUBJECT = (
    select(subjects)
    .join(subject_identifiers, subject_identifiers.c.subject_id == subjects.c.id)
    .where(subject_identifiers.c.value == bindparam("identifier"))
    .limit(1)
)


def find_subject(conn: Connection, identifier: str) -> RowMapping | None:
    """The subject holding ``identifier`` (any of its identifiers), or None."""
    return conn.execute(_FIND_SUBJECT, {"identifier": identifier}).mappings().first()


def subject_identifiers_of(conn: Connection, subject_id: int) -> list[RowMapping]:
    return list(
        conn.execute(
            select(subject_identifiers.c.type, subject_identifiers.c.value)
            .where(subject_identifiers.c.subject_id == subject_id)
            .order_by(subject_identifiers.c.id)
        ).mappings()
    )


def relations_of(conn: Connection, subject_id: int) -> list[RowMapping]:
    """Relations in which the subject is the organisation or the person, with the other side."""
    other = subjects.alias("other")
    rows = conn.execute(
        select(
            relations.c.role,
            relations.c.valid_from,
            relations.c.valid_until,
            relations.c.organization_id,
            relations.c.person_id,
            other.c.name.label("other_name"),
            other.c.identifier.label("other_identifier"),
            other.c.identifier_type.label("other_identifier_type"),
            other.c.kind.label("other_kind"),
        )
        .join(
            other,
            or_(
                and_(
                    relations.c.organization_id == subject_id, other.c.id == relations.c.person_id
                ),
                and_(
                    relations.c.person_id == subject_id, other.c.id == relations.c.organization_id
                ),
            ),
        )
        .where(or_(relations.c.organization_id == subject_id, relations.c.person_id == subject_id))
        .order_by(relations.c.valid_from)
    ).mappings()
    return list(rows)


def subject_by_id(conn: Connection, subject_id: int) -> RowMapping | None:
    return conn.execute(select(subjects).where(subjects.c.id == subject_id)).mappings().first()
