"""Queries on the outbox (table ``messages``): claiming due deliveries under a lease, settling
them, the feed, and the delivery state per department.

A worker owns a message only while its lease runs: it claims with one conditional UPDATE (on
PostgreSQL after ``FOR UPDATE SKIP LOCKED``, on SQLite inside BEGIN IMMEDIATE, which lets one
writer at a time through), and it settles only a message whose lease is still its own, so that
a worker that was presumed dead cannot overwrite what its successor did.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jointcredit.store.tables import feed_cursors, messages, subscriptions

#: States in which a message has not reached the department's webhook (yet).
UNDELIVERED = ("pending", "failed")


def _due(now: dt.datetime) -> Any:
    return (
        messages.c.state == "pending",
        messages.c.next_attempt_at <= now,
        or_(messages.c.lease_until.is_(None), messages.c.lease_until < now),
    )


def claim(
    conn: Connection, owner: str, limit: int, now: dt.datetime, lease_until: dt.datetime
) -> list[RowMapping]:
    """Lease up to ``limit`` due messages to ``owner``; returns them, oldest due first."""
    query = (
        select(messages.c.id)
        .where(*_due(now))
        .order_by(messages.c.next_attempt_at, messages.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        # Another worker's claimed rows are skipped rather than waited for.
        query = query.with_for_update(skip_locked=True)
    ids = list(conn.execute(query).scalars())
    if not ids:
        return []
    conn.execute(
        update(messages)
        .where(messages.c.id.in_(ids), *_due(now))
        .values(lease_owner=owner, lease_until=lease_until)
    )
    return list(
        conn.execute(
            select(
                messages.c.id,
                messages.c.department,
                messages.c.event,
                messages.c.idempotency_key,
                messages.c.payload,
                messages.c.attempts,
            )
            .where(messages.c.id.in_(ids), messages.c.lease_owner == owner)
            .order_by(messages.c.id)
        ).mappings()
    )


def _held(message_id: int, owner: str) -> Any:
    return (
        messages.c.id == message_id,
        messages.c.lease_owner == owner,
        messages.c.state == "pending",
    )


def mark_delivered(
    conn: Connection, message_id: int, owner: str, attempts: int, now: dt.datetime
) -> bool:
    """Delivered (a 2xx answer); False if ``owner`` no longer holds the message."""
    result = conn.execute(
        update(messages)
        .where(*_held(message_id, owner))
        .values(
            state="delivered",
            delivered_at=now,
            attempts=attempts,
            last_error=None,
            lease_owner=None,
            lease_until=None,
        )
    )
    return result.rowcount == 1


def mark_attempt_failed(
    conn: Connection,
    message_id: int,
    owner: str,
    attempts: int,
    error: str,
    next_attempt_at: dt.datetime | None,
) -> bool:
    """A failed attempt: due again at ``next_attempt_at``, or ``failed`` when that is None."""
    result = conn.execute(
        update(messages)
        .where(*_held(message_id, owner))
        .values(
            state="pending" if next_attempt_at is not None else "failed",
            attempts=attempts,
            last_error=error[:2000],
            next_attempt_at=next_attempt_at,
            lease_owner=None,
            lease_until=None,
        )
    )
    return result.rowcount == 1


def release(conn: Connection, message_id: int, owner: str, *, state: str = "pending") -> None:
    """Give a claimed message back without an attempt (or hand it to the feed: ``state``)."""
    conn.execute(
        update(messages)
        .where(*_held(message_id, owner))
        .values(state=state, lease_owner=None, lease_until=None)
    )


def to_feed(conn: Connection, department: str) -> int:
    """The department's undelivered messages stay in its feed only (it unsubscribed)."""
    result = conn.execute(
        update(messages)
        .where(messages.c.department == department, messages.c.state.in_(UNDELIVERED))
        .values(state="feed", lease_owner=None, lease_until=None)
    )
    return int(result.rowcount)


def retry_failed(
    conn: Connection,
    now: dt.datetime,
    *,
    department: str | None = None,
    message_id: int | None = None,
) -> list[int]:
    """Failed messages of subscribed departments back to ``pending``, due now; their ids."""
    active = select(subscriptions.c.department).where(subscriptions.c.active.is_(True))
    query = select(messages.c.id).where(
        messages.c.state == "failed", messages.c.department.in_(active)
    )
    if department is not None:
        query = query.where(messages.c.department == department)
    if message_id is not None:
        query = query.where(messages.c.id == message_id)
    ids = sorted(int(i) for i in conn.execute(query).scalars())
    if ids:
        conn.execute(
            update(messages)
            .where(messages.c.id.in_(ids), messages.c.state == "failed")
            .values(
                state="pending", attempts=0, next_attempt_at=now, lease_owner=None, lease_until=None
            )
        )
    return ids


def state_of(conn: Connection, message_id: int) -> RowMapping | None:
    return (
        conn.execute(
            select(messages.c.id, messages.c.department, messages.c.state).where(
                messages.c.id == message_id
            )
        )
        .mappings()
        .first()
    )


# -- the feed ----------------------------------------------------------------------------------


#: How many committed messages one call of :func:`sequence` places at most.
SEQUENCE_BATCH = 10_000

# Any constant: the key of PostgreSQL's transaction-level lock that lets one sequencer at a time.
_SEQUENCER_LOCK = 0x4A43_4645_4544  # "JCFEED"


def sequence(conn: Connection, limit: int | None = None) -> bool:
    """Give feed positions to committed messages that have none, in id order; True when more
    are waiting than ``limit`` (default :data:`SEQUENCE_BATCH`).

    Call it inside a write transaction. Positions are handed out by one sequencer at a time (on
    PostgreSQL under a transaction-level advisory lock, on SQLite under the write lock), each
    above every position given before, and only to messages this transaction can see — which
    are committed ones. A message whose transaction commits late gets a position later than
    those already read, instead of an id behind a reader's cursor.
    """
    limit = SEQUENCE_BATCH if limit is None else limit
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(_SEQUENCER_LOCK)))
    waiting = list(
        conn.execute(
            select(messages.c.id)
            .where(messages.c.position.is_(None))
            .order_by(messages.c.id)
            .limit(limit + 1)
        ).scalars()
    )
    if not waiting:
        return False
    top = conn.execute(select(func.max(messages.c.position))).scalar()
    base = int(top) if top is not None else 0
    chosen = waiting[:limit]
    conn.execute(
        update(messages)
        .where(messages.c.id == bindparam("message_id"))
        .values(position=bindparam("new_position")),
        [{"message_id": i, "new_position": base + n} for n, i in enumerate(chosen, start=1)],
    )
    return len(waiting) > limit


def feed_page(conn: Connection, department: str, after: int, limit: int) -> list[RowMapping]:
    """The department's positioned messages above the cursor ``after``, in feed order."""
    return list(
        conn.execute(
            select(
                messages.c.id,
                messages.c.position,
                messages.c.payload,
                messages.c.created_at,
                messages.c.state,
            )
            .where(messages.c.department == department, messages.c.position > after)
            .order_by(messages.c.position)
            .limit(limit)
        ).mappings()
    )


def acknowledge(conn: Connection, department: str, cursor: int, now: dt.datetime) -> None:
    """Record that the department has received everything up to ``cursor``; a cursor never
    moves back (a department reading an older page again has still received the newer ones)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(feed_cursors).values(
        department=department, cursor=cursor, read_at=now
    )
    excluded = statement.excluded
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[feed_cursors.c.department],
            set_={
                "cursor": case(
                    (excluded.cursor > feed_cursors.c.cursor, excluded.cursor),
                    else_=feed_cursors.c.cursor,
                ),
                "read_at": excluded.read_at,
            },
        )
    )


# -- delivery state ----------------------------------------------------------------------------


def state_counts(conn: Connection, department: str | None = None) -> list[RowMapping]:
    """Per department and state: count, oldest created_at, newest delivered_at."""
    query = select(
        messages.c.department,
        messages.c.state,
        func.count().label("n"),
        func.min(messages.c.created_at).label("oldest"),
        func.max(messages.c.delivered_at).label("last_delivered"),
    ).group_by(messages.c.department, messages.c.state)
    if department is not None:
        query = query.where(messages.c.department == department)
    return list(conn.execute(query).mappings())


def cursors(conn: Connection, department: str | None = None) -> dict[str, RowMapping]:
    query = select(feed_cursors)
    if department is not None:
        query = query.where(feed_cursors.c.department == department)
    return {r["department"]: r for r in conn.execute(query).mappings()}


def after_cursor(conn: Connection, department: str | None = None) -> dict[str, int]:
    """Per department with a feed cursor: messages after it (or not yet in the feed's order)."""
    query = (
        select(messages.c.department, func.count().label("n"))
        .join(feed_cursors, feed_cursors.c.department == messages.c.department)
        .where(or_(messages.c.position > feed_cursors.c.cursor, messages.c.position.is_(None)))
        .group_by(messages.c.department)
    )
    if department is not None:
        query = query.where(messages.c.department == department)
    return {r.department: int(r.n) for r in conn.execute(query)}
