"""The worker killed (SIGKILL) in the middle of delivery: every message still arrives, a message
that arrives twice arrives with the same idempotency key, every signature verifies, and the
outbox says delivered. A real ``jointcredit worker`` process, a real receiver on loopback, both
databases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import Engine

from jointcredit.access import OPERATOR
from jointcredit.services import subscriptions

from .outbox import announce, load_entries, states
from .receiver import receiver

SCRIPT = Path(sys.executable).with_name("jointcredit")
DEPARTMENTS = ("NDRC", "MPS", "SAT", "CAAC")
LEASE_SECONDS = 2


def _worker(db_url: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "JOINTCREDIT_WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
        "JOINTCREDIT_WORKER_INTERVAL_SECONDS": "0.1",
        "JOINTCREDIT_WEBHOOK_CONCURRENCY": "4",
    }
    return subprocess.Popen(
        [str(SCRIPT), "worker", "--database", db_url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killing_the_worker_mid_delivery_loses_nothing(
    registry: Engine, db_url: str, tmp_path: Path
) -> None:
    with receiver(delay=0.3) as hook:
        for d in DEPARTMENTS:
            made = subscriptions.subscribe(registry, d, f"{hook.url}/{d}", by=OPERATOR)
            assert made.secret is not None
            hook.secrets[f"/{d}"] = made.secret
        records = load_entries(registry, tmp_path, range(1, 16), valid_until="2099-12-31")
        ids = announce(registry, records, DEPARTMENTS)
        assert len(ids) == 60

        first = _worker(db_url)
        try:
            hook.wait_for(6)  # deliveries under way; four more in flight, the receiver slow
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
        killed_at = hook.count()
        assert killed_at < len(ids), "the worker was killed before it finished"

        hook.delay = 0.0
        second = _worker(db_url)
        try:
            deadline = time.monotonic() + 20
            while set(states(registry).values()) != {"delivered"}:
                assert time.monotonic() < deadline, states(registry)
                time.sleep(0.1)
        finally:
            second.send_signal(signal.SIGTERM)
            _, err = second.communicate(timeout=20)
        assert second.returncode == 0, err
        assert "stopped after" in err

    by_id = defaultdict(set)
    for d in hook.deliveries:
        by_id[d.message_id].add(d.key)
        assert d.signature_ok, d
        assert d.body["id"] == d.message_id and d.body["idempotency_key"] == d.key
    assert sorted(by_id) == ids, "every message arrived"
    assert all(len(keys) == 1 for keys in by_id.values()), "a repeat has the same key"
    assert len({k for keys in by_id.values() for k in keys}) == len(ids)
