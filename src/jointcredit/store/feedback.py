"""Queries of enforcement feedback (table ``feedback``) and of the messages it answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, exists, insert, or_, select

from jointcredit.store.tables import audit_log, credit_records, feedback, messages, subjects


def message(conn: Connection, message_id: int) -> RowMapping | None:
    """The message as feedback needs it: who received it, about which entry, when."""
    return (
        conn.execute(
            select(
                messages.c.id,
                messages.c.department,
                messages.c.event,
                messages.c.record_id,
                messages.c.subject,
                messages.c.list_type,
                messages.c.created_at,
            ).where(messages.c.id == message_id)
        )
        .mappings()
        .first()
    )


def record(conn: Connection, record_id: int) -> RowMapping | None:
    """A record's kind, list type and subject identifier."""
    return (
        conn.execute(
            select(
                credit_records.c.id,
                credit_records.c.kind,
                credit_records.c.list_type,
                subjects.c.identifier.label("subject"),
            )
            .join(subjects, subjects.c.id == credit_records.c.subject_id)
            .where(credit_records.c.id == record_id)
        )
        .mappings()
        .first()
    )


def audit_entry(conn: Connection, audit_id: int) -> RowMapping | None:
    """The audit row of a check: what was asked, by which department."""
    return (
        conn.execute(
            select(
                audit_log.c.id,
                audit_log.c.action,
                audit_log.c.department,
                audit_log.c.subject,
                audit_log.c.matter,
            ).where(audit_log.c.id == audit_id)
        )
        .mappings()
        .first()
    )


def add(conn: Connection, values: dict[str, Any]) -> RowMapping:
    feedback_id = conn.execute(insert(feedback).returning(feedback.c.id), values).scalar_one()
    row = conn.execute(select(feedback).where(feedback.c.id == feedback_id)).mappings().one()
    return row


def page(
    conn: Connection,
    *,
    limit: int,
    offset: int,
    department: str | None = None,
    record_id: int | None = None,
    message_id: int | None = None,
) -> Sequence[RowMapping]:
    """Feedback, newest first, filtered by each given value."""
    query = select(feedback).order_by(feedback.c.id.desc()).limit(limit).offset(offset)
    if department is not None:
        query = query.where(feedback.c.department == department)
    if record_id is not None:
        query = query.where(feedback.c.record_id == record_id)
    if message_id is not None:
        query = query.where(feedback.c.message_id == message_id)
    return conn.execute(query).mappings().all()


def answers_message() -> Any:
    """A ``feedback`` row answers a ``messages`` row: the receiving department's feedback on
    the message, or on its entry after it (also what the statistics count,
    store.stats_summaries)."""
    return and_(
        feedback.c.department == messages.c.department,
        or_(
            feedback.c.message_id == messages.c.id,
            and_(
                feedback.c.record_id == messages.c.record_id,
                feedback.c.created_at > messages.c.created_at,
            ),
        ),
    )


def _answered() -> Any:
    """Feedback from the receiving department on the message, or on its entry after it."""
    return exists().where(answers_message())


def unanswered(
    conn: Connection,
    *,
    events: Sequence[str],
    limit: int,
    offset: int,
    department: str | None = None,
    created_before: dt.datetime | None = None,
) -> Sequence[RowMapping]:
    """Messages of ``events`` that call for feedback and have none, oldest first per
    department; with ``created_before``, only those written before that moment (UTC)."""
    query = (
        select(
            messages.c.id,
            messages.c.department,
            messages.c.event,
            messages.c.record_id,
            messages.c.subject,
            messages.c.list_type,
            messages.c.created_at,
        )
        .where(messages.c.event.in_(list(events)), ~_answered())
        .order_by(messages.c.department, messages.c.id)
        .limit(limit)
        .offset(offset)
    )
    if department is not None:
        query = query.where(messages.c.department == department)
    if created_before is not None:
        query = query.where(messages.c.created_at < created_before)
    return conn.execute(query).mappings().all()


def sent(
    conn: Connection,
    *,
    department: str,
    limit: int,
    offset: int = 0,
    message_id: int | None = None,
) -> Sequence[RowMapping]:
    """Messages sent to ``department``, newest first (or the one ``message_id``), each with
    ``answered``: whether feedback from the department meets it (see :func:`unanswered`)."""
    query = (
        select(
            messages.c.id,
            messages.c.department,
            messages.c.event,
            messages.c.reason,
            messages.c.record_id,
            messages.c.subject,
            messages.c.list_type,
            messages.c.payload,
            messages.c.created_at,
            _answered().label("answered"),
        )
        .where(messages.c.department == department)
        .order_by(messages.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if message_id is not None:
        query = query.where(messages.c.id == message_id)
    return conn.execute(query).mappings().all()


def answers(
    conn: Connection,
    *,
    department: str,
    message_id: int,
    record_id: int,
    sent_at: dt.datetime,
) -> Sequence[RowMapping]:
    """The department's feedback meeting one message: on the message, or on its entry after
    the message was written; oldest first."""
    return (
        conn.execute(
            select(feedback)
            .where(
                feedback.c.department == department,
                or_(
                    feedback.c.message_id == message_id,
                    and_(feedback.c.record_id == record_id, feedback.c.created_at > sent_at),
                ),
            )
            .order_by(feedback.c.id)
        )
        .mappings()
        .all()
    )
