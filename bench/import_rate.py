"""Import rate of validated penalty rows into SQLite, beside a bare executemany of the same rows.

Goal (issue): jointcredit imports at least one third of the bare rate, and 1,000,000 rows in
under a minute on 2 cores.

One penalty CSV is generated (default 1,000,000 rows over rows/10 subjects, so subjects recur),
then in the same run, each measurement in a child process of its own on a fresh database:

* bare — csv.reader over the file, sqlite3 executemany into a WAL table with one TEXT column per
  field (same PRAGMAs as the registry: WAL, synchronous=NORMAL), batches of 5000, one commit
  per batch;
* jointcredit — ``import_file`` into a fresh registry (``open_registry``, migrations not timed),
  with the default ``workers`` and with the other setting.

Every measurement is repeated (default 3 times, interleaved) and the median reported, with the
child's peak RSS (VmHWM: ru_maxrss would start at the size of the parent that forked it) and,
for workers=1, the reader process's (polled from /proc). Memory flatness: peak RSS of the
jointcredit import of rows/10 rows against rows rows.

    .venv/bin/python bench/import_rate.py [--rows N] [--repeats K]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import (
    SCRATCH,
    ChildrenPeak,
    current_rss_mib,
    git_revision,
    log,
    machine_info,
    median,
    remove_database,
    save_result,
    table,
    vm_hwm_mib,
    warn_if_busy,
)

TODAY = dt.date(2025, 6, 30)
SEED = 20250630
BARE_BATCH = 5000
WORKDIR = SCRATCH / "import"


# -- children ------------------------------------------------------------------------------------


def child_bare(path: Path, db: Path) -> dict[str, Any]:
    remove_database(db)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    rows = 0
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        columns = ", ".join(f'"{name}" TEXT' for name in header)
        conn.execute(f"CREATE TABLE bare ({columns})")
        sql = f"INSERT INTO bare VALUES ({', '.join('?' for _ in header)})"
        while True:
            batch = list(itertools.islice(reader, BARE_BATCH))
            if not batch:
                break
            conn.execute("BEGIN")
            conn.executemany(sql, batch)
            conn.execute("COMMIT")
            rows += len(batch)
    seconds = time.perf_counter() - started
    stored = conn.execute("SELECT count(*) FROM bare").fetchone()[0]
    conn.close()
    own = vm_hwm_mib()
    size = sum(os.path.getsize(str(db) + s) for s in ("", "-wal") if os.path.exists(str(db) + s))
    remove_database(db)
    return {
        "seconds": seconds,
        "rows": rows,
        "stored": stored,
        "peak_rss_mib": own,
        "children_peak_rss_mib": 0.0,
        "db_mib": round(size / 2**20, 1),
        "git": git_revision(),
    }


def child_jointcredit(path: Path, db: Path, workers: int | None) -> dict[str, Any]:
    from jointcredit.services import imports
    from jointcredit.services.registry import open_registry
    from jointcredit.settings import get_settings

    remove_database(db)
    t0 = time.perf_counter()
    engine = open_registry(f"sqlite:///{db}")
    setup = time.perf_counter() - t0
    resolved = workers
    if resolved is None:
        resolved = get_settings().import_workers
        if resolved is None:
            threshold = getattr(imports, "_PARALLEL_FROM_BYTES", 4 << 20)
            resolved = 1 if path.stat().st_size > threshold else 0
    rss_before = current_rss_mib()
    with ChildrenPeak() as reader:
        started = time.perf_counter()
        summary = imports.import_file(
            engine,
            "penalty",
            path,
            today=TODAY,
            workers=workers,
            rejects_path=db.with_suffix(".rejects.csv"),
        )
        seconds = time.perf_counter() - started
    engine.dispose()
    own, children = vm_hwm_mib(), reader.peak
    size = sum(os.path.getsize(str(db) + s) for s in ("", "-wal") if os.path.exists(str(db) + s))
    remove_database(db)
    db.with_suffix(".rejects.csv").unlink(missing_ok=True)
    return {
        "seconds": seconds,
        "rows": summary.rows,
        "accepted": summary.accepted,
        "updated": summary.updated,
        "duplicates": summary.duplicates,
        "rejected": summary.rejected_rows,
        "workers": resolved,
        "setup_seconds": round(setup, 3),
        "rss_before_import_mib": rss_before,
        "peak_rss_mib": own,
        "children_peak_rss_mib": children,
        "db_mib": round(size / 2**20, 1),
        "git": git_revision(),
    }


def run_child(kind: str, path: Path, db: Path, workers: int | None = None) -> dict[str, Any]:
    """One measurement in a fresh interpreter: its peak RSS is this measurement's alone."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        kind,
        "--file",
        str(path),
        "--db",
        str(db),
    ]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"measurement {kind} failed (exit {done.returncode})")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# -- parent --------------------------------------------------------------------------------------


def generate(rows: int, subjects: int) -> tuple[Path, float]:
    """The penalty CSV for ``rows`` rows, made once and reused while its parameters match."""
    from jointcredit import synth

    WORKDIR.mkdir(parents=True, exist_ok=True)
    path = WORKDIR / f"penalties-{rows}-s{subjects}-seed{SEED}.csv"
    if path.exists() and path.stat().st_size > 0:
        return path, 0.0
    started = time.perf_counter()
    gen = synth.Generator(seed=SEED, today=TODAY, subjects=subjects)
    tmp = path.with_suffix(".tmp.csv")
    synth.write_rows(tmp, gen.penalty_values(rows), synth.PENALTY_FIELDS, fmt="csv")
    tmp.rename(path)
    return path, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--subjects", type=int, help="distinct subjects (default rows/10)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-memory", action="store_true", help="skip the rows/10 RSS runs")
    parser.add_argument("--keep-files", action="store_true", help="keep the generated CSVs")
    parser.add_argument("--child", choices=("bare", "jointcredit"), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        if args.child == "bare":
            result = child_bare(args.file, args.db)
        else:
            result = child_jointcredit(args.file, args.db, args.workers)
        print(json.dumps(result))
        return

    # Only in the parent: in a measurement child, imports and git would count in its RSS.
    load_at_start = warn_if_busy()
    machine = machine_info()
    rows = args.rows
    subjects = args.subjects or max(rows // 10, 10)
    path, gen_seconds = generate(rows, subjects)
    log(
        f"input: {path} ({path.stat().st_size / 2**20:.0f} MiB, generated in "
        f"{gen_seconds:.1f} s{' — reused' if not gen_seconds else ''})"
    )
    db = WORKDIR / "bench.sqlite3"

    input_mib = round(path.stat().st_size / 2**20, 1)
    # Runs go bare, default, other in turn: the default run tells what "other" is.
    runs: dict[str, list[dict[str, Any]]] = {"bare": [], "jc-default": [], "jc-other": []}
    default_workers = 0
    for rep in range(1, args.repeats + 1):
        for name in runs:
            if name == "bare":
                result = run_child("bare", path, db)
            elif name == "jc-default":
                result = run_child("jointcredit", path, db)
                default_workers = result["workers"]
            else:
                other = 0 if default_workers else 1
                result = run_child("jointcredit", path, db, other)
            runs[name].append(result)
            log(
                f"  run {rep}/{args.repeats} {name:<10} {result['seconds']:8.2f} s  "
                f"{result['rows'] / result['seconds']:>10,.0f} rows/s  "
                f"peak RSS {result['peak_rss_mib']:.0f} MiB"
                + (
                    f" (+ reader process {result['children_peak_rss_mib']:.0f} MiB)"
                    if result.get("workers")
                    else ""
                )
            )
    other_workers = 0 if default_workers else 1

    bare_median = median([r["seconds"] for r in runs["bare"]])
    labels = {
        "bare": "bare csv.reader + executemany",
        "jc-default": f"jointcredit import_file (default: workers={default_workers})",
        "jc-other": f"jointcredit import_file (workers={other_workers})",
    }
    summary: dict[str, Any] = {}
    lines = []
    for name, results in runs.items():
        med = median([r["seconds"] for r in results])
        entry = {
            "label": labels[name],
            "median_seconds": round(med, 3),
            "seconds": [round(r["seconds"], 3) for r in results],
            "rows_per_second": round(rows / med),
            "ratio_to_bare": round(bare_median / med, 3),
            "peak_rss_mib_max": max(r["peak_rss_mib"] for r in results),
            "reader_process_peak_rss_mib_max": max(r["children_peak_rss_mib"] for r in results),
            "runs": results,
        }
        summary[name] = entry
        rss = f"{entry['peak_rss_mib_max']:.0f}"
        if name != "bare" and any(r.get("workers") for r in results):
            rss += f" + {entry['reader_process_peak_rss_mib_max']:.0f}"
        lines.append([labels[name], med, float(rows / med), f"{bare_median / med:.2f}", rss])

    memory: dict[str, Any] = {}
    if not args.no_memory:
        small_rows = max(rows // 10, 1)
        small, _ = generate(small_rows, subjects)
        log(f"memory check: {small_rows:,} rows against {rows:,} rows")
        for name, workers in (("jc-default", None), ("jc-other", other_workers)):
            r = run_child("jointcredit", small, db, workers)
            big = summary[name]
            memory[name] = {
                "small_rows": small_rows,
                "small_peak_rss_mib": r["peak_rss_mib"],
                "small_reader_peak_rss_mib": r["children_peak_rss_mib"],
                "small_workers": r["workers"],
                "rows": rows,
                "peak_rss_mib": big["peak_rss_mib_max"],
                "reader_peak_rss_mib": big["reader_process_peak_rss_mib_max"],
            }
        if not args.keep_files:
            small.unlink(missing_ok=True)
    if not args.keep_files:
        path.unlink(missing_ok=True)

    first = runs["jc-default"][0]
    print(
        f"\nImport of {rows:,} penalty rows ({subjects:,} subjects; accepted "
        f"{first['accepted']:,}, duplicates {first['duplicates']:,}, rejected "
        f"{first['rejected']:,}); median of {args.repeats}, each run in a fresh process "
        f"and database\n"
    )
    print(table(["measurement", "median s", "rows/s", "vs bare", "peak RSS MiB"], lines))
    if memory:
        print("\nPeak RSS of the jointcredit import (writer process + reader process), MiB\n")
        mem_lines = []
        for name, m in memory.items():
            mem_lines.append(
                [
                    labels[name],
                    f"{m['small_peak_rss_mib']:.0f} + {m['small_reader_peak_rss_mib']:.0f}",
                    f"{m['peak_rss_mib']:.0f} + {m['reader_peak_rss_mib']:.0f}",
                ]
            )
        print(table(["configuration", f"{max(rows // 10, 1):,} rows", f"{rows:,} rows"], mem_lines))
        print(
            "(reader process: the spawned child that reads and validates when workers=1; "
            "0 otherwise)"
        )
    best = min(summary["jc-default"]["median_seconds"], summary["jc-other"]["median_seconds"])
    ratio = summary["jc-default"]["ratio_to_bare"]
    print(
        f"\ngoal ≥ 1/3 of the bare rate (default setting): {ratio:.2f} → "
        f"{'met' if ratio >= 1 / 3 else 'NOT met'}"
    )
    if rows == 1_000_000:
        print(
            f"goal 1,000,000 rows < 60 s: default {summary['jc-default']['median_seconds']:.1f} s"
            f" → {'met' if summary['jc-default']['median_seconds'] < 60 else 'NOT met'}"
            f" (best setting {best:.1f} s)"
        )

    result = {
        "rows": rows,
        "subjects": subjects,
        "input_mib": input_mib,
        "repeats": args.repeats,
        "measurements": summary,
        "memory": memory,
        "goals": {
            "ratio_default_vs_bare": ratio,
            "ratio_goal": round(1 / 3, 3),
            "ratio_met": ratio >= 1 / 3,
            "seconds_default": summary["jc-default"]["median_seconds"],
            "one_million_under_60s": (summary["jc-default"]["median_seconds"] < 60)
            if rows == 1_000_000
            else None,
        },
        "environment": {k: v for k, v in os.environ.items() if k.startswith("JOINTCREDIT_")},
        "load_average_at_start": load_at_start,
    }
    out = save_result(
        "import_rate",
        {"rows": rows, "subjects": subjects, "repeats": args.repeats},
        result,
        machine,
    )
    print(f"\nresults: {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")


if __name__ == "__main__":
    main()
