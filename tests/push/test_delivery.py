"""Webhook delivery on a real registry (both databases) to a real receiver on loopback:
signatures and headers, retries with backoff, giving up and retrying, leases."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from jointcredit.access import OPERATOR
from jointcredit.security.webhooks import verify
from jointcredit.services import delivery, feed, subscriptions
from jointcredit.settings import get_settings
from jointcredit.store import messages as outbox
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import messages

from .outbox import announce, load_entries, row, states
from .receiver import receiver

SCRIPT = Path(sys.executable).with_name("jointcredit")


def _subscribe(engine: Engine, base: str, *departments: str) -> dict[str, str]:
    """Subscribe each department at ``base/DEPT``; path → secret."""
    return {
        f"/{d}": subscriptions.subscribe(engine, d, f"{base}/{d}", by=OPERATOR).secret or ""
        for d in departments
    }


def test_messages_arrive_signed_with_their_idempotency_key(
    registry: Engine, tmp_path: Path
) -> None:
    with receiver() as hook:
        hook.secrets = _subscribe(registry, hook.url, "NDRC", "MPS")
        records = load_entries(registry, tmp_path, range(1, 4))
        ids = announce(registry, records, {"NDRC", "MPS", "SAT"})
        assert len(ids) == 9
        stats = delivery.deliver_once(registry)
        assert (stats.delivered, stats.retried, stats.failed) == (6, 0, 0)
        got = {d.message_id: d for d in hook.deliveries}
    state = states(registry)
    assert sorted(got) == sorted(i for i in ids if state[i] == "delivered")
    assert sum(s == "feed" for s in state.values()) == 3  # SAT reads the feed
    for message_id, d in got.items():
        stored = row(registry, message_id)
        assert d.signature_ok
        assert d.key == stored["idempotency_key"] == d.body["idempotency_key"]
        assert d.body["id"] == message_id and d.event == stored["event"] == "entry.listed"
        assert d.path == f"/{stored['department']}"
        assert d.body["entry"]["id"] == stored["record_id"]
        assert stored["delivered_at"] is not None and stored["attempts"] == 1
        assert stored["lease_owner"] is None
    # The feed shows the same body.
    page = feed.read(registry, by=OPERATOR, department="NDRC")
    first = page["items"][0]
    assert {k: v for k, v in first.items() if k not in ("cursor", "created_at", "delivery")} == (
        got[first["id"]].body
    )
    assert first["delivery"] == "delivered"


def test_a_tampered_body_does_not_verify(registry: Engine, tmp_path: Path) -> None:
    with receiver() as hook:
        hook.secrets = _subscribe(registry, hook.url, "NDRC")
        announce(registry, load_entries(registry, tmp_path, [5]), {"NDRC"})
        delivery.deliver_once(registry)
    [d] = hook.deliveries
    assert d.signature_ok
    import json

    raw = json.dumps(d.body, ensure_ascii=False, separators=(",", ":")).encode()
    ts = str(int(time.time()))
    assert not verify(hook.secrets["/NDRC"], ts, raw.replace(b"listed", b"ended"), "sha256=00")


def _deliver_until(engine: Engine, done: set[str], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    with delivery.Deliverer(engine) as deliverer:
        while set(states(engine).values()) - done:
            assert time.monotonic() < deadline, states(engine)
            deliverer.deliver_due()
            time.sleep(0.05)


def test_a_failing_receiver_gets_retries_with_backoff(
    registry: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOINTCREDIT_WEBHOOK_BACKOFF_SECONDS", "0.5")
    monkeypatch.setenv("JOINTCREDIT_WEBHOOK_BACKOFF_MAX_SECONDS", "1")
    get_settings.cache_clear()
    with receiver(fail_first=2) as hook:
        hook.secrets = _subscribe(registry, hook.url, "NDRC")
        [message_id] = announce(registry, load_entries(registry, tmp_path, [7]), {"NDRC"})
        stats = delivery.deliver_once(registry)
        assert (stats.delivered, stats.retried) == (0, 1)
        first = row(registry, message_id)
        assert first["state"] == "pending" and first["attempts"] == 1
        assert first["last_error"].startswith("HTTP 500")
        waited = first["next_attempt_at"].replace(tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)
        # 0.5 s with a jitter of ±20 %.
        assert dt.timedelta(seconds=0.2) < waited <= dt.timedelta(seconds=0.6)
        # Not due yet: nothing is claimed at once.
        assert delivery.deliver_once(registry).claimed == 0
        _deliver_until(registry, {"delivered"})
    final = row(registry, message_id)
    assert final["attempts"] == 3 and final["last_error"] is None
    assert [d.message_id for d in hook.deliveries] == [message_id]


def test_failed_after_max_attempts_then_push_retry(
    registry: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    monkeypatch.setenv("JOINTCREDIT_WEBHOOK_MAX_ATTEMPTS", "2")
    get_settings.cache_clear()
    with receiver(status=503) as hook:
        hook.secrets = _subscribe(registry, hook.url, "NDRC")
        ids = announce(registry, load_entries(registry, tmp_path, [8, 9]), {"NDRC"})
        _deliver_until(registry, {"failed"})
        assert {row(registry, i)["attempts"] for i in ids} == {2}
        status = feed.status(registry, by=OPERATOR, department="NDRC")[0]
        assert (status["failed"], status["pending"], status["delivered"]) == (2, 0, 0)
        assert status["oldest_undelivered_seconds"] is not None
        # Failed messages stay in the feed.
        assert [
            i["id"] for i in feed.read(registry, by=OPERATOR, department="NDRC")["items"]
        ] == ids
        hook.status = 204
        result = subprocess.run(
            [str(SCRIPT), "push", "retry", "--department", "NDRC", "--json", "-d", db_url],
            env={**os.environ, "NO_COLOR": "1"},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert f'"retried": [\n    {ids[0]},' in result.stdout
        assert set(states(registry).values()) == {"pending"}
        delivery.deliver_once(registry)
    assert set(states(registry).values()) == {"delivered"}
    assert sorted(d.message_id for d in hook.deliveries) == ids


def test_retry_names_what_is_wrong(registry: Engine, tmp_path: Path) -> None:
    from jointcredit.errors import InvalidInputError, NotFoundError

    [message_id] = announce(registry, load_entries(registry, tmp_path, [10]), {"NDRC"})
    with pytest.raises(InvalidInputError, match=f"message {message_id} is feed, not failed"):
        feed.retry(registry, by=OPERATOR, message_id=message_id)
    with pytest.raises(NotFoundError, match="no message 999"):
        feed.retry(registry, by=OPERATOR, message_id=999)


def test_only_messages_written_after_subscribing_are_pushed(
    registry: Engine, tmp_path: Path
) -> None:
    records = load_entries(registry, tmp_path, [11, 12])
    [before] = announce(registry, records[:1], {"NDRC"})
    with receiver() as hook:
        hook.secrets = _subscribe(registry, hook.url, "NDRC")
        [after] = announce(registry, records[1:], {"NDRC"})
        assert states(registry) == {before: "feed", after: "pending"}
        delivery.deliver_once(registry)
    assert [d.message_id for d in hook.deliveries] == [after]
    # Unsubscribing leaves what is undelivered to the feed.
    [third] = announce(registry, records[:1], {"NDRC"}, event="entry.changed")
    assert states(registry)[third] == "pending"
    assert subscriptions.unsubscribe(registry, "NDRC", by=OPERATOR)["moved_to_feed"] == 1
    assert states(registry)[third] == "feed"


def test_a_lease_keeps_a_message_from_a_second_worker_until_it_runs_out(
    registry: Engine, tmp_path: Path
) -> None:
    [message_id] = announce(registry, load_entries(registry, tmp_path, [13]), {"NDRC"})
    with write_transaction(registry) as conn:
        conn.execute(messages.update().values(state="pending"))
    now = dt.datetime.now(dt.UTC)
    soon = now + dt.timedelta(seconds=60)
    with write_transaction(registry) as conn:
        assert [r["id"] for r in outbox.claim(conn, "a", 10, now, soon)] == [message_id]
    with write_transaction(registry) as conn:
        assert outbox.claim(conn, "b", 10, now, soon) == []
        # After the lease: b takes it over, and a can no longer settle it.
        later = soon + dt.timedelta(seconds=1)
        assert len(outbox.claim(conn, "b", 10, later, later + dt.timedelta(seconds=60))) == 1
        assert not outbox.mark_delivered(conn, message_id, "a", 1, later)
        assert outbox.mark_delivered(conn, message_id, "b", 1, later)
    with registry.connect() as conn:
        assert conn.execute(select(messages.c.state)).scalar_one() == "delivered"


def test_two_deliverers_at_once_deliver_each_message_once(registry: Engine, tmp_path: Path) -> None:
    with receiver(delay=0.01) as hook:
        hook.secrets = _subscribe(registry, hook.url, "NDRC", "MPS", "SAT")
        ids = announce(
            registry, load_entries(registry, tmp_path, range(20, 40)), {"NDRC", "MPS", "SAT"}
        )
        assert len(ids) == 60
        results: list[delivery.Stats] = []

        def work() -> None:
            results.append(delivery.deliver_once(registry))

        threads = [threading.Thread(target=work) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(d.message_id for d in hook.deliveries) == ids
    assert sum(r.delivered for r in results) == 60
    assert set(states(registry).values()) == {"delivered"}
