"""Repository of credit records with their history, and the relations written with them.

Every query against these tables lives here; services call these functions inside a
transaction they own. Subjects and their identifiers are in :mod:`jointcredit.store.subjects`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, bindparam, func, or_, select, update

from jointcredit.clock import china_day
from jointcredit.errors import NotFoundError
from jointcredit.record_drafts import RecordDraft
from jointcredit.store import deadlines, stats_summaries
from jointcredit.store.bulk import insert_rows
from jointcredit.store.subjects import SubjectCache, ensure_subjects
from jointcredit.store.tables import (
    credit_records,
    record_history,
    relations,
    subjects,
)
from jointcredit.store.util import chunks, ids_by


@dataclass(slots=True)
class BatchResult:
    accepted: int = 0
    updated: int = 0
    duplicates: int = 0
    #: Drafts whose natural key repeats within the batch: written after it, as a batch of their own.
    deferred: list[RecordDraft] = field(default_factory=list)
    #: (record id, "created" or "updated") of every record this batch changed: what an import
    #: of list entries announces to the departments (services.push).
    written: list[tuple[int, str]] = field(default_factory=list)


# The look-up statement, built once: building it costs more than running it.
_RECORDS_OF_SUBJECT = (
    select(credit_records, record_history.c.payload)
    .join(
        record_history,
        and_(
            record_history.c.record_id == credit_records.c.id,
            record_history.c.version == credit_records.c.version,
        ),
    )
    .where(credit_records.c.subject_id == bindparam("subject_id"))
    .order_by(credit_records.c.decision_date.desc(), credit_records.c.id.desc())
)


def records_of_subject(conn: Connection, subject_id: int) -> list[RowMapping]:
    """All credit records of one subject with their current payload, newest decision first."""
    return list(conn.execute(_RECORDS_OF_SUBJECT, {"subject_id": subject_id}).mappings())


def record_history_of(conn: Connection, record_id: int) -> list[RowMapping]:
    return list(
        conn.execute(
            select(record_history)
            .where(record_history.c.record_id == record_id)
            .order_by(record_history.c.version)
        ).mappings()
    )


#: Columns of a record as the API shows it: provenance and content, not internal keys.
_SHOWN_RECORD_COLUMNS = (
    credit_records.c.id,
    credit_records.c.kind,
    credit_records.c.issuing_authority,
    credit_records.c.issuing_authority_code,
    credit_records.c.source_department,
    credit_records.c.source_department_code,
    credit_records.c.list_type,
    credit_records.c.department,
    credit_records.c.document_number,
    credit_records.c.decision_date,
    credit_records.c.legal_basis,
    credit_records.c.category,
    credit_records.c.severity,
    credit_records.c.fine_fen,
    credit_records.c.confiscated_fen,
    credit_records.c.valid_from,
    credit_records.c.valid_until,
    credit_records.c.publish_from,
    credit_records.c.publish_until,
    credit_records.c.status,
    credit_records.c.version,
    credit_records.c.recorded_at,
    credit_records.c.updated_at,
)


def _published_on(day: dt.date) -> Any:
    """Records the public may see on ``day``: active and inside their publication window
    (a window without an end is open-ended; a record without a start is not published)."""
    return and_(
        credit_records.c.status == "active",
        credit_records.c.publish_from.is_not(None),
        credit_records.c.publish_from <= day,
        or_(credit_records.c.publish_until.is_(None), credit_records.c.publish_until >= day),
    )


def _with_payload() -> Any:
    return select(*_SHOWN_RECORD_COLUMNS, record_history.c.payload).join(
        record_history,
        and_(
            record_history.c.record_id == credit_records.c.id,
            record_history.c.version == credit_records.c.version,
        ),
    )


def has_published_record(conn: Connection, subject_id: int, day: dt.date) -> bool:
    """Whether the subject has a record the public may see on ``day``."""
    found = conn.execute(
        select(credit_records.c.id)
        .where(credit_records.c.subject_id == subject_id, _published_on(day))
        .limit(1)
    ).first()
    return found is not None


def published_subjects(
    conn: Connection, subject_ids: Sequence[int], day: dt.date, *, organisations: bool = False
) -> set[int]:
    """Of ``subject_ids``, those with a record the public may see on ``day`` (one query);
    with ``organisations``, natural persons left out."""
    if not subject_ids:
        return set()
    query = select(credit_records.c.subject_id).where(
        credit_records.c.subject_id.in_(list(subject_ids)), _published_on(day)
    )
    if organisations:
        query = query.join(subjects, subjects.c.id == credit_records.c.subject_id).where(
            subjects.c.kind != "natural-person"
        )
    return {int(i) for i in conn.execute(query.distinct()).scalars()}


def records_page(
    conn: Connection,
    subject_id: int,
    *,
    limit: int,
    offset: int = 0,
    published_on: dt.date | None = None,
) -> list[RowMapping]:
    """One page of a subject's records with their current payload, newest decision first;
    with ``published_on``, only those the public may see that day."""
    query = _with_payload().where(credit_records.c.subject_id == subject_id)
    if published_on is not None:
        query = query.where(_published_on(published_on))
    query = query.order_by(credit_records.c.decision_date.desc(), credit_records.c.id.desc())
    return list(conn.execute(query.limit(limit).offset(offset)).mappings())


def record_shown(
    conn: Connection, record_id: int, *, published_on: dt.date | None = None
) -> RowMapping | None:
    """One record with its current payload and its subject (``subject_id``), or None; with
    ``published_on``, only if the public may see it that day."""
    query = _with_payload().add_columns(credit_records.c.subject_id)
    query = query.where(credit_records.c.id == record_id)
    if published_on is not None:
        query = query.where(_published_on(published_on))
    return conn.execute(query).mappings().first()


def record_by_natural_key(conn: Connection, natural_key: str) -> RowMapping | None:
    """The id and current version of the record with ``natural_key``, or None."""
    return (
        conn.execute(
            select(credit_records.c.id, credit_records.c.version).where(
                credit_records.c.natural_key == natural_key
            )
        )
        .mappings()
        .first()
    )


def counts(conn: Connection) -> dict[str, int]:
    """Row counts for the summary: subjects by kind, records by kind, relations."""
    result: dict[str, int] = {}
    for kind, n in conn.execute(select(subjects.c.kind, func.count()).group_by(subjects.c.kind)):
        result[f"subjects.{kind}"] = n
    for kind, n in conn.execute(
        select(credit_records.c.kind, func.count()).group_by(credit_records.c.kind)
    ):
        result[f"records.{kind}"] = n
    result["relations"] = conn.execute(select(func.count()).select_from(relations)).scalar_one()
    result["history"] = conn.execute(select(func.count()).select_from(record_history)).scalar_one()
    return result


def write_records(
    conn: Connection,
    drafts: Sequence[RecordDraft],
    *,
    job_id: int | None,
    actor: str,
    source_system: str,
    now: dt.datetime,
    subject_cache: SubjectCache | None = None,
) -> BatchResult:
    """Insert new records, version changed ones, skip identical ones; history for every change."""
    result = BatchResult()
    batch: list[RecordDraft] = []
    seen: set[str] = set()
    for draft in drafts:
        if draft.natural_key in seen:
            result.deferred.append(draft)
        else:
            seen.add(draft.natural_key)
            batch.append(draft)
    if not batch:
        return result

    subject_ids = ensure_subjects(
        conn,
        [d.subject for d in batch] + [person for d in batch for _, person in d.persons],
        now,
        subject_cache,
    )
    existing: dict[str, RowMapping] = {}
    keys = [d.natural_key for d in batch]
    for chunk in chunks(keys):
        for row in conn.execute(
            select(
                credit_records.c.id,
                credit_records.c.natural_key,
                credit_records.c.content_hash,
                credit_records.c.version,
                credit_records.c.status,
                credit_records.c.withdrawal_due,
                credit_records.c.withdrawn_on,
            ).where(credit_records.c.natural_key.in_(chunk))
        ).mappings():
            existing[row["natural_key"]] = row

    # A row whose content the record has had before is a statement already known: importing a
    # file again adds nothing, even when it holds one record twice in two versions. (A genuine
    # return to an earlier content is then not a new version; the department changes a field,
    # such as 备注, to make it one.)
    changed = [
        known["id"]
        for d in batch
        if (known := existing.get(d.natural_key)) is not None
        and known["content_hash"] != d.content_hash
    ]
    known_before: set[tuple[int, str]] = set()
    for chunk in chunks(changed):
        known_before.update(
            conn.execute(
                select(record_history.c.record_id, record_history.c.content_hash).where(
                    record_history.c.record_id.in_(chunk)
                )
            ).all()
        )
    inserts: list[RecordDraft] = []
    updates: list[tuple[RecordDraft, RowMapping]] = []
    for draft in batch:
        current = existing.get(draft.natural_key)
        if current is None:
            inserts.append(draft)
        elif current["content_hash"] == draft.content_hash or (
            (current["id"], draft.content_hash) in known_before
        ):
            result.duplicates += 1
        else:
            updates.append((draft, current))

    history: list[dict[str, Any]] = []
    record_ids: dict[str, int] = {}
    policy = deadlines.Policy.from_settings()
    if inserts:
        # The day in China the platform first had the record: public from then (issue 5).
        recorded_day = china_day(now)
        rows = [
            _record_values(d, subject_ids[d.subject.identifier], job_id, source_system, now, policy)
            | {
                "version": 1,
                "recorded_at": now,
                "published_on": recorded_day if d.kind in deadlines.KINDS else None,
            }
            | deadlines.withdrawal_values(policy, d.kind, None, d.status, None, now)
            for d in inserts
        ]
        ids = _insert_returning_ids(conn, rows)
        stats_summaries.record_deltas(
            conn, [(1, r, _sent(d)) for r, d in zip(rows, inserts, strict=True)]
        )
        for draft, record_id in zip(inserts, ids, strict=True):
            record_ids[draft.natural_key] = record_id
            result.written.append((record_id, "created"))
            history.append(_history_row(record_id, 1, "created", draft, job_id, actor, now))
        result.accepted = len(inserts)
    if updates:
        stmt = (
            update(credit_records)
            .where(credit_records.c.id == bindparam("record_id"))
            .values(
                {
                    name: bindparam(f"new_{name}")
                    for name in (*_UPDATED_COLUMNS, *_WITHDRAWAL_COLUMNS)
                }
            )
        )
        params = []
        counted = _as_counted(conn, [current["id"] for _, current in updates])
        changes: list[tuple[int, Any, Any]] = []
        for sent, current in updates:
            draft = _kept_status(sent, current["status"])
            values = (
                _record_values(
                    draft, subject_ids[draft.subject.identifier], job_id, source_system, now, policy
                )
                | {"version": current["version"] + 1}
                | deadlines.withdrawal_values(
                    policy, draft.kind, current["status"], draft.status, current, now
                )
            )
            params.append(
                {"record_id": current["id"]}
                | {f"new_{k}": values[k] for k in (*_UPDATED_COLUMNS, *_WITHDRAWAL_COLUMNS)}
            )
            record_ids[draft.natural_key] = current["id"]
            result.written.append((current["id"], "updated"))
            before, payload = counted[current["id"]]
            changes.append((-1, before, payload))
            changes.append((1, before | {k: values[k] for k in _COUNTED_CHANGES}, _sent(draft)))
            history.append(
                _history_row(
                    current["id"], current["version"] + 1, "updated", draft, job_id, actor, now
                )
            )
        conn.execute(stmt, params)
        stats_summaries.record_deltas(conn, changes)
        result.updated = len(updates)
    if history:
        insert_rows(conn, record_history, history)

    _write_relations(
        conn,
        [
            (
                subject_ids[d.subject.identifier],
                subject_ids[person.identifier],
                role,
                d.decision_date,
                record_ids.get(d.natural_key),
            )
            for d in batch
            if d.subject.kind != "natural-person"
            for role, person in d.persons
        ],
        now,
    )
    return result


_UPDATED_COLUMNS = (
    "subject_id",
    "issuing_authority",
    "issuing_authority_code",
    "source_department",
    "source_department_code",
    "list_type",
    "department",
    "source_system",
    "source_record_id",
    "document_number",
    "decision_date",
    "legal_basis",
    "category",
    "severity",
    "fine_fen",
    "confiscated_fen",
    "valid_from",
    "valid_until",
    "publish_from",
    "publish_until",
    "status",
    "version",
    "content_hash",
    "import_job_id",
    "updated_at",
    # Follows the decision date a department corrects; ``published_on`` stays the first day.
    "publication_due",
)
_WITHDRAWAL_COLUMNS = ("withdrawal_due", "withdrawn_on")
#: What the statistics count of a record (store.stats_summaries.contribution) and a correction can
#: change; kind, recorded_at and published_on stay.
_COUNTED_CHANGES = (
    "department",
    "source_department",
    "issuing_authority_code",
    "publication_due",
)


def _sent(d: RecordDraft) -> Any:
    """What the statistics count as the draft's fields: its count, else its payload."""
    return d.fields if d.fields is not None else d.payload


def _as_counted(
    conn: Connection, record_ids: Sequence[int]
) -> dict[int, tuple[dict[str, Any], Any]]:
    """What the statistics count of each record as it is now, and its current payload."""
    c = credit_records.c
    found: dict[int, tuple[dict[str, Any], Any]] = {}
    for chunk in chunks(list(record_ids)):
        rows = conn.execute(
            select(
                c.id, c.recorded_at, c.kind, c.department, c.source_department,
                c.issuing_authority_code, c.publication_due, c.published_on,
                record_history.c.payload,
            )
            .join(
                record_history,
                and_(record_history.c.record_id == c.id, record_history.c.version == c.version),
            )
            .where(c.id.in_(chunk))
        ).mappings()  # fmt: skip
        for row in rows:
            found[row["id"]] = (dict(row), row["payload"])
    return found


#: Statuses the platform's own workflows give a record (an objection open, upheld; a repair
#: approved). A department's new version that just says "active" does not undo them: that would
#: lift a suspension while the objection is still being verified, or publish a repaired record
#: again. A new version that says "revoked" or "cancelled" is the department's fact and counts.
PLATFORM_STATUSES = frozenset({"disputed", "withdrawn", "repaired"})


def _kept_status(draft: RecordDraft, current: str) -> RecordDraft:
    if current in PLATFORM_STATUSES and draft.status == "active":
        return draft._replace(status=current)
    return draft


def _insert_returning_ids(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert new credit records and return their ids, in order."""
    insert_rows(conn, credit_records, rows)
    if conn.dialect.name == "sqlite":
        # The transaction holds SQLite's write lock since its first write, the table has no
        # AUTOINCREMENT and no trigger inserts into it: one executemany gets consecutive rowids
        # ending at last_insert_rowid(). Checked at both ends, so a surprise fails loudly.
        last = conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one()
        ids = list(range(last - len(rows) + 1, last + 1))
        ends = dict(
            conn.execute(
                select(credit_records.c.id, credit_records.c.natural_key).where(
                    credit_records.c.id.in_({ids[0], ids[-1]})
                )
            ).all()
        )
        first, last_key = rows[0]["natural_key"], rows[-1]["natural_key"]
        if ends.get(ids[0]) == first and ends.get(ids[-1]) == last_key:
            return ids
    found = ids_by(conn, credit_records.c.natural_key, [row["natural_key"] for row in rows])
    return [found[row["natural_key"]] for row in rows]


def _record_values(
    d: RecordDraft,
    subject_id: int,
    job_id: int | None,
    source_system: str,
    now: dt.datetime,
    policy: deadlines.Policy,
) -> dict[str, Any]:
    return {
        "kind": d.kind,
        "subject_id": subject_id,
        "natural_key": d.natural_key,
        "issuing_authority": d.issuing_authority,
        "issuing_authority_code": d.issuing_authority_code,
        "source_department": d.source_department,
        "source_department_code": d.source_department_code,
        "list_type": d.list_type,
        "department": d.department,
        "source_system": source_system,
        "source_record_id": None,
        "document_number": d.document_number,
        "decision_date": d.decision_date,
        "legal_basis": d.legal_basis,
        "category": d.category,
        "severity": d.severity,
        "fine_fen": d.fine_fen,
        "confiscated_fen": d.confiscated_fen,
        "valid_from": d.valid_from,
        "valid_until": d.valid_until,
        "publish_from": d.publish_from,
        "publish_until": d.publish_until,
        "status": d.status,
        "content_hash": d.content_hash,
        "import_job_id": job_id,
        "updated_at": now,
        "publication_due": policy.publication_due(
            d.kind,
            d.decision_date,
            d.category,
            (d.issuing_authority, d.source_department),
            (d.department,),
        ),
    }


def _history_row(
    record_id: int,
    version: int,
    event: str,
    d: RecordDraft,
    job_id: int | None,
    actor: str,
    now: dt.datetime,
) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "version": version,
        "event": event,
        "status": d.status,
        "content_hash": d.content_hash,
        "payload": d.payload,
        "import_job_id": job_id,
        "actor": actor,
        "recorded_at": now,
    }


def _write_relations(
    conn: Connection,
    seen: list[tuple[int, int, str, dt.date, int | None]],
    now: dt.datetime,
) -> None:
    """Record (organisation, person, role) relations with the period each is evidenced for.

    A record decided on D shows that the person held the role on D: a relation runs from its
    earliest such date (``valid_from``) and was last evidenced on the latest (``last_evidence``).
    An organisation has one legal representative at a time, so a legal representative's period
    ends (exclusive ``valid_until``) at the first date after their last evidence on which
    another person is shown in the role. Periods are derived from these dates alone, so the
    order of rows, files and batches never changes them. Responsible persons may be several at
    once: their periods stay open.
    """
    if not seen:
        return
    org_ids = sorted({org for org, _, _, _, _ in seen})
    current: dict[tuple[int, int, str], dict[str, Any]] = {}
    stored: dict[tuple[int, int, str], tuple[Any, Any, Any]] = {}
    for chunk in chunks(org_ids):
        for found in conn.execute(
            select(relations).where(relations.c.organization_id.in_(chunk))
        ).mappings():
            key = (found["organization_id"], found["person_id"], found["role"])
            current[key] = dict(found)
            stored[key] = (found["valid_from"], found["valid_until"], found["last_evidence"])
    for org, person, role, day, record_id in seen:
        key = (org, person, role)
        known = current.get(key)
        if known is None:
            current[key] = {
                "organization_id": org,
                "person_id": person,
                "role": role,
                "valid_from": day,
                "valid_until": None,
                "last_evidence": day,
                "source_record_id": record_id,
                "recorded_at": now,
            }
        else:
            known["valid_from"] = min(filter(None, (known["valid_from"], day)))
            known["last_evidence"] = max(filter(None, (known["last_evidence"], day)))
    by_org: dict[int, list[dict[str, Any]]] = {}
    for (org, _, role), relation in current.items():
        if role == _SUCCESSIVE_ROLE:
            by_org.setdefault(org, []).append(relation)
    for rows in by_org.values():
        for relation in rows:
            last = relation["last_evidence"] or relation["valid_from"]
            later = [
                day
                for other in rows
                if other["person_id"] != relation["person_id"]
                for day in (other["valid_from"], other["last_evidence"])
                if day is not None and last is not None and day > last
            ]
            relation["valid_until"] = min(later) if later else None
    new = [key for key in current if key not in stored]
    if new:
        insert_rows(conn, relations, [current[key] for key in sorted(new)])
    changed = sorted(
        key
        for key, before in stored.items()
        if before
        != (current[key]["valid_from"], current[key]["valid_until"], current[key]["last_evidence"])
    )
    if changed:
        conn.execute(
            update(relations)
            .where(
                relations.c.organization_id == bindparam("org"),
                relations.c.person_id == bindparam("person"),
                relations.c.role == bindparam("the_role"),
            )
            .values(
                valid_from=bindparam("new_from"),
                valid_until=bindparam("new_until"),
                last_evidence=bindparam("new_last"),
            ),
            [
                {
                    "org": o,
                    "person": p,
                    "the_role": r,
                    "new_from": current[(o, p, r)]["valid_from"],
                    "new_until": current[(o, p, r)]["valid_until"],
                    "new_last": current[(o, p, r)]["last_evidence"],
                }
                for o, p, r in changed
            ],
        )


_SUCCESSIVE_ROLE = "legal-representative"


def set_status(
    conn: Connection,
    record_id: int,
    status: str,
    *,
    actor: str,
    now: dt.datetime,
    reason: str | None = None,
) -> int:
    """Change a record's status as a new version with history; returns the new version.

    The history row keeps the record's payload and notes the reason, so that every version
    still says what the record was and why it changed.
    """
    current = conn.execute(
        select(
            credit_records.c.version,
            credit_records.c.status,
            credit_records.c.content_hash,
            credit_records.c.kind,
            credit_records.c.withdrawal_due,
            credit_records.c.withdrawn_on,
        )
        .where(credit_records.c.id == record_id)
        .with_for_update()
    ).first()
    if current is None:
        raise NotFoundError(f"no credit record {record_id}")
    payload = conn.execute(
        select(record_history.c.payload).where(
            record_history.c.record_id == record_id,
            record_history.c.version == current.version,
        )
    ).scalar_one()
    version = current.version + 1
    # A revoked double-publicity decision leaves publication now, with its withdrawal deadline.
    withdrawal = deadlines.withdrawal_values(
        deadlines.Policy.from_settings(),
        current.kind,
        current.status,
        status,
        current._mapping,
        now,
    )
    conn.execute(
        update(credit_records)
        .where(credit_records.c.id == record_id)
        .values(status=status, version=version, updated_at=now, **withdrawal)
    )
    noted = dict(payload) if isinstance(payload, dict) else {}
    if reason:
        noted["_status_reason"] = reason
    insert_rows(
        conn,
        record_history,
        [
            {
                "record_id": record_id,
                "version": version,
                "event": "status",
                "status": status,
                "content_hash": current.content_hash,
                "payload": noted,
                "import_job_id": None,
                "actor": actor,
                "recorded_at": now,
            }
        ],
    )
    return int(version)


#: Record statuses whose content departments no longer receive (a repaired record is no longer
#: shared, NDRC Order No. 36).
UNSHARED_STATUSES = ("repaired",)


def shared_records_page(
    conn: Connection, subject_id: int, *, limit: int, offset: int = 0
) -> list[RowMapping]:
    """:func:`records_page` as departments see it: without the records whose sharing stopped
    (repaired ones)."""
    query = (
        _with_payload()
        .where(
            and_(
                credit_records.c.subject_id == subject_id,
                credit_records.c.status.not_in(UNSHARED_STATUSES),
            )
        )
        .order_by(credit_records.c.decision_date.desc(), credit_records.c.id.desc())
    )
    return list(conn.execute(query.limit(limit).offset(offset)).mappings())


def lock_for_case(conn: Connection, record_id: int) -> RowMapping | None:
    """The credit record with its subject's identifier, locked until the transaction ends (on
    PostgreSQL; SQLite's write transaction holds the whole database), or None.

    Two cases on one record at once (objections, repair applications) then queue instead of
    both finding no open one."""
    return (
        conn.execute(
            select(
                credit_records.c.id,
                credit_records.c.kind,
                credit_records.c.status,
                credit_records.c.list_type,
                credit_records.c.department,
                credit_records.c.source_department,
                credit_records.c.severity,
                credit_records.c.decision_date,
                credit_records.c.valid_from,
                credit_records.c.valid_until,
                subjects.c.identifier.label("subject"),
            )
            .join(subjects, subjects.c.id == credit_records.c.subject_id)
            .where(credit_records.c.id == record_id)
            .with_for_update(of=credit_records)
        )
        .mappings()
        .first()
    )
