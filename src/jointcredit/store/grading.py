"""Repository of credit grades: the records a grade is computed from, the grades themselves,
their append-only history and the grading runs' high-water marks.

Records are read as the joint check reads them (:mod:`jointcredit.store.check_facts`: the same
columns, the same status timelines), so a grade and a check never disagree on which records
are in effect.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from jointcredit.rules.check import Entry
from jointcredit.store.check_facts import _ENTRY_COLUMNS, _entry, _timelines
from jointcredit.store.tables import (
    credit_grade_history,
    credit_grade_runs,
    credit_grades,
    credit_records,
    record_history,
    subject_identifiers,
    subjects,
)
from jointcredit.store.util import chunks

#: Subjects the evaluation grades: organisations, not persons.
ORGANISATION_KINDS = ("legal-person", "other-organization", "individual-business")

_RECORDS = (
    select(credit_records.c.subject_id, *_ENTRY_COLUMNS)
    .where(credit_records.c.subject_id.in_(bindparam("ids", expanding=True)))
    .order_by(credit_records.c.subject_id, credit_records.c.id)
)


def fingerprint(pairs: Iterable[tuple[int, int]]) -> str:
    """Digest of the (record id, version) pairs a grade was computed from."""
    h = hashlib.sha256()
    for record_id, version in sorted(pairs):
        h.update(f"{record_id}:{version};".encode())
    return h.hexdigest()[:32]


def load_records(
    conn: Connection, subject_ids: Sequence[int]
) -> dict[int, tuple[list[Entry], str]]:
    """Every record of each subject (any kind) as the check reads it, with the fingerprint of
    their versions; subjects without records get an empty list."""
    rows: list[Any] = []
    for chunk in chunks(sorted(set(subject_ids))):
        rows.extend(conn.execute(_RECORDS, {"ids": chunk}).all())
    timelines = _timelines(conn, rows)
    found: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        found[row.subject_id].append(row)
    return {
        sid: (
            [_entry(r, timelines) for r in found.get(sid, ())],
            fingerprint((r.record_id, r.version) for r in found.get(sid, ())),
        )
        for sid in subject_ids
    }


def organisation(conn: Connection, value: str) -> RowMapping | None:
    """The subject holding identifier ``value`` (any of its identifiers)."""
    return (
        conn.execute(
            select(subjects.c.id, subjects.c.identifier, subjects.c.name, subjects.c.kind)
            .join(subject_identifiers, subject_identifiers.c.subject_id == subjects.c.id)
            .where(subject_identifiers.c.value == value)
            .limit(1)
        )
        .mappings()
        .first()
    )


def organisations_after(conn: Connection, after: int, limit: int) -> list[int]:
    """Ids of the next ``limit`` organisations above id ``after``, in id order."""
    return list(
        conn.execute(
            select(subjects.c.id)
            .where(subjects.c.id > after, subjects.c.kind.in_(ORGANISATION_KINDS))
            .order_by(subjects.c.id)
            .limit(limit)
        ).scalars()
    )


def only_organisations(conn: Connection, subject_ids: Sequence[int]) -> list[int]:
    out: list[int] = []
    for chunk in chunks(sorted(set(subject_ids))):
        out.extend(
            conn.execute(
                select(subjects.c.id).where(
                    subjects.c.id.in_(chunk), subjects.c.kind.in_(ORGANISATION_KINDS)
                )
            ).scalars()
        )
    return sorted(out)


def identifiers(conn: Connection, subject_ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for chunk in chunks(sorted(set(subject_ids))):
        out.update(
            conn.execute(
                select(subjects.c.id, subjects.c.identifier).where(subjects.c.id.in_(chunk))
            ).all()
        )
    return out


_CURRENT = select(
    credit_grades.c.subject_id,
    credit_grades.c.score,
    credit_grades.c.grade,
    credit_grades.c.scorecard,
    credit_grades.c.stale_on,
    credit_grades.c.fingerprint,
).where(credit_grades.c.subject_id.in_(bindparam("ids", expanding=True)))


def current(conn: Connection, subject_ids: Sequence[int]) -> dict[int, RowMapping]:
    """The stored grade of each subject that has one (without its explanation)."""
    out: dict[int, RowMapping] = {}
    for chunk in chunks(sorted(set(subject_ids))):
        for row in conn.execute(_CURRENT, {"ids": chunk}).mappings():
            out[row["subject_id"]] = row
    return out


def save(
    conn: Connection,
    inserts: Sequence[dict[str, Any]],
    updates: Sequence[dict[str, Any]],
    history: Sequence[dict[str, Any]],
) -> None:
    """Write new grades, changed grades (by ``subject_id``) and history rows, in ``conn``'s
    transaction."""
    if inserts:
        # Two graders at once (a read through the API during a run) may both find no grade:
        # the later one's insert becomes an update instead of failing.
        stmt = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(credit_grades)
        columns = [c for c in inserts[0] if c != "subject_id"]
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["subject_id"], set_={c: stmt.excluded[c] for c in columns}
            ),
            list(inserts),
        )
    if updates:
        columns = [c for c in updates[0] if c != "subject_id"]
        conn.execute(
            update(credit_grades)
            .where(credit_grades.c.subject_id == bindparam("b_subject_id"))
            .values({c: bindparam(f"b_{c}") for c in columns}),
            [{f"b_{k}": v for k, v in row.items()} for row in updates],
        )
    if history:
        conn.execute(insert(credit_grade_history), list(history))


def history_of(conn: Connection, subject_id: int, limit: int = 50) -> list[RowMapping]:
    """The subject's grade changes, newest first."""
    return list(
        conn.execute(
            select(credit_grade_history)
            .where(credit_grade_history.c.subject_id == subject_id)
            .order_by(credit_grade_history.c.id.desc())
            .limit(limit)
        ).mappings()
    )


# -- incremental recompute -----------------------------------------------------------------------


def last_run(conn: Connection) -> RowMapping | None:
    return (
        conn.execute(select(credit_grade_runs).order_by(credit_grade_runs.c.id.desc()).limit(1))
        .mappings()
        .first()
    )


def add_run(conn: Connection, row: dict[str, Any]) -> int:
    key = conn.execute(insert(credit_grade_runs).values(**row)).inserted_primary_key
    return int(key[0]) if key is not None else 0


def history_top(conn: Connection) -> int:
    """The highest record_history id this transaction can see (0: none)."""
    return int(conn.execute(select(func.max(record_history.c.id))).scalar() or 0)


def history_between(
    conn: Connection, after: int, upto: int, step: int = 50_000
) -> Iterable[tuple[int, int, list[tuple[int, int]]]]:
    """(low, high, rows) for windows (low, high] of ``step`` ids covering (``after``,
    ``upto``]: rows are (record_history id, subject id) of the history rows visible now, in
    id order. Memory stays bounded by the window whatever the change."""
    low = after
    while low < upto:
        high = min(low + step, upto)
        rows = [
            (int(hid), int(sid))
            for hid, sid in conn.execute(
                select(record_history.c.id, credit_records.c.subject_id)
                .join(credit_records, credit_records.c.id == record_history.c.record_id)
                .where(record_history.c.id > low, record_history.c.id <= high)
                .order_by(record_history.c.id)
            ).all()
        ]
        yield low, high, rows
        low = high


def missing(low: int, high: int, present: Sequence[int]) -> list[tuple[int, int]]:
    """The ranges [first, last] of ids in (``low``, ``high``] not among ``present`` (sorted).

    >>> missing(10, 20, [11, 12, 15, 20])
    [(13, 14), (16, 19)]
    >>> missing(0, 3, [])
    [(1, 3)]
    """
    out: list[tuple[int, int]] = []
    expected = low + 1
    for hid in present:
        if hid > expected:
            out.append((expected, hid - 1))
        expected = hid + 1
    if expected <= high:
        out.append((expected, high))
    return out


def stale(conn: Connection, day: dt.date) -> list[int]:
    """Subjects whose grade time alone may have changed by ``day``."""
    return list(
        conn.execute(
            select(credit_grades.c.subject_id).where(credit_grades.c.stale_on <= day)
        ).scalars()
    )


def ungraded(conn: Connection) -> list[int]:
    """Organisations without a grade (new subjects, whether or not they have records)."""
    return list(
        conn.execute(
            select(subjects.c.id)
            .outerjoin(credit_grades, credit_grades.c.subject_id == subjects.c.id)
            .where(subjects.c.kind.in_(ORGANISATION_KINDS), credit_grades.c.id.is_(None))
            .order_by(subjects.c.id)
        ).scalars()
    )


def other_scorecard(conn: Connection, label: str) -> bool:
    """Whether any stored grade was computed under another scorecard."""
    return (
        conn.execute(
            select(credit_grades.c.id).where(credit_grades.c.scorecard != label).limit(1)
        ).first()
        is not None
    )


def counts_by_grade(conn: Connection) -> dict[str, int]:
    return {
        grade: int(n)
        for grade, n in conn.execute(
            select(credit_grades.c.grade, func.count())
            .group_by(credit_grades.c.grade)
            .order_by(credit_grades.c.grade)
        ).all()
    }
