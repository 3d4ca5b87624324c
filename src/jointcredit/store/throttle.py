"""Shared counters of requests per fixed time window (``rate_counters``, or Redis), and the
sign-in failures of a staff account from one address.

A counter is a bucket name and the start of its window (seconds since the epoch); its hits are
raised by one atomic upsert, so that every worker process of the service — and every host on
one database — counts into the same row. Nothing here knows the limits: the services decide.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from jointcredit.store.db import write_transaction
from jointcredit.store.tables import rate_counters

log = logging.getLogger("jointcredit.throttle")


def peek(conn: Connection, buckets: Sequence[str], window_start: int) -> list[int]:
    """The hits of each bucket in the window (0 where none)."""
    rows = conn.execute(
        select(rate_counters.c.bucket, rate_counters.c.hits).where(
            rate_counters.c.bucket.in_(list(buckets)),
            rate_counters.c.window_start == window_start,
        )
    )
    found = {bucket: int(hits) for bucket, hits in rows}
    return [found.get(bucket, 0) for bucket in buckets]


def hit(conn: Connection, bucket: str, window_start: int) -> int:
    """One more hit of ``bucket`` in the window; its hits after this one."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    values = insert(rate_counters).values(bucket=bucket, window_start=window_start, hits=1)
    stmt = values.on_conflict_do_update(
        index_elements=[rate_counters.c.bucket, rate_counters.c.window_start],
        set_={"hits": rate_counters.c.hits + 1},
    ).returning(rate_counters.c.hits)
    return int(conn.execute(stmt).scalar_one())


def hits_since(conn: Connection, bucket: str, since: int) -> int:
    """All hits of ``bucket`` in windows that start after ``since``."""
    total = conn.execute(
        select(func.coalesce(func.sum(rate_counters.c.hits), 0)).where(
            rate_counters.c.bucket == bucket, rate_counters.c.window_start > since
        )
    ).scalar_one()
    return int(total)


def clear(conn: Connection, bucket: str, *, prefix: bool = False) -> None:
    """Forget a bucket (or, with ``prefix``, every bucket whose name starts so)."""
    where = (
        rate_counters.c.bucket.startswith(bucket, autoescape=True)
        if prefix
        else rate_counters.c.bucket == bucket
    )
    conn.execute(delete(rate_counters).where(where))


def purge(conn: Connection, prefix: str, before: int) -> int:
    """Delete the windows of buckets named ``prefix…`` that started before ``before``; how many
    went."""
    result = conn.execute(
        delete(rate_counters).where(
            rate_counters.c.bucket.startswith(prefix, autoescape=True),
            rate_counters.c.window_start < before,
        )
    )
    return int(result.rowcount)


class Counters(Protocol):
    """Where the throttle counts: the database or Redis."""

    def peek(self, buckets: Sequence[str], window_start: int) -> list[int]: ...

    def hit(self, buckets: Sequence[str], window_start: int, keep: int) -> list[int]:
        """One more hit of each bucket; their hits after it. ``keep``: seconds the window
        must be remembered."""
        ...


class DatabaseCounters:
    """Counters in ``rate_counters``, their buckets named ``throttle:…`` (the table holds other
    counters too). Old windows are deleted now and then (at most once per ``keep`` seconds per
    process), so that the table holds only the last few minutes."""

    PREFIX = "throttle:"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._purged = 0.0
        self._lock = threading.Lock()

    def peek(self, buckets: Sequence[str], window_start: int) -> list[int]:
        with self.engine.connect() as conn:
            return peek(conn, [self.PREFIX + b for b in buckets], window_start)

    def hit(self, buckets: Sequence[str], window_start: int, keep: int) -> list[int]:
        with write_transaction(self.engine) as conn:
            counts = [hit(conn, self.PREFIX + bucket, window_start) for bucket in buckets]
            if self._purge_due(keep):
                purge(conn, self.PREFIX, window_start - keep)
        return counts

    def _purge_due(self, keep: int) -> bool:
        now = time.monotonic()
        with self._lock:
            if now - self._purged < keep:
                return False
            self._purged = now
            return True


class RedisCounters:
    """Counters in Redis (``INCR`` with an expiry), for installations that have it. When Redis
    does not answer, the database counts instead (and the log says so): a dead Redis must
    neither open the doors to a flood nor shut them to everyone."""

    PREFIX = "jointcredit:throttle:"

    def __init__(self, client: Any, fallback: Counters) -> None:
        self.client = client
        self.fallback = fallback

    def _key(self, bucket: str, window_start: int) -> str:
        return f"{self.PREFIX}{bucket}:{window_start}"

    def peek(self, buckets: Sequence[str], window_start: int) -> list[int]:
        import redis

        try:
            values = self.client.mget([self._key(b, window_start) for b in buckets])
        except redis.RedisError as exc:
            log.warning("Redis does not answer (%s); counting in the database", exc)
            return self.fallback.peek(buckets, window_start)
        return [int(v) if v is not None else 0 for v in values]

    def hit(self, buckets: Sequence[str], window_start: int, keep: int) -> list[int]:
        import redis

        try:
            pipe = self.client.pipeline(transaction=True)
            for bucket in buckets:
                key = self._key(bucket, window_start)
                pipe.incr(key)
                pipe.expire(key, keep)
            replies = pipe.execute()
        except redis.RedisError as exc:
            log.warning("Redis does not answer (%s); counting in the database", exc)
            return self.fallback.hit(buckets, window_start, keep)
        return [int(n) for n in replies[0::2]]


def redis_client(url: str) -> Any:
    """A client of the Redis server at ``url`` (it connects on first use); ImportError without
    the ``redis`` package, ValueError for a malformed URL."""
    import redis

    # Short timeouts: a throttled request waits for Redis, and the database can count instead.
    return redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)


def redis_counters(url: str, fallback: Counters) -> RedisCounters:
    """Counters in the Redis server at ``url``."""
    return RedisCounters(redis_client(url), fallback)


__all__ = [
    "Counters",
    "DatabaseCounters",
    "RedisCounters",
    "clear",
    "hit",
    "hits_since",
    "peek",
    "purge",
    "redis_client",
    "redis_counters",
]
