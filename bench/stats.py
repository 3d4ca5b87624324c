"""Statistics over N credit records (issue 7: "seconds, not minutes"): department tracking read
from the summary tables, the summaries' first count, and keeping them up to date.

1. *build* (skipped when the registry already holds N records): bench/_statsdata.py, in SQL —
   N records with their history rows, N/5 checks, N/10 messages, feedback on 80% of them.
2. *upgrade*: a registry built before migration 0010 gets it here (two indexes, five tables).
3. *scan*: a quarter's records and checks counted from the registry's own tables, as the
   statistics did before the summaries (a baseline; run with ``--scan``, it takes minutes).
4. *first count*: ``stats refresh`` on a registry never counted: everything.
5. *reads*: ``tracking.compute`` (with its refresh, which finds nothing) for a quarter, a year,
   a quarter in one province; median of ``--repeat`` runs each.
6. *changes*: ``--new`` synthetic penalties written through the platform's write path, spread
   over the 60 months as if recorded then, with checks, messages and feedback, then a refresh;
   the same rows again with a remark added (a new version of each), then a refresh.
7. *recount*: ``stats refresh --full``, and the check that it gives the same tables as the
   refreshes of what changed.

    .venv/bin/python bench/stats.py                          # 1,000,000 records, SQLite
    .venv/bin/python bench/stats.py --records 50000000       # the real run (~40 GB of disk)
    .venv/bin/python bench/stats.py --records 10000000 \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/jcbench

Files go to /tmp/jcbench/stats-N.sqlite3 (JCBENCH_DIR); results to bench/results/stats.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, func, insert, literal_column, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SCRATCH, log, machine_info, peak_rss_mib, save_result, table, vm_hwm_mib
from _statsdata import build_postgresql, build_sqlite

from jointcredit.services import stats_summaries, tracking
from jointcredit.services.imports import make_validator
from jointcredit.services.registry import open_registry
from jointcredit.store import migrate, records
from jointcredit.store.db import between, make_engine, write_transaction
from jointcredit.store.tables import (
    audit_log,
    credit_records,
    feedback,
    messages,
    record_history,
    stats_checks,
    stats_pushes,
    stats_records,
)

TODAY = dt.date(2026, 11, 27)
QUARTER, YEAR, PROVINCE = "2025Q2", "2025", "11"


def _count(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {name}")).scalar() or 0)


def _open(url: str, n: int) -> tuple[Engine, float, float]:
    """The registry at ``url`` holding ``n`` records: (engine, build seconds, upgrade seconds)."""
    engine = make_engine(url)
    built = 0.0
    fresh = migrate.current_revision(engine) is None
    if fresh:
        migrate.upgrade(engine)
    if _count(engine, "credit_records") < n:
        if _count(engine, "credit_records"):
            raise SystemExit(f"{url} holds fewer than {n:,} records: remove it first")
        log(f"building {n:,} records")
        if engine.dialect.name == "sqlite":
            engine.dispose()
            built = build_sqlite(str(engine.url.database), n, log)
        else:
            built = build_postgresql(engine, n, log)
    upgraded = 0.0
    if migrate.current_revision(engine) != migrate.head_revision():
        log("upgrading the schema (indexes on 50 M rows take a while)")
        started = time.perf_counter()
        migrate.upgrade(engine)
        upgraded = time.perf_counter() - started
    return open_registry(url), built, upgraded


def scan(engine: Engine, period: str) -> float:
    """A quarter counted from the base tables (the statistics' queries before migration 0010)."""
    started = time.perf_counter()
    c = credit_records.c
    keys: Any
    if engine.dialect.name == "postgresql":
        keys = literal_column("(SELECT count(*) FROM jsonb_object_keys(record_history.payload))")
    else:
        keys = literal_column("(SELECT count(*) FROM json_each(record_history.payload))")
    with engine.connect() as conn:
        start, end = tracking.parse_period(period).moments()
        group = func.coalesce(c.department, c.source_department)
        conn.execute(
            select(group, c.kind, func.count(), func.sum(keys))
            .select_from(
                credit_records.join(
                    record_history,
                    and_(record_history.c.record_id == c.id, record_history.c.version == c.version),
                )
            )
            .where(between(conn, c.recorded_at, start, end))
            .group_by(group, c.kind)
        ).all()
        a = audit_log.c
        conn.execute(
            select(a.department, a.matter, func.count())
            .where(a.action == "check", between(conn, a.at, start, end))
            .group_by(a.department, a.matter)
        ).all()
    return time.perf_counter() - started


def _read(engine: Engine, period: str, region: str | None, repeat: int) -> dict[str, Any]:
    times = []
    result: dict[str, Any] = {}
    for _ in range(repeat):
        started = time.perf_counter()
        result = tracking.compute(engine, period, region, today=TODAY, rule="quarterly")
        times.append(time.perf_counter() - started)
    rows = result["departments"]
    return {
        "median_seconds": statistics.median(times),
        "runs": times,
        "departments": len(rows),
        "records": sum(r["records"] for r in rows),
        "checks": sum(r["checks"] for r in rows),
        "pushes": sum(r["pushes_received"] for r in rows),
    }


def _summary_rows(engine: Engine) -> dict[str, int]:
    return {t.name: _count(engine, t.name) for t in (stats_records, stats_checks, stats_pushes)}


def _reset_peak() -> None:
    # Linux: writing 5 resets VmHWM, so that a step's own peak can be read after it.
    Path("/proc/self/clear_refs").write_text("5")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _rows(n: int, seed: int) -> list[dict[str, str]]:
    from jointcredit import synth

    return list(synth.Generator(seed=seed, today=TODAY, subjects=max(n // 4, 1)).penalty_rows(n))


def _write(engine: Engine, rows: list[dict[str, str]], now: dt.datetime) -> None:
    validator = make_validator("penalty", TODAY)
    drafts = [validator.validate(k, row) for k, row in enumerate(rows, 1)]
    good = [d for d in drafts if not isinstance(d, list)]
    for first in range(0, len(good), 5_000):
        with write_transaction(engine) as conn:
            records.write_records(
                conn,
                good[first : first + 5_000],
                job_id=None,
                actor="bench",
                source_system="bench",
                now=now,
            )


def import_records(engine: Engine, rows: list[dict[str, str]]) -> int:
    """The synthetic penalty rows imported through the platform's write path (records,
    history, the summary's deltas), spread over the 60 months as if recorded then; the
    months."""
    months = 60
    per = max(len(rows) // months, 1)
    done = set()
    for k in range(0, len(rows), per):
        when = dt.datetime(2022, 1, 15, 2, tzinfo=dt.UTC) + dt.timedelta(days=30.4 * (k // per))
        _write(engine, rows[k : k + per], when)
        done.add((when.year, when.month))
    return len(done)


def correct(engine: Engine, rows: list[dict[str, str]]) -> None:
    """The same rows again, each with a remark added: a new version of every record (months
    of five years), written now."""
    _write(engine, [row | {"BZ": "更正：补充备注"} for row in rows], _now())


def add_activity(engine: Engine, n: int) -> None:
    """``n`` checks, ``n / 2`` messages and feedback on 80% of them, now."""
    now = _now()
    with write_transaction(engine) as conn:
        top = int(conn.execute(select(func.max(credit_records.c.id))).scalar() or 1)
        conn.execute(
            insert(audit_log),
            [
                {
                    "at": now,
                    "action": "check",
                    "department": "MPS",
                    "role": "implementer",
                    "subject": "91110000JC00000001",
                    "matter": "air-travel",
                    "algorithm": "sha256",
                    "prev_hash": "",
                    "hash": "",
                }
                for _ in range(n)
            ],
        )
        sent = []
        for k in range(n // 2):
            row = conn.execute(
                insert(messages)
                .values(
                    department="MPS",
                    event="entry.listed",
                    record_id=top - k,
                    record_version=1,
                    subject="91110000JC00000001",
                    idempotency_key=f"new-{now.timestamp()}-{k}",
                    payload={},
                    created_at=now,
                    state="delivered",
                    attempts=1,
                )
                .returning(messages.c.id)
            ).scalar_one()
            sent.append(int(row))
        conn.execute(
            insert(feedback),
            [
                {
                    "department": "MPS",
                    "message_id": m,
                    "record_id": top - k,
                    "subject": "91110000JC00000001",
                    "applied": True,
                    "acted_on": now.date(),
                    "submitted_by": "bench",
                    "created_at": now,
                }
                for k, m in enumerate(sent)
                if k % 5
            ],
        )


def _tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            t.name: sorted(tuple(r) for r in conn.execute(select(t)))
            for t in (stats_records, stats_checks, stats_pushes)
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in JCBENCH_DIR)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--new", type=int, default=20_000, help="records imported, corrected")
    parser.add_argument("--scan", action="store_true", help="also time the base-table baseline")
    args = parser.parse_args()
    machine = machine_info()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    url = args.database or f"sqlite:///{SCRATCH}/stats-{args.records}.sqlite3"
    log(f"registry: {url}")
    engine, built, upgraded = _open(url, args.records)
    sizes = {
        name: _count(engine, name)
        for name in ("credit_records", "record_history", "audit_log", "messages", "feedback")
    }
    log(f"built in {built:,.0f} s, upgraded in {upgraded:,.1f} s: {sizes}")
    out: dict[str, Any] = {
        "build_seconds": round(built, 1),
        "upgrade_seconds": round(upgraded, 1),
        "sizes": sizes,
    }
    if args.scan:
        log(f"scan of {QUARTER} from the base tables")
        out["scan_quarter_seconds"] = scan(engine, QUARTER)
        log(f"  {out['scan_quarter_seconds']:,.1f} s")
    log("first count")
    _reset_peak()
    first = stats_summaries.refresh(engine, full=True)
    out["first_count_peak_rss_mib"] = vm_hwm_mib()
    out["first_count"] = first
    out["summary_rows"] = _summary_rows(engine)
    log(f"  {first['seconds']:,.1f} s; summary rows {out['summary_rows']}")
    idle = [stats_summaries.refresh(engine)["seconds"] for _ in range(args.repeat)]
    out["refresh_nothing_changed_median_seconds"] = statistics.median(idle)
    _reset_peak()
    reads = {
        f"quarter {QUARTER}": _read(engine, QUARTER, None, args.repeat),
        f"year {YEAR}": _read(engine, YEAR, None, args.repeat),
        f"quarter {QUARTER}, region {PROVINCE}": _read(engine, QUARTER, PROVINCE, args.repeat),
    }
    out["reads"] = reads
    out["reads_peak_rss_mib"] = vm_hwm_mib()
    for name, r in reads.items():
        log(f"  read {name}: {r['median_seconds'] * 1000:,.0f} ms ({r['records']:,} records)")
    # A seed of the registry's size: a second run on the same file imports other records.
    rows = _rows(args.new, sizes["credit_records"])
    log(f"{len(rows):,} records imported over 60 months; {args.new // 5:,} checks")
    started = time.perf_counter()
    months = import_records(engine, rows)
    add_activity(engine, args.new // 5)
    out["write_new_seconds"] = time.perf_counter() - started
    out["refresh_after_new"] = stats_summaries.refresh(engine)
    log(f"  refresh {out['refresh_after_new']['seconds']:,.2f} s")
    started = time.perf_counter()
    correct(engine, rows)
    out["write_corrections_seconds"] = time.perf_counter() - started
    out["refresh_after_corrections"] = stats_summaries.refresh(engine)
    out["corrected_months"] = months
    log(
        f"  {len(rows):,} corrected in {months} months: refresh "
        f"{out['refresh_after_corrections']['seconds']:,.2f} s"
    )
    kept = _tables(engine)
    again = stats_summaries.refresh(engine, full=True)
    out["recount"] = again
    out["recount_matches"] = kept == _tables(engine)
    log(f"recount {again['seconds']:,.1f} s; the same tables: {out['recount_matches']}")
    own, _ = peak_rss_mib()
    out["peak_rss_mib"] = own
    quarter = reads[f"quarter {QUARTER}"]["median_seconds"]
    lines = [
        ("first count (everything)", round(first["seconds"], 1)),
        (
            "refresh, nothing changed (median)",
            round(out["refresh_nothing_changed_median_seconds"], 4),
        ),
        *((f"read {k} (median)", round(v["median_seconds"], 3)) for k, v in reads.items()),
        (
            f"refresh after {len(rows):,} new records in {months} months, {args.new // 5:,} checks",
            round(out["refresh_after_new"]["seconds"], 2),
        ),
        (
            f"refresh after {len(rows):,} corrections ({months} months)",
            round(out["refresh_after_corrections"]["seconds"], 2),
        ),
        ("full recount", round(again["seconds"], 1)),
    ]
    if args.scan:
        lines.insert(
            0, (f"base-table scan of {QUARTER} (baseline)", round(out["scan_quarter_seconds"], 1))
        )
        out["scan_over_read"] = out["scan_quarter_seconds"] / quarter
    print(table(("step", "seconds"), lines))
    print(
        f"peak RSS of the first count {out['first_count_peak_rss_mib']:,.0f} MiB, of the reads "
        f"{out['reads_peak_rss_mib']:,.0f} MiB"
    )
    print(
        f"records {sizes['credit_records']:,}; summary rows {out['summary_rows']}; "
        f"peak RSS {own:,.0f} MiB; recount matches: {out['recount_matches']}"
    )
    save_result("stats", {"records": args.records, "database": engine.dialect.name}, out, machine)
    if not out["recount_matches"]:
        raise SystemExit("the refreshed summaries differ from a full recount")


if __name__ == "__main__":
    main()
