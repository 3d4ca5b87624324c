"""The worker ends list entries past their ``valid_until``: the stored status says so.

``jointcredit worker --once`` (the real command, on SQLite and PostgreSQL) turns every ``active``
entry whose last day has passed into ``expired`` — a new version with its history row, by
``worker`` — whether or not any department was told of it; whoever was told hears
``entry.ended``; a ``disputed`` one keeps its status until its objection is decided, but its
end is announced all the same. The check answers as before: nothing today, the measures on a
day the entry was in force. A second round changes nothing, and several workers at once end
each entry once.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from tests.check.entries import entry
from tests.concurrency import at_once
from tests.push.outbox import announce, load_entries

from jointcredit import clock
from jointcredit.access import OPERATOR, Principal
from jointcredit.services import audit, objections, push, scheduler
from jointcredit.services.check import check
from jointcredit.services.registry import open_registry
from jointcredit.store.tables import audit_log, credit_records, messages, record_history

SCRIPT = Path(sys.executable).with_name("jointcredit")
TODAY = clock.today()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()
RECENT = (TODAY - dt.timedelta(days=30)).isoformat()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    registry = open_registry(db_url)
    yield registry
    registry.dispose()


def _worker_once(db_url: str, tmp_path: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env |= {"JOINTCREDIT_DATA_DIR": str(tmp_path / "data"), "JOINTCREDIT_DATABASE_URL": db_url}
    done = subprocess.run(
        [str(SCRIPT), "worker", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def _rows(engine: Engine, ids: list[int]) -> dict[int, Any]:
    with engine.connect() as conn:
        return {
            r.id: r
            for r in conn.execute(select(credit_records).where(credit_records.c.id.in_(ids)))
        }


def _latest_messages(engine: Engine, record_id: int) -> dict[str, tuple[str, str | None]]:
    with engine.connect() as conn:
        sent = conn.execute(
            select(messages.c.department, messages.c.event, messages.c.reason)
            .where(messages.c.record_id == record_id)
            .order_by(messages.c.id)
        ).all()
    return {department: (event, reason) for department, event, reason in sent}


def _counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (record_history, messages, audit_log)
        )


def test_the_worker_ends_expired_entries_in_the_registry(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    told = load_entries(engine, tmp_path, [7101, 7102], valid_until=YESTERDAY)
    untold = load_entries(engine, tmp_path, [7103], valid_until=YESTERDAY)
    last_day = load_entries(engine, tmp_path, [7104], valid_until=TODAY.isoformat())
    open_ended = load_entries(engine, tmp_path, [7105], decided_on=RECENT)
    disputed = load_entries(engine, tmp_path, [7106], valid_until=YESTERDAY)
    announce(engine, told + disputed, {"NDRC", "MPS"})
    objections.open_objection(
        engine,
        disputed[0],
        reason="主体称该决定已被撤销。",
        by=Principal("implementer", "MPS", key_id=7001),
    )
    told_before = {r: set(_latest_messages(engine, r)) for r in told + untold + disputed}

    _worker_once(db_url, tmp_path)

    rows = _rows(engine, told + untold + last_day + open_ended + disputed)
    for record_id in told + untold:
        assert rows[record_id].status == "expired", record_id
        assert rows[record_id].version == 2
        with engine.connect() as conn:
            history = conn.execute(
                select(record_history)
                .where(record_history.c.record_id == record_id)
                .order_by(record_history.c.version)
            ).all()
        assert [(h.version, h.event, h.status) for h in history] == [
            (1, "created", "active"),
            (2, "status", "expired"),
        ]
        assert history[-1].actor == "worker"
        latest = _latest_messages(engine, record_id)
        assert set(latest) == told_before[record_id], "the end goes to whoever was told"
        assert all(m == ("entry.ended", "expired") for m in latest.values()), latest
    for record_id in last_day + open_ended:
        assert (rows[record_id].status, rows[record_id].version) == ("active", 1)
    # Under objection: the objection decides its status, but departments hear of the end.
    assert rows[disputed[0]].status == "disputed"
    assert set(_latest_messages(engine, disputed[0]).values()) == {("entry.ended", "expired")}
    with engine.connect() as conn:
        ended = conn.execute(
            select(audit_log.c.record_id).where(audit_log.c.action == "end-expired")
        ).scalars()
        assert sorted(ended) == sorted(told + untold + disputed)

    # The check reads the history: nothing today, the punishment on the entry's last day.
    company = entry(7101)["subject"]["uscc"]
    ask = {"department": "CAAC", "matter": "air-travel"}
    assert check(engine, company, **ask).decisions == ()
    then = check(engine, company, as_of=dt.date.fromisoformat(YESTERDAY), **ask)
    assert {d.status for d in then.decisions} == {"applied"}

    # Another round finds nothing left to do.
    before = _counts(engine)
    _worker_once(db_url, tmp_path)
    assert _counts(engine) == before
    assert audit.verify(engine, by=OPERATOR).ok


def test_several_workers_at_once_end_each_entry_once(engine: Engine, tmp_path: Path) -> None:
    expired = load_entries(engine, tmp_path, range(7201, 7207), valid_until=YESTERDAY)
    announce(engine, expired[:3], {"NDRC", "MPS"})
    with engine.connect() as conn:
        told = {r: push.told(conn, r) for r in expired}

    results = at_once(lambda: scheduler.end_expired(engine), threads=3)
    done = [record_id for result in results for record_id in result]
    assert sorted(done) == expired, "each entry ended by exactly one worker"
    with engine.connect() as conn:
        endings = conn.execute(
            select(record_history.c.record_id, func.count())
            .where(record_history.c.status == "expired")
            .group_by(record_history.c.record_id)
        ).all()
        assert sorted(endings) == [(r, 1) for r in expired]
        for record_id in expired:
            ended = conn.execute(
                select(messages.c.department)
                .where(messages.c.record_id == record_id, messages.c.event == "entry.ended")
                .order_by(messages.c.department)
            ).scalars()
            assert list(ended) == sorted(told[record_id]), "announced once to each told"
        assert {"MPS", "NDRC"} <= told[expired[0]]
    assert set(_rows(engine, expired)[r].status for r in expired) == {"expired"}
    assert scheduler.end_expired(engine) == []
