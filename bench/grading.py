"""Grading: the public credit comprehensive evaluation of N organisations — a full run, an
incremental run with nothing changed, and one after 1,000 organisations' records changed —
in subjects per second and peak memory.

1. *build* (skipped when the file already holds N subjects): a migrated registry; N
   organisations (identifiers marked ``JC``) and their records, inserted in batches of 50,000:
   per organisation 0–3 licences, and with some probability a penalty of each tier (8%, 4%,
   1%), a commitment (10%), a red-list (1%) or black-list (0.5%) entry, with decision dates
   over the last five years and, for some, a status of ``disputed``/``repaired``.
2. *full*: ``grading.grade_all(changed_only=False)`` under the default scorecard: every
   organisation's records read in batches, evaluated, its grade and a first history row
   written.
3. *nothing changed*: ``grade_all()`` again: the cost of finding what changed (the history
   above the mark, the grades whose day has come, organisations without a grade).
4. *1,000 changed*: a penalty added to 1,000 organisations (record + history row, as an import
   writes them), then ``grade_all()``.

    .venv/bin/python bench/grading.py                         # 100,000 organisations, SQLite
    .venv/bin/python bench/grading.py --subjects 10000000     # the real run
    .venv/bin/python bench/grading.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Files go to /tmp/jcbench/grading-N.sqlite3 (JCBENCH_DIR); results to bench/results/grading.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SCRATCH, log, machine_info, peak_rss_mib, save_result, table

from jointcredit.access import OPERATOR
from jointcredit.services import grading
from jointcredit.services.registry import open_registry
from jointcredit.store.tables import credit_records, record_history, subjects

BATCH = 50_000
TODAY = dt.date(2026, 11, 27)


def _record(rng: random.Random, sid: int, n: int, kind: str, now: dt.datetime) -> dict[str, object]:
    decided = TODAY - dt.timedelta(days=rng.randint(1, 1800))
    severity = None
    if kind == "penalty":
        severity = rng.choices(("minor", "general", "severe"), (8, 4, 1))[0]
    list_type = {"red-list": "a-grade-taxpayers", "black-list": "judgment-defaulters"}.get(kind)
    until = decided + dt.timedelta(days=1095) if list_type else None
    status = rng.choices(("active", "disputed", "repaired"), (96, 2, 2))[0]
    key = f"b{sid:09d}-{n}"
    return {
        "kind": kind,
        "subject_id": sid,
        "natural_key": key,
        "issuing_authority": "基准测试局",
        "list_type": list_type,
        "source_system": "bench",
        "document_number": f"基准〔{sid}〕{n}号",
        "decision_date": decided,
        "severity": severity,
        "valid_until": until,
        "status": status,
        "version": 1,
        "content_hash": key[:32],
        "recorded_at": now,
        "updated_at": now,
    }


def build(engine: Engine, n: int, seed: int) -> tuple[float, int]:
    with engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(subjects)).scalar_one()
        records = conn.execute(select(func.count()).select_from(credit_records)).scalar_one()
    if have >= n:
        log(f"registry holds {have:,} subjects and {records:,} records: no build")
        return 0.0, int(records)
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    total = int(records)
    for first in range(have, n, BATCH):
        people = []
        rows: list[dict[str, object]] = []
        for i in range(first, min(first + BATCH, n)):
            sid = i + 1
            people.append(
                {
                    "id": sid,
                    "kind": "legal-person",
                    "name": f"基准测试{i}有限公司",
                    "identifier": f"91{i % 900000 + 100000:06d}JC{i:08d}",
                    "identifier_type": "uscc",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            kinds = ["licensing"] * rng.randint(0, 3)
            for kind, p in (
                ("penalty", 0.08),
                ("penalty", 0.04),
                ("penalty", 0.01),
                ("commitment", 0.10),
                ("red-list", 0.01),
                ("black-list", 0.005),
            ):
                if rng.random() < p:
                    kinds.append(kind)
            rows.extend(_record(rng, sid, k, kind, now) for k, kind in enumerate(kinds))
        with engine.begin() as conn:
            conn.execute(insert(subjects), people)
            if rows:
                conn.execute(insert(credit_records), rows)
        total += len(rows)
        if (first // BATCH) % 20 == 0:
            rate = (first + len(people) - have) / (time.perf_counter() - started)
            log(f"  {first + len(people):,} organisations, {total:,} records ({rate:,.0f}/s)")
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE subjects"))
            conn.execute(text("ANALYZE credit_records"))
    return time.perf_counter() - started, total


def change(engine: Engine, n: int, count: int, seed: int) -> None:
    """A severe penalty for ``count`` organisations, with its history row, as an import."""
    rng = random.Random(seed + 99)
    now = dt.datetime.now(dt.UTC)
    chosen = rng.sample(range(1, n + 1), count)
    with engine.begin() as conn:
        top = conn.execute(select(func.max(credit_records.c.id))).scalar() or 0
        rows = []
        for k, sid in enumerate(chosen):
            row = _record(rng, sid, 100 + k, "penalty", now)
            row |= {"id": top + k + 1, "severity": "severe", "status": "active"}
            row["decision_date"] = TODAY - dt.timedelta(days=10)
            row["natural_key"] = f"c{time.time_ns()}-{k}"[:32]
            rows.append(row)
        conn.execute(insert(credit_records), rows)
        conn.execute(
            insert(record_history),
            [
                {
                    "record_id": r["id"],
                    "version": 1,
                    "event": "created",
                    "status": "active",
                    "content_hash": r["content_hash"],
                    "payload": {},
                    "actor": "bench",
                    "recorded_at": now,
                }
                for r in rows
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in JCBENCH_DIR)")
    parser.add_argument("--batch", type=int, default=grading.BATCH)
    parser.add_argument("--changed", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    machine = machine_info()
    url = args.database or f"sqlite:///{SCRATCH}/grading-{args.subjects}.sqlite3"
    SCRATCH.mkdir(parents=True, exist_ok=True)
    engine = open_registry(url)
    log(f"registry: {url}")
    build_seconds, records = build(engine, args.subjects, args.seed)
    log(f"built in {build_seconds:,.0f} s; grading")
    step = max(args.subjects // 10, args.batch)
    marks = [step]

    def progress(done: int) -> None:
        if done >= marks[0]:
            log(f"  {done:,} graded")
            marks[0] += step

    runs = []
    full = grading.grade_all(
        engine, by=OPERATOR, changed_only=False, day=TODAY, batch_size=args.batch,
        progress=progress,
    )  # fmt: skip
    runs.append(("full", full))
    log(f"full run: {full['subjects']:,} in {full['seconds']:,.1f} s")
    runs.append(("nothing changed", grading.grade_all(engine, by=OPERATOR, day=TODAY)))
    change(engine, args.subjects, args.changed, args.seed)
    runs.append((f"{args.changed:,} changed", grading.grade_all(engine, by=OPERATOR, day=TODAY)))
    own, _ = peak_rss_mib()
    rows = [
        (
            name,
            f"{r['subjects']:,}",
            f"{r['changed']:,}",
            round(r["seconds"], 2),
            f"{r['subjects'] / r['seconds']:,.0f}" if r["subjects"] else "",
        )
        for name, r in runs
    ]
    print(table(("run", "recomputed", "changed", "seconds", "subjects/s"), rows))
    print(f"grades: {full['counts']}; records: {records:,}; peak RSS {own:,.0f} MiB")
    save_result(
        "grading",
        {"subjects": args.subjects, "database": engine.dialect.name, "batch": args.batch},
        {
            "build_seconds": round(build_seconds, 1),
            "records": records,
            "runs": {
                name: {
                    "subjects": r["subjects"],
                    "changed": r["changed"],
                    "seconds": r["seconds"],
                    "subjects_per_second": (r["subjects"] / r["seconds"]) if r["seconds"] else None,
                }
                for name, r in runs
            },
            "counts": full["counts"],
            "peak_rss_mib": own,
        },
        machine,
    )


if __name__ == "__main__":
    main()
