"""Queries on list-entry proposals (issue 5: initiation and review).

Services call these inside a transaction they own; the workflow's history is in
:mod:`jointcredit.store.workflows`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, insert, or_, select, update

from jointcredit.choices.cases import PROPOSAL_STATUSES
from jointcredit.store.tables import credit_records, proposals, record_history, subjects

#: Statuses in which a proposal still waits for someone: the reviewer or the initiator.
OPEN = ("submitted", "returned")
#: Statuses in which the review's time limit runs: a returned proposal waits for its initiator
#: (resubmitting it starts the limit again).
AWAITING_REVIEW = PROPOSAL_STATUSES.open_values


def add(conn: Connection, values: dict[str, Any]) -> int:
    proposal_id: int = conn.execute(
        insert(proposals).returning(proposals.c.id), values
    ).scalar_one()
    return proposal_id


def get(conn: Connection, proposal_id: int, *, for_update: bool = False) -> RowMapping | None:
    query = select(proposals).where(proposals.c.id == proposal_id)
    if for_update:
        # PostgreSQL: two reviewers approving at once queue here and the second sees the
        # first's answer; SQLite's BEGIN IMMEDIATE already serialises writers.
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def set_values(conn: Connection, proposal_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(proposals).where(proposals.c.id == proposal_id).values(**values))


def page(
    conn: Connection,
    *,
    department: str | None,
    status: str | None,
    overdue_on: dt.date | None,
    limit: int,
    offset: int,
) -> Sequence[RowMapping]:
    """Proposals newest first; ``overdue_on``: only those awaiting review whose due day is
    before it (or that the worker has flagged)."""
    query = select(proposals)
    if department is not None:
        query = query.where(proposals.c.department == department)
    if status is not None:
        query = query.where(proposals.c.status == status)
    if overdue_on is not None:
        query = query.where(
            proposals.c.status.in_(AWAITING_REVIEW),
            or_(proposals.c.due < overdue_on, proposals.c.overdue_at.is_not(None)),
        )
    query = query.order_by(proposals.c.id.desc()).limit(limit).offset(offset)
    return conn.execute(query).mappings().all()


def open_for_record(conn: Connection, record_id: int) -> RowMapping | None:
    """An open change or end of the entry ``record_id``, if there is one."""
    return (
        conn.execute(
            select(proposals.c.id, proposals.c.action, proposals.c.status).where(
                proposals.c.record_id == record_id,
                proposals.c.status.in_(OPEN),
                proposals.c.action.in_(("change", "end")),
            )
        )
        .mappings()
        .first()
    )


def open_creates(
    conn: Connection, department: str, list_type: str, subject: str
) -> Sequence[RowMapping]:
    """Open proposals to list ``subject`` on ``list_type`` for ``department``: the caller
    compares their entries."""
    return (
        conn.execute(
            select(proposals.c.id, proposals.c.payload, proposals.c.status).where(
                and_(
                    proposals.c.action == "create",
                    proposals.c.status.in_(OPEN),
                    proposals.c.department == department,
                    proposals.c.list_type == list_type,
                    proposals.c.subject == subject,
                )
            )
        )
        .mappings()
        .all()
    )


def entry(conn: Connection, record_id: int) -> RowMapping | None:
    """A credit record as a change or an end needs it: its identity (natural key), status,
    department, list type, subject and current payload (the list entry's JSON object)."""
    return (
        conn.execute(
            select(
                credit_records.c.id,
                credit_records.c.kind,
                credit_records.c.natural_key,
                credit_records.c.content_hash,
                credit_records.c.status,
                credit_records.c.version,
                credit_records.c.department,
                credit_records.c.list_type,
                credit_records.c.valid_until,
                subjects.c.identifier.label("subject"),
                record_history.c.payload,
            )
            .join(subjects, subjects.c.id == credit_records.c.subject_id)
            .join(
                record_history,
                and_(
                    record_history.c.record_id == credit_records.c.id,
                    record_history.c.version == credit_records.c.version,
                ),
            )
            .where(credit_records.c.id == record_id)
        )
        .mappings()
        .first()
    )


def entry_by_natural_key(conn: Connection, natural_key: str) -> RowMapping | None:
    """The id, status and content hash of the record with ``natural_key``, or None."""
    return (
        conn.execute(
            select(
                credit_records.c.id,
                credit_records.c.status,
                credit_records.c.content_hash,
            ).where(credit_records.c.natural_key == natural_key)
        )
        .mappings()
        .first()
    )


def content_known(conn: Connection, record_id: int, content_hash: str) -> bool:
    """Whether the record has had this content in any version (re-stating it changes
    nothing: :func:`jointcredit.store.records.write_records` skips it)."""
    found = conn.execute(
        select(record_history.c.id)
        .where(
            record_history.c.record_id == record_id,
            record_history.c.content_hash == content_hash,
        )
        .limit(1)
    ).first()
    return found is not None


__all__ = [
    "AWAITING_REVIEW",
    "OPEN",
    "add",
    "content_known",
    "entry",
    "entry_by_natural_key",
    "get",
    "open_creates",
    "open_for_record",
    "page",
    "set_values",
]
