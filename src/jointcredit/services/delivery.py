"""Webhook delivery of the outbox: at least once, signed, with retries and backoff.

A :class:`Deliverer` claims due messages under a lease (``store.messages.claim``), POSTs each
to its department's webhook from a thread pool sharing one HTTP client, and settles it: a 2xx
answer marks it delivered, anything else schedules the next attempt after an exponential,
jittered wait, and after JOINTCREDIT_WEBHOOK_MAX_ATTEMPTS attempts marks it ``failed`` (it stays
in the feed; ``jointcredit push retry`` sends it again). A message is marked delivered only
after a 2xx, and only while this worker still holds its lease: a worker that dies between the
POST and the mark leaves the message to be delivered again, with the same idempotency key.

Body: ``{"id": <message id>, ...payload}`` (the payload as ``services.push.emit`` wrote it), the
same JSON the feed returns. Headers: ``Idempotency-Key``, ``X-JointCredit-Message-Id``,
``X-JointCredit-Event``, ``X-JointCredit-Timestamp`` (unix seconds) and
``X-JointCredit-Signature`` (``security.webhooks.sign``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from threading import Event
from typing import Any

import httpx
from sqlalchemy import Engine

from jointcredit.clock import now as clock_now
from jointcredit.errors import IntegrityFailure
from jointcredit.jsontext import dumps
from jointcredit.security.webhooks import sign
from jointcredit.services import metrics
from jointcredit.services.subscriptions import open_secret
from jointcredit.settings import Settings, get_settings
from jointcredit.store import messages as outbox
from jointcredit.store import subscriptions as subscription_store
from jointcredit.store.db import write_transaction

log = logging.getLogger("jointcredit.worker")

#: How long one round keeps claiming new messages before the other jobs get their turn.
ROUND_SECONDS = 30.0
USER_AGENT = "jointcredit-webhook/1"


def worker_id() -> str:
    """Names the process in ``lease_owner``: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff(attempts: int, base: float, cap: float, *, jitter: float | None = None) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: ``base * 2**(attempts-1)``,
    at most ``cap``, times a random factor in [0.8, 1.2] (``jitter`` fixes it), so that many
    messages failing at once do not all come back at once.

    >>> [backoff(n, 10, 3600, jitter=1.0) for n in (1, 2, 3, 10, 20)]
    [10.0, 20.0, 40.0, 3600.0, 3600.0]
    """
    delay = min(cap, base * 2.0 ** max(0, attempts - 1))
    return delay * (random.uniform(0.8, 1.2) if jitter is None else jitter)


def body_of(message_id: int, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON a department receives for a message, by webhook and in the feed."""
    return {"id": message_id, **payload}


@dataclass(slots=True)
class Stats:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    #: Settled by another worker meanwhile (our lease had run out): nothing written.
    lost: int = 0
    #: The department has no active subscription any more: left to the feed.
    to_feed: int = 0

    def add(self, other: Stats) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def to_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(slots=True)
class _Claimed:
    id: int
    department: str
    event: str
    key: str
    payload: Mapping[str, Any]
    attempts: int
    url: str | None
    secret: str | None
    post_by: float


@dataclass(slots=True)
class _Result:
    message: _Claimed
    outcome: str  # delivered, error, skipped, no-subscription
    error: str | None = None


class Deliverer:
    """Delivers due messages; one per worker process (thread-safe for one caller at a time)."""

    def __init__(
        self,
        engine: Engine,
        *,
        owner: str | None = None,
        settings: Settings | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.engine = engine
        self.owner = owner or worker_id()
        self.settings = settings or get_settings()
        concurrency = self.settings.webhook_concurrency
        self._own_client = client is None
        self.client = client or httpx.Client(
            timeout=self.settings.webhook_timeout_seconds,
            follow_redirects=False,  # a redirect is not an answer: retried, and visible
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            headers={"User-Agent": USER_AGENT},
        )
        self.pool = ThreadPoolExecutor(concurrency, thread_name_prefix="jointcredit-webhook")
        self._secrets: dict[tuple[str, str], str] = {}

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        if self._own_client:
            self.client.close()

    def __enter__(self) -> Deliverer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- claiming --------------------------------------------------------------------------

    def _secret(self, department: str, sealed: str) -> str | None:
        found = self._secrets.get((department, sealed))
        if found is None:
            try:
                found = open_secret(department, sealed)
            except IntegrityFailure:
                log.error(
                    "the webhook secret of %s does not open with the webhook key file: "
                    "subscribe again (jointcredit push subscribe) or restore the key file",
                    department,
                )
                return None
            self._secrets[(department, sealed)] = found
        return found

    def claim(self, limit: int) -> list[_Claimed]:
        lease = self.settings.worker_lease_seconds
        now = clock_now()
        with write_transaction(self.engine) as conn:
            rows = outbox.claim(conn, self.owner, limit, now, now + dt.timedelta(seconds=lease))
            targets = subscription_store.secrets(conn, sorted({r["department"] for r in rows}))
        # A message still waiting in the queue past half its lease is not sent: another worker
        # may take it over soon, and two deliveries at once help nobody.
        post_by = time.monotonic() + lease / 2
        claimed = []
        for r in rows:
            url, sealed = targets.get(r["department"], (None, None))
            secret = self._secret(r["department"], sealed) if sealed else None
            claimed.append(
                _Claimed(
                    int(r["id"]),
                    r["department"],
                    r["event"],
                    r["idempotency_key"],
                    r["payload"],
                    int(r["attempts"] or 0),
                    url if secret else None,
                    secret,
                    post_by,
                )
            )
        return claimed

    # -- sending ---------------------------------------------------------------------------

    def send(self, message: _Claimed) -> _Result:
        if message.url is None or message.secret is None:
            return _Result(message, "no-subscription")
        if time.monotonic() > message.post_by:
            return _Result(message, "skipped")
        body = dumps(body_of(message.id, message.payload)).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": message.key,
            "X-JointCredit-Message-Id": str(message.id),
            "X-JointCredit-Event": message.event,
            "X-JointCredit-Timestamp": str(timestamp),
            "X-JointCredit-Signature": sign(message.secret, timestamp, body),
        }
        try:
            answer = self.client.post(message.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return _Result(message, "error", f"{type(exc).__name__}: {exc}"[:500])
        if 200 <= answer.status_code < 300:
            return _Result(message, "delivered")
        text = answer.text[:200].replace("\n", " ")
        return _Result(message, "error", f"HTTP {answer.status_code}: {text}")

    # -- settling --------------------------------------------------------------------------

    def settle(self, results: list[_Result]) -> Stats:
        stats = Stats()
        settings = self.settings
        now = clock_now()
        settled: list[tuple[str, str]] = []  # (department, outcome) for the metrics
        with write_transaction(self.engine) as conn:
            for result in results:
                m = result.message
                if result.outcome == "skipped":
                    outbox.release(conn, m.id, self.owner)
                    continue
                if result.outcome == "no-subscription":
                    outbox.release(conn, m.id, self.owner, state="feed")
                    stats.to_feed += 1
                    settled.append((m.department, "to_feed"))
                    continue
                attempts = m.attempts + 1
                if result.outcome == "delivered":
                    held = outbox.mark_delivered(conn, m.id, self.owner, attempts, now)
                    stats.delivered += held
                    if held:
                        settled.append((m.department, "delivered"))
                else:
                    last = attempts >= settings.webhook_max_attempts
                    wait_s = backoff(
                        attempts,
                        settings.webhook_backoff_seconds,
                        settings.webhook_backoff_max_seconds,
                    )
                    held = outbox.mark_attempt_failed(
                        conn,
                        m.id,
                        self.owner,
                        attempts,
                        result.error or "failed",
                        None if last else now + dt.timedelta(seconds=wait_s),
                    )
                    if held:
                        settled.append((m.department, "failed" if last else "retry"))
                        if last:
                            stats.failed += 1
                            log.warning(
                                "message %s to %s failed after %s attempts: %s",
                                m.id,
                                m.department,
                                attempts,
                                result.error,
                            )
                        else:
                            stats.retried += 1
                if not held:
                    stats.lost += 1
                    settled.append((m.department, "lost"))
        metrics.record_deliveries(settled)
        return stats

    # -- a round ---------------------------------------------------------------------------

    def deliver_due(
        self, stop: Event | None = None, *, max_seconds: float = ROUND_SECONDS
    ) -> Stats:
        """Deliver what is due now, keeping up to twice the concurrency in flight, until
        nothing more is due (or ``max_seconds`` of claiming, or ``stop`` is set); returns once
        every claimed message is settled."""
        stats = Stats()
        window = 2 * self.settings.webhook_concurrency
        inflight: dict[Future[_Result], _Claimed] = {}
        until = time.monotonic() + max_seconds
        claiming = True
        while True:
            if claiming and ((stop is not None and stop.is_set()) or time.monotonic() > until):
                claiming = False
            if claiming and len(inflight) < window:
                claimed = self.claim(window - len(inflight))
                stats.claimed += len(claimed)
                if not claimed:
                    claiming = False
                for message in claimed:
                    inflight[self.pool.submit(self.send, message)] = message
            if not inflight:
                return stats
            done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            results = []
            for future in done:
                message = inflight.pop(future)
                try:
                    results.append(future.result())
                except Exception as exc:  # a bug in send must not strand the lease
                    log.exception("delivering message %s", message.id)
                    results.append(_Result(message, "error", f"{type(exc).__name__}: {exc}"))
            stats.add(self.settle(results))


def deliver_once(engine: Engine, *, settings: Settings | None = None) -> Stats:
    """Deliver everything due now with a deliverer of its own (tests, ``--once``)."""
    with Deliverer(engine, settings=settings) as deliverer:
        return deliverer.deliver_due()
