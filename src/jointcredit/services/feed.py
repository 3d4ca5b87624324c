"""What departments see of their messages: the pull feed, the delivery state, retries.

The feed (``GET /api/v1/feed?after=CURSOR``) holds every message of a department, whatever
became of its webhook delivery, in the order of their commits (``position``, see
:func:`jointcredit.store.messages.sequence`): a system that cannot receive webhooks reads it
page by page, passing the ``next_cursor`` of one page as ``after`` of the next. Asking with
``after=X`` acknowledges everything up to X (``feed_cursors``), which the delivery state shows.
Every page read is audited (action ``read-feed``, with the range of message ids).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from jointcredit.access import OVERSEERS, Principal, require
from jointcredit.clock import now as clock_now
from jointcredit.clock import utc
from jointcredit.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from jointcredit.services import audit
from jointcredit.services.delivery import body_of
from jointcredit.store import messages as outbox
from jointcredit.store import subscriptions as subscription_store
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import DELIVERY_STATES

FEED_LIMIT_MAX = 1000
CURSOR_MAX = 2**63 - 1


def _stamp(value: Any) -> str | None:
    moment = utc(value)
    return moment.isoformat() if moment is not None else None


def _department_of(by: Principal, department: str | None, action: str) -> str:
    """The department a caller reads: a department's key its own; the operator names one."""
    if by.department is not None and by.role not in OVERSEERS:
        require(by, action, department or by.department)
        return by.department
    require(by, action, department)
    if not department:
        raise InvalidInputError("department: name the department whose feed to read")
    return department


def read(
    engine: Engine,
    *,
    by: Principal,
    department: str | None = None,
    after: int = 0,
    limit: int = 100,
) -> dict[str, Any]:
    """One page of the department's feed: messages with an id above ``after``."""
    if not 0 <= after <= CURSOR_MAX:
        raise InvalidInputError(f"after: must be a feed cursor from 0 to {CURSOR_MAX}")
    if not 1 <= limit <= FEED_LIMIT_MAX:
        raise InvalidInputError(f"limit: must be from 1 to {FEED_LIMIT_MAX}")
    code = _department_of(by, department, "read-feed")
    now = clock_now()
    with write_transaction(engine) as conn:
        backlog = outbox.sequence(conn)
        rows = outbox.feed_page(conn, code, after, limit + 1)
        more = len(rows) > limit or backlog
        rows = rows[:limit]
        outbox.acknowledge(conn, code, after, now)
        audit.append(
            conn,
            by,
            "read-feed",
            detail={
                "for_department": code,
                "after": after,
                "first": rows[0]["id"] if rows else None,
                "last": rows[-1]["id"] if rows else None,
                "next_cursor": rows[-1]["position"] if rows else after,
                "count": len(rows),
            },
        )
    items = [
        {
            **body_of(int(r["id"]), r["payload"]),
            "cursor": int(r["position"]),
            "created_at": _stamp(r["created_at"]),
            "delivery": r["state"],
        }
        for r in rows
    ]
    return {
        "department": code,
        "after": after,
        "items": items,
        "next_cursor": int(rows[-1]["position"]) if rows else after,
        "has_more": more,
    }


def status(engine: Engine, *, by: Principal, department: str | None = None) -> list[dict[str, Any]]:
    """Delivery state per department (a department's key: its own; overseers: every one, or
    ``department``)."""
    require(by, "read-deliveries")
    if by.role not in OVERSEERS:
        if department is not None and department != by.department:
            raise PermissionDeniedError(
                f"this key acts for department {by.department}, not {department}"
            )
        department = by.department
    now = clock_now()
    with engine.connect() as conn:
        counts = outbox.state_counts(conn, department)
        cursors = outbox.cursors(conn, department)
        after = outbox.after_cursor(conn, department)
        subs = {r["department"]: r for r in subscription_store.listed(conn, department)}
    departments = sorted(
        {r["department"] for r in counts}
        | set(cursors)
        | set(subs)
        | ({department} if department else set())
    )
    out = []
    for code in departments:
        mine = [r for r in counts if r["department"] == code]
        by_state = {s: 0 for s in DELIVERY_STATES}
        for r in mine:
            by_state[r["state"]] = int(r["n"])
        undelivered = [utc(r["oldest"]) for r in mine if r["state"] in outbox.UNDELIVERED]
        oldest = min((u for u in undelivered if u is not None), default=None)
        delivered = [utc(r["last_delivered"]) for r in mine if r["last_delivered"] is not None]
        sub = subs.get(code)
        cursor = cursors.get(code)
        total = sum(by_state.values())
        out.append(
            {
                "department": code,
                "messages": total,
                "pending": by_state["pending"],
                "delivered": by_state["delivered"],
                "failed": by_state["failed"],
                "feed_only": by_state["feed"],
                "oldest_undelivered_seconds": (
                    round((now - oldest).total_seconds(), 1) if oldest is not None else None
                ),
                "last_delivered_at": _stamp(max((d for d in delivered if d), default=None)),
                "feed_cursor": int(cursor["cursor"]) if cursor is not None else None,
                "feed_read_at": _stamp(cursor["read_at"]) if cursor is not None else None,
                "after_cursor": after.get(code, 0) if cursor is not None else total,
                "webhook_url": sub["url"] if sub is not None and sub["active"] else None,
            }
        )
    with write_transaction(engine) as conn:
        audit.append(
            conn,
            by,
            "read-deliveries",
            detail={"for_department": department, "departments": len(out)},
        )
    return out


def retry(
    engine: Engine,
    *,
    by: Principal,
    department: str | None = None,
    message_id: int | None = None,
) -> list[int]:
    """Failed messages (of ``department``, or the one ``message_id``) back to pending, due
    now; returns their ids. Only departments with an active webhook have failed messages to
    retry; a message that is not failed is an error naming its state."""
    if by.role not in OVERSEERS:
        require(by, "manage-subscription", department or by.department)
        department = by.department
    else:
        require(by, "manage-subscription")
    now = clock_now()
    with write_transaction(engine) as conn:
        if message_id is not None:
            found = outbox.state_of(conn, message_id)
            if found is None or (department is not None and found["department"] != department):
                raise NotFoundError(
                    f"no message {message_id}" + (f" to {department}" if department else "")
                )
            if found["state"] != "failed":
                raise InvalidInputError(
                    f"message {message_id} is {found['state']}, not failed: nothing to retry"
                )
        ids = outbox.retry_failed(conn, now, department=department, message_id=message_id)
        if message_id is not None and not ids:
            raise InvalidInputError(
                f"message {message_id}: its department has no active webhook subscription; "
                "subscribe it again first"
            )
        audit.append(
            conn,
            by,
            "retry-deliveries",
            detail={"for_department": department, "message": message_id, "count": len(ids)},
        )
    return ids
