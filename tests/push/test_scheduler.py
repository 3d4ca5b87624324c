"""The scheduler's jobs on both databases, each run by two workers at once: expired entries are
announced once, overdue items flagged once; and ``jointcredit worker --once``."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, insert, select
from tests.concurrency import at_once

from jointcredit.access import OPERATOR
from jointcredit.services import audit, push, scheduler
from jointcredit.store import workflows
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import (
    audit_log,
    credit_records,
    messages,
    objections,
    proposals,
    repairs,
)

from .outbox import announce, load_entries

SCRIPT = Path(sys.executable).with_name("jointcredit")


def _ended(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return sorted(
            (r.record_id, r.department)
            for r in conn.execute(
                select(messages.c.record_id, messages.c.department, messages.c.reason).where(
                    messages.c.event == "entry.ended"
                )
            )
            if r.reason == "expired"
        )


def test_an_expired_entry_is_ended_once_to_those_told_even_by_two_workers(
    registry: Engine, tmp_path: Path
) -> None:
    expired = load_entries(registry, tmp_path, [1, 2], valid_until="2025-06-30")
    untold = load_entries(registry, tmp_path, [3], valid_until="2025-06-30")
    current = load_entries(registry, tmp_path, [4], valid_until="2099-12-31")
    announce(registry, expired + current, {"NDRC", "MPS"})
    announce(registry, expired[:1], {"SAT"}, event="entry.changed")
    with registry.connect() as conn:
        told = {r: push.told(conn, r) for r in expired + untold}
    assert {"MPS", "NDRC", "SAT"} <= told[expired[0]]

    results = at_once(lambda: scheduler.end_expired(registry))
    # Told or not, every expired entry is ended (its status), each by one worker.
    assert sorted(results[0] + results[1]) == sorted(expired + untold)
    assert _ended(registry) == sorted((r, d) for r in expired + untold for d in told[r])
    assert scheduler.end_expired(registry) == []  # nothing twice
    with registry.connect() as conn:
        rows = conn.execute(
            select(audit_log.c.record_id).where(audit_log.c.action == "end-expired")
        ).scalars()
        assert sorted(rows) == sorted(expired + untold)
        statuses = conn.execute(
            select(credit_records.c.id, credit_records.c.status).where(
                credit_records.c.id.in_(expired + untold + current)
            )
        ).all()
        assert dict(statuses) == {
            **{r: "expired" for r in expired + untold},
            **{r: "active" for r in current},
        }
    assert audit.verify(registry, by=OPERATOR).ok


def _due_items(engine: Engine, record_id: int) -> dict[str, list[int]]:
    now = dt.datetime.now(dt.UTC)
    past, future = dt.date(2026, 1, 5), dt.date(2099, 1, 5)
    common = {"created_at": now, "updated_at": now, "due_estimated": False}
    made: dict[str, list[int]] = {"proposal": [], "objection": [], "repair": []}
    with write_transaction(engine) as conn:
        for status, due in (("submitted", past), ("submitted", future), ("approved", past)):
            made["proposal"].append(
                conn.execute(
                    insert(proposals)
                    .values(
                        department="SPC",
                        action="end",
                        record_id=record_id,
                        payload={"reason": "test"},
                        document_number="（2026）测试1号",
                        legal_basis="测试",
                        status=status,
                        submitted_by="key:1",
                        due=due,
                        **common,
                    )
                    .returning(proposals.c.id)
                ).scalar_one()
            )
        for status in ("open", "rejected"):
            made["objection"].append(
                conn.execute(
                    insert(objections)
                    .values(
                        record_id=record_id,
                        subject="x",
                        department="SPC",
                        reason="测试",
                        status=status,
                        prior_status="active",
                        opened_by="operator",
                        due=past,
                        **common,
                    )
                    .returning(objections.c.id)
                ).scalar_one()
            )
        for status in ("applied", "accepted", "approved"):
            made["repair"].append(
                conn.execute(
                    insert(repairs)
                    .values(
                        record_id=record_id,
                        subject="x",
                        department="SPC",
                        commitment="测试",
                        status=status,
                        applied_by="operator",
                        due=past,
                        **common,
                    )
                    .returning(repairs.c.id)
                ).scalar_one()
            )
    return made


def test_overdue_items_are_flagged_once_even_by_two_workers(
    registry: Engine, tmp_path: Path
) -> None:
    [record] = load_entries(registry, tmp_path, [5])
    made = _due_items(registry, record)
    results = at_once(lambda: scheduler.flag_overdue(registry))
    flagged = {w: sorted(results[0][w] + results[1][w]) for w in made}
    assert flagged == {
        "objection": [made["objection"][0]],
        "repair": made["repair"][:2],
        "proposal": [made["proposal"][0]],
    }
    with registry.connect() as conn:
        for workflow, ids in flagged.items():
            for item in ids:
                [event] = workflows.events_of(conn, workflow, item)
                assert (event["action"], event["actor"]) == ("overdue", "worker")
                assert event["from_status"] == event["to_status"]
    assert scheduler.flag_overdue(registry) == {
        "objection": [],
        "repair": [],
        "proposal": [],
        "tipoff": [],
    }


def test_worker_once_runs_a_round_and_logs_it(
    registry: Engine, db_url: str, tmp_path: Path
) -> None:
    expired = load_entries(registry, tmp_path, [6], valid_until="2025-06-30")
    announce(registry, expired, {"NDRC"})
    with registry.connect() as conn:
        told = push.told(conn, expired[0])
    result = subprocess.run(
        [str(SCRIPT), "worker", "--once", "--database", db_url],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "ended 1 expired entries" in result.stderr
    assert _ended(registry) == [(expired[0], d) for d in sorted(told)]
