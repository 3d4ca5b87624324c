"""The statistics' summary tables: a refresh that reads only what changed counts what a full
recount counts, on both backends; ids not yet visible on PostgreSQL are counted once they are."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, select, update
from tests.concurrency import at_once
from tests.deadlines.helpers import ECOLOGY, penalty, utc
from tests.feedback.helpers import MATTER, MEASURE
from tests.importing.rows import penalty_row, uscc
from tests.tracking.world import FILLED, MEE_NAME, PERIOD, TODAY, build
from typer.testing import CliRunner

from jointcredit.access import OPERATOR, Principal
from jointcredit.cli.main import app
from jointcredit.services import check, deadlines, feedback, objections, stats_summaries, tracking
from jointcredit.services.imports import make_validator
from jointcredit.services.registry import open_registry
from jointcredit.services.scheduler import Scheduler
from jointcredit.store import records
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import (
    audit_log,
    credit_records,
    messages,
    stats_checks,
    stats_pushes,
    stats_records,
)

MPS = Principal("implementer", "MPS", key_id=9301)


def _tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table.name: sorted(tuple(row) for row in conn.execute(select(table)))
            for table in (stats_records, stats_checks, stats_pushes)
        }


def _stats(engine: Engine) -> dict[str, Any]:
    result = tracking.compute(engine, PERIOD, today=TODAY, rule="quarterly")
    return {r["department"]: r for r in result["departments"]}


def _recounted(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    stats_summaries.refresh(engine, full=True)
    return _tables(engine)


def test_a_refresh_of_what_changed_counts_what_a_full_recount_counts(
    registry: Engine, tmp_path: Path
) -> None:
    build(registry, tmp_path)
    first = stats_summaries.refresh(registry)
    assert first["full"] is True and first["months_counted"] >= 2
    before = _stats(registry)
    assert stats_summaries.refresh(registry)["ids_read"] == dict.fromkeys(
        stats_summaries.store.SOURCES, 0
    )

    # A new MEE penalty in August, a correction of an old one (a field more), a status change
    # (an objection: its reason is a note, not a field), two checks, and CAAC's late-coming
    # but timely feedback on the message of 15 August.
    penalty(registry, 5, decided="2026-08-11", at=utc("2026-08-12"), source=MEE_NAME)
    corrected = penalty(
        registry, 1, decided="2026-08-07", at=utc("2026-09-03"), authority=ECOLOGY,
        source=MEE_NAME, BZ="更正：补充备注",
    )  # fmt: skip
    objections.open_objection(
        registry, corrected, reason="金额有误", by=OPERATOR, now=utc("2026-09-04")
    )
    for _ in range(2):
        check.answer(registry, uscc(41), by=MPS, department="MPS", matter=MATTER)
    with registry.connect() as conn:
        caac = conn.execute(
            select(messages.c.id).where(messages.c.department == "CAAC")
        ).scalar_one()
    feedback.submit(
        registry,
        feedback.FeedbackIn(
            department="CAAC", measure=MEASURE, applied=True, matter=MATTER, message_id=caac,
            acted_on=dt.date(2026, 9, 5),
        ),
        by=Principal("implementer", "CAAC", key_id=9302),
        now=utc("2026-09-06"),
    )  # fmt: skip

    done = stats_summaries.refresh(registry)
    assert done["full"] is False
    assert done["months_counted"] == 0  # the correction came as deltas
    assert done["days_counted"] == 1  # 15 August, for CAAC's feedback
    after = _stats(registry)
    incremental = _tables(registry)
    assert incremental == _recounted(registry)

    mee, was = after["MEE"], before["MEE"]
    assert mee["records"] == was["records"] + 1
    assert mee["fields_filled"] == was["fields_filled"] + FILLED + 1
    caac_row = after["CAAC"]
    assert (caac_row["feedback_on_time"], caac_row["feedback_late"]) == (1, 0)
    # The checks were made now, not in 2026Q3: two by the world, two here.
    assert sum(r[-1] for r in incremental["stats_checks"] if r[1] == "MPS") == 4


def test_months_filled_in_without_history_are_counted_again(
    registry: Engine, tmp_path: Path
) -> None:
    build(registry, tmp_path)
    stats_summaries.refresh(registry)
    known = _stats(registry)["MEE"]["publication_due"]
    # As if written before the platform kept deadlines: the summary is not told.
    with write_transaction(registry) as conn:
        conn.execute(update(credit_records).values(publication_due=None, published_on=None))
    assert stats_summaries.refresh(registry)["months_counted"] == 0
    stats_summaries.refresh(registry, full=True)
    assert _stats(registry)["MEE"]["publication_due"] == 0
    # The deadline back-fill notes the months it changed; the next refresh counts them again.
    deadlines.refresh(registry)
    assert stats_summaries.refresh(registry)["months_counted"] >= 1
    assert _stats(registry)["MEE"]["publication_due"] == known
    assert _tables(registry) == _recounted(registry)


def _check_row(at: dt.datetime) -> dict[str, Any]:
    return {
        "at": at, "action": "check", "department": "MPS", "role": "implementer",
        "subject": uscc(41), "matter": MATTER, "algorithm": "sha256", "prev_hash": "",
        "hash": "",
    }  # fmt: skip


def test_ids_not_yet_visible_are_counted_once_they_commit(pg_url: str) -> None:
    engine = open_registry(pg_url)
    try:
        stats_summaries.refresh(engine)
        now = dt.datetime.now(dt.UTC)
        slow = engine.connect()
        slow.begin()
        slow.execute(insert(audit_log).values(_check_row(now)))  # its id is drawn, not visible
        with write_transaction(engine) as conn:
            conn.execute(insert(audit_log).values(_check_row(now)))
        first = stats_summaries.refresh(engine)
        assert first["gaps"] == 1
        assert sum(r[-1] for r in _tables(engine)["stats_checks"]) == 1
        slow.commit()
        slow.close()
        second = stats_summaries.refresh(engine)
        assert second["gaps"] == 0
        assert sum(r[-1] for r in _tables(engine)["stats_checks"]) == 2
        assert stats_summaries.refresh(engine)["ids_read"]["audit_log"] == 0
        assert _tables(engine) == _recounted(engine)
        # A gap never filled (a rolled-back insert) is given up after an hour.
        lost = engine.connect()
        lost.begin()
        lost.execute(insert(audit_log).values(_check_row(now)))
        with write_transaction(engine) as conn:
            conn.execute(insert(audit_log).values(_check_row(now)))
        assert stats_summaries.refresh(engine)["gaps"] == 1
        lost.rollback()
        lost.close()
        later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=stats_summaries.GAP_SECONDS)
        assert stats_summaries.refresh(engine, now=later)["gaps"] == 0
        assert _tables(engine) == _recounted(engine)
    finally:
        engine.dispose()


def test_refreshes_at_once_wait_for_each_other(pg_url: str, tmp_path: Path) -> None:
    engine = open_registry(pg_url)
    try:
        build(engine, tmp_path)
        at_once(lambda: stats_summaries.refresh(engine), threads=4)
        assert _tables(engine) == _recounted(engine)
    finally:
        engine.dispose()


def test_cli_refresh(registry: Engine, db_url: str, tmp_path: Path) -> None:
    build(registry, tmp_path)
    runner = CliRunner()
    first = runner.invoke(app, ["stats", "refresh", "--json", "--database", db_url])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["full"] is True
    again = runner.invoke(app, ["stats", "refresh", "--database", db_url])
    assert again.exit_code == 0, again.output
    assert "brought up to date" in again.output and "0 month(s)" in again.output
    full = runner.invoke(app, ["stats", "refresh", "--full", "--database", db_url])
    assert "counted everything" in full.output


def test_the_worker_keeps_them_up_once_they_were_counted(registry: Engine, tmp_path: Path) -> None:
    build(registry, tmp_path)
    with Scheduler(registry) as worker:
        assert worker.round().summarised is None  # a first count is the operator's step
        stats_summaries.refresh(registry)
        penalty(registry, 6, decided="2026-08-11", at=utc("2026-08-13"), source=MEE_NAME)
        report = worker.round()
    assert report.summarised is not None and "summaries refreshed" in report.summary()
    assert _tables(registry) == _recounted(registry)
    assert _stats(registry)["MEE"]["records"] == 4


_SOURCES = ("生态环境部", "国家税务总局", None)
_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("new"), st.integers(1, 6), st.integers(0, 14), st.sampled_from(_SOURCES),
                  st.booleans()),
        st.tuples(st.just("correct"), st.integers(1, 6), st.integers(0, 14),
                  st.sampled_from(_SOURCES), st.booleans()),
        st.tuples(st.just("refresh"), st.just(0), st.just(0), st.just(None), st.just(False)),
    ),
    min_size=1,
    max_size=10,
)  # fmt: skip


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=_OPS)
def test_any_order_of_records_corrections_and_refreshes_ends_as_a_recount(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, int, int, str | None, bool]]
) -> None:
    """New records in various months, corrections that move a record to another department, to
    another decision date (deadline) or add a field, refreshes in between: the summary after a
    last refresh is what a full recount gives."""
    engine = open_registry(f"sqlite:///{tmp_path_factory.mktemp('ops')}/r.sqlite3")
    try:
        stats_summaries.refresh(engine)
        written: set[int] = set()
        for op, serial, days, source, remark in ops:
            if op == "refresh" or (op == "correct" and serial not in written):
                stats_summaries.refresh(engine)
                continue
            decided = dt.date(2026, 8, 1) - dt.timedelta(days=days)
            extra = {"BZ": "更正"} if remark else {}
            # Recorded in June, July or August; a correction (the same natural key) keeps the
            # first moment it was recorded.
            at = utc(f"2026-{6 + serial % 3:02d}-10")
            penalty(engine, serial, decided=decided.isoformat(), at=at, source=source, **extra)
            written.add(serial)
        stats_summaries.refresh(engine)
        assert _tables(engine) == _recounted(engine)
    finally:
        engine.dispose()


def test_a_record_committed_after_a_full_count_is_added_once(pg_url: str) -> None:
    """The delta of a transaction still open while ``--full`` counts (its id drawn below the
    mark, the deltas around it already folded and deleted) is added when it commits."""
    engine = open_registry(pg_url)
    try:
        penalty(engine, 1, decided="2026-08-03", at=utc("2026-08-05"), source=MEE_NAME)
        stats_summaries.refresh(engine)
        draft = make_validator("penalty", dt.date(2026, 12, 31)).validate(
            2, penalty_row(2, CF_JDRQ="2026-08-04", CF_CFJG=ECOLOGY, CF_SJLY=MEE_NAME)
        )
        assert not isinstance(draft, list)
        slow = engine.connect()
        slow.begin()
        records.write_records(
            slow, [draft], job_id=None, actor="test", source_system="test", now=utc("2026-08-06")
        )
        penalty(engine, 3, decided="2026-08-04", at=utc("2026-08-06"), source=MEE_NAME)
        assert stats_summaries.refresh(engine, full=True)["gaps"] >= 1
        slow.commit()
        slow.close()
        stats_summaries.refresh(engine)
        assert _stats(engine)["MEE"]["records"] == 3
        assert _tables(engine) == _recounted(engine)
    finally:
        engine.dispose()


def test_holes_far_below_are_not_kept_by_the_thousand(pg_url: str) -> None:
    """Ids a rolled-back insert or a deleted row left are looked at again only near the top."""
    engine = open_registry(pg_url)
    try:
        now = dt.datetime.now(dt.UTC)
        with write_transaction(engine) as conn:
            conn.execute(
                insert(audit_log),
                [{"id": 2 * k} | _check_row(now) for k in range(1, stats_summaries.MAX_GAPS + 501)],
            )
        first = stats_summaries.refresh(engine)
        assert first["gaps"] == stats_summaries.MAX_GAPS
        assert stats_summaries.refresh(engine)["gaps"] == stats_summaries.MAX_GAPS
        assert sum(r[-1] for r in _tables(engine)["stats_checks"]) == stats_summaries.MAX_GAPS + 500
    finally:
        engine.dispose()
