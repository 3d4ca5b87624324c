"""Look-up of all records of one subject on a 10,000,000-record registry.

Goal (issue): median under 1 ms.

The registry is built once (reused while it has the right number of records) at
/tmp/jcbench/lookup-10m.sqlite3 through a fast path that skips row validation for the records:
``open_registry`` creates the schema, then plain sqlite3 executemany fills it with journal and
sync off (WAL is restored afterwards):

* subjects (default records/10, i.e. 1,000,000) made by ``synth``; one synthetic row per subject
  goes through ``RowValidator`` once so that the subject's kind, identifiers (USCC and legacy
  ones) and legal representative are exactly what an import would store. Legal representatives
  become natural-person subjects with a ``legal-representative`` relation, as in an import;
* records: 60 % licensing, 40 % penalty, each copied from one of 2 × 20,000 validated
  synthetic template rows of the subject's kind (real columns, dates, amounts), with version-1
  ``record_history`` rows whose payload is the template's JSON with the subject's own fields
  (about 20 fields, ~730 bytes of UTF-8, as an import writes it). Each record belongs to a
  subject drawn uniformly at random (about 10 records per subject, Poisson), in random order,
  except that three "heavy" subjects get 10,000, 1,000 and 100 more records (only at
  >= 1,000,000 records).

Then ``subject_report(engine, identifier)`` runs for 10,000 random subjects (primary identifier,
new sample every run; after a warm-up of 1,000 others): once as the first look-up of each
subject (with whatever part of the file the OS caches), then again with the pages cached, and
the same subjects through the repository alone (``find_subject`` + ``records_of_subject`` on one
connection) and through raw sqlite3 with the exact SQL that ``subject_report`` sends, to
separate SQL time from Python overhead.

    .venv/bin/python bench/lookup.py [--rows N] [--lookups K] [--rebuild]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _common import (
    SCRATCH,
    log,
    machine_info,
    median,
    peak_rss_mib,
    percentile,
    remove_database,
    save_result,
    table,
    warn_if_busy,
)

TODAY = dt.date(2025, 6, 30)
NOW = dt.datetime(2025, 6, 30, 12, 0, 0, tzinfo=dt.UTC)
SEED = 7
TEMPLATES = 20_000
LICENSING_SHARE = 0.6
BATCH = 50_000
HEAVY = (10_000, 1_000, 100)


def db_path(records: int) -> Path:
    label = f"{records // 1_000_000}m" if records % 1_000_000 == 0 else str(records)
    return SCRATCH / f"lookup-{label}.sqlite3"


# -- build ---------------------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _fragment(names: tuple[str, ...], values: tuple[str, ...]) -> str:
    """The members of a payload object for the non-empty fields, without braces."""
    return _dumps({n: v for n, v in zip(names, values, strict=True) if v})[1:-1]


class _Templates:
    """Validated synthetic rows per (record kind, synthetic subject category), subject removed."""

    def __init__(self, per_kind: int) -> None:
        from jointcredit import synth
        from jointcredit.importing.validate import RowValidator
        from jointcredit.store.tables import credit_records

        self.by_key: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
        gen = synth.Generator(seed=SEED + 1, today=TODAY, subjects=max(per_kind // 5, 10))
        date_proc = _processor(credit_records.c.decision_date.type)

        def d(value: dt.date | None) -> str | None:
            return None if value is None else date_proc(value)

        for kind, fields, rows in (
            ("licensing", synth.LICENSING_FIELDS, gen.licensing_values(per_kind)),
            ("penalty", synth.PENALTY_FIELDS, gen.penalty_values(per_kind)),
        ):
            validator = RowValidator(kind, today=TODAY)
            for number, values in enumerate(rows, 1):
                draft = validator.validate(number, dict(zip(fields, values, strict=True)))
                if isinstance(draft, list):
                    continue
                columns = (
                    draft.issuing_authority,
                    draft.issuing_authority_code,
                    draft.source_department,
                    draft.source_department_code,
                    "file:bench-lookup.csv",
                    None,
                    draft.document_number,
                    d(draft.decision_date),
                    draft.legal_basis,
                    draft.category,
                    draft.severity,
                    draft.fine_fen,
                    draft.confiscated_fen,
                    d(draft.valid_from),
                    d(draft.valid_until),
                    d(draft.publish_from),
                    d(draft.publish_until),
                    draft.status,
                )
                key = (kind, values[1])  # category: 法人及非法人组织 / 个体工商户 / 自然人
                self.by_key.setdefault(key, []).append(
                    (
                        kind,
                        columns,
                        _fragment(fields[13:], values[13:]),
                        draft.status,
                        draft.content_hash,
                        d(draft.decision_date),
                    )
                )


def _processor(column_type: Any) -> Any:
    """How SQLAlchemy converts a value of ``column_type`` for SQLite."""
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    return column_type.dialect_impl(dialect).bind_processor(dialect)


def _persons(draft: Any) -> list[tuple[str, Any]]:
    """The persons a draft names with their roles (older drafts: the legal representative)."""
    persons = getattr(draft, "persons", None)
    if persons is not None:
        return list(dict(persons).items())  # one person per role, as the unique key wants
    person = getattr(draft, "legal_representative", None)
    return [("legal-representative", person)] if person is not None else []


def build(path: Path, records: int, n_subjects: int) -> dict[str, Any]:
    from jointcredit import synth
    from jointcredit.importing.validate import RowValidator
    from jointcredit.services.registry import open_registry
    from jointcredit.store.tables import credit_records
    from jointcredit.synth.subjects import make_subjects

    timings: dict[str, float] = {}
    started = time.perf_counter()
    remove_database(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".building.sqlite3")
    remove_database(tmp)
    engine = open_registry(f"sqlite:///{tmp}")
    engine.dispose()
    now = _processor(credit_records.c.recorded_at.type)(NOW)
    timings["schema"] = time.perf_counter() - started

    t = time.perf_counter()
    log(f"build: {n_subjects:,} subjects …")
    subjects = make_subjects(SEED, n_subjects)
    timings["make_subjects"] = time.perf_counter() - t

    t = time.perf_counter()
    templates = _Templates(min(TEMPLATES, max(records, 100)))
    timings["templates"] = time.perf_counter() - t

    conn = sqlite3.connect(tmp, isolation_level=None)
    for pragma in (
        "journal_mode=OFF",
        "synchronous=OFF",
        "cache_size=-6000000",
        "temp_store=MEMORY",
        "locking_mode=EXCLUSIVE",
        "foreign_keys=OFF",
    ):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO import_jobs (id, kind, source_name, started_at, finished_at, rows_read, "
        "accepted, updated, duplicates, rejected, status, message) VALUES "
        "(1, 'penalty', 'bench/lookup.py fast path', ?, ?, ?, ?, 0, 0, 0, 'finished', "
        "'built without row validation for the look-up benchmark')",
        (now, now, records, records),
    )

    # Subjects: one validated row per subject gives kind, identifiers and representative.
    t = time.perf_counter()
    log("build: subjects, identifiers, relations …")
    validator = RowValidator("penalty", today=TODAY)
    some_penalty = templates.by_key[("penalty", "法人及非法人组织")][0]
    tail = tuple(
        json.loads("{" + some_penalty[2] + "}").get(n, "") for n in synth.PENALTY_FIELDS[13:]
    )
    names = synth.PENALTY_FIELDS[:13]
    subject_rows: list[tuple[Any, ...]] = []
    identifier_rows: list[tuple[Any, ...]] = []
    relation_rows: list[tuple[Any, ...]] = []
    fragments: list[tuple[str, ...]] = []
    categories: list[str] = []
    primary: list[str] = []
    seen_values: set[tuple[str, str]] = set()
    reps: dict[str, int] = {}
    rep_rows: list[tuple[Any, ...]] = []
    rng = random.Random(f"{SEED}/relations")
    for sid, s in enumerate(subjects, 1):
        draft = validator.validate(
            sid, dict(zip(synth.PENALTY_FIELDS, s.legacy_fields + tail, strict=True))
        )
        if isinstance(draft, list):
            raise SystemExit(f"synthetic subject {sid} does not validate: {draft}")
        ref = draft.subject
        subject_rows.append(
            (sid, ref.kind, ref.name, ref.identifier, ref.identifier_type, now, now)
        )
        primary.append(ref.identifier)
        for id_type, value in ref.identifiers:
            if (value, id_type) not in seen_values:
                seen_values.add((value, id_type))
                identifier_rows.append((sid, id_type, value, now))
        for role, person in _persons(draft):
            if ref.kind == "natural-person":
                continue
            rep_id = reps.get(person.identifier)
            if rep_id is None:
                rep_id = reps[person.identifier] = n_subjects + len(reps) + 1
                rep_rows.append(
                    (
                        rep_id,
                        "natural-person",
                        person.name,
                        person.identifier,
                        person.identifier_type,
                        now,
                        now,
                    )
                )
                if (person.identifier, person.identifier_type) not in seen_values:
                    seen_values.add((person.identifier, person.identifier_type))
                    identifier_rows.append((rep_id, person.identifier_type, person.identifier, now))
            day = TODAY - dt.timedelta(days=rng.randrange(5 * 365))
            relation_rows.append((sid, rep_id, role, day.isoformat(), None, None, now))
        variants = (_fragment(names, s.fields),)
        if s.legacy_fields is not s.fields:
            variants += (_fragment(names, s.legacy_fields),)
        fragments.append(variants)
        categories.append(s.category)
    del subjects, seen_values
    subject_sql = (
        "INSERT INTO subjects (id, kind, name, identifier, identifier_type, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    conn.executemany(subject_sql, subject_rows)
    conn.executemany(subject_sql, rep_rows)
    conn.executemany(
        "INSERT INTO subject_identifiers (subject_id, type, value, recorded_at) "
        "VALUES (?, ?, ?, ?)",
        identifier_rows,
    )
    conn.executemany(
        "INSERT INTO relations (organization_id, person_id, role, valid_from, valid_until, "
        "source_record_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        relation_rows,
    )
    conn.execute("COMMIT")
    counts = {
        "subjects": len(subject_rows),
        "representatives": len(rep_rows),
        "identifiers": len(identifier_rows),
        "relations": len(relation_rows),
    }
    del subject_rows, identifier_rows, relation_rows, rep_rows
    timings["subjects"] = time.perf_counter() - t

    # Records and their history.
    t = time.perf_counter()
    record_sql = (
        "INSERT INTO credit_records (id, kind, subject_id, natural_key, issuing_authority, "
        "issuing_authority_code, source_department, source_department_code, source_system, "
        "source_record_id, document_number, decision_date, legal_basis, category, severity, "
        "fine_fen, confiscated_fen, valid_from, valid_until, publish_from, publish_until, "
        "status, version, content_hash, import_job_id, recorded_at, updated_at) VALUES "
        "(" + ", ".join("?" * 27) + ")"
    )
    history_sql = (
        "INSERT INTO record_history (id, record_id, version, event, status, content_hash, "
        "payload, import_job_id, actor, recorded_at) VALUES (?, ?, 1, 'created', ?, ?, ?, 1, "
        "'bench', ?)"
    )
    done = 0
    for recs, hist in _record_batches(
        records, n_subjects, templates, fragments, categories, primary, now
    ):
        conn.execute("BEGIN")
        conn.executemany(record_sql, recs)
        conn.executemany(history_sql, hist)
        conn.execute("COMMIT")
        done += len(recs)
        if done % 1_000_000 < BATCH or done == records:
            log(f"build: {done:,} records, {time.perf_counter() - t:.0f} s")
    timings["records"] = time.perf_counter() - t
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(str(tmp) + suffix):
            os.replace(str(tmp) + suffix, str(path) + suffix)
    timings["total"] = time.perf_counter() - started
    return {
        "build_seconds": round(timings["total"], 1),
        "build_steps_seconds": {k: round(v, 1) for k, v in timings.items()},
        "counts": counts | {"records": records},
        "build_peak_rss_mib": peak_rss_mib()[0],
    }


def _record_batches(
    records: int,
    n_subjects: int,
    templates: _Templates,
    fragments: list[tuple[str, ...]],
    categories: list[str],
    primary: list[str],
    now: str,
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    rng = random.Random(f"{SEED}/records")
    rand = rng.random
    heavy: dict[int, int] = {}
    if records >= 1_000_000:
        positions = rng.sample(range(1, records + 1), sum(HEAVY))
        start = 0
        for sid, count in enumerate(HEAVY, 1):
            for pos in positions[start : start + count]:
                heavy[pos] = sid
            start += count
    by_key = templates.by_key
    subject_ids = range(1, n_subjects + 1)
    blake = hashlib.blake2b
    for first in range(1, records + 1, BATCH):
        last = min(first + BATCH, records + 1)
        drawn = rng.choices(subject_ids, k=last - first)
        recs: list[tuple[Any, ...]] = []
        hist: list[tuple[Any, ...]] = []
        for rid, sid in zip(range(first, last), drawn, strict=True):
            sid = heavy.get(rid, sid)
            category = categories[sid - 1]
            kind = "licensing" if rand() < LICENSING_SHARE else "penalty"
            pool = by_key.get((kind, category))
            if pool is None:
                kind = "penalty"
                pool = by_key[(kind, category)]
            tkind, columns, fragment, status, _, _ = pool[int(rand() * len(pool))]
            variants = fragments[sid - 1]
            subject_part = variants[0] if len(variants) == 1 or rand() < 0.5 else variants[1]
            if kind == "licensing":
                subject_part = subject_part.replace('"CF_', '"XK_')
            payload = "{" + subject_part + "," + fragment + "}"
            encoded = payload.encode()
            content_hash = blake(encoded, digest_size=16).hexdigest()
            natural_key = blake(f"{rid}\x1f{primary[sid - 1]}".encode(), digest_size=16).hexdigest()
            recs.append((rid, tkind, sid, natural_key, *columns, 1, content_hash, 1, now, now))
            hist.append((rid, rid, status, content_hash, payload, now))
        yield recs, hist


def _describe(conn: sqlite3.Connection) -> dict[str, Any]:
    """Tables with their columns and indexes (by columns), the parts a look-up depends on."""
    out: dict[str, Any] = {}
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    for name in tables:
        columns = {
            r[1]: (r[2], r[3], r[4], r[5]) for r in conn.execute(f"PRAGMA table_info({name})")
        }
        indexes = set()
        for _, index, unique, *_ in conn.execute(f"PRAGMA index_list({name})"):
            cols = tuple(r[2] for r in conn.execute(f"PRAGMA index_info({index})"))
            indexes.add((cols, unique))
        out[name] = {"columns": columns, "indexes": indexes}
    return out


def schema_difference(path: Path) -> tuple[list[tuple[str, str, str]], list[str]]:
    """How the database's schema differs from what ``open_registry`` creates today: nullable
    columns it lacks (table, column, type), which ALTER TABLE can add, and anything else."""
    from jointcredit.services.registry import open_registry

    probe = SCRATCH / "lookup-schema-probe.sqlite3"
    remove_database(probe)
    open_registry(f"sqlite:///{probe}").dispose()
    with sqlite3.connect(probe) as a, sqlite3.connect(f"file:{path}?mode=ro", uri=True) as b:
        want, have = _describe(a), _describe(b)
        want_rev = a.execute("SELECT version_num FROM alembic_version").fetchall()
        have_rev = b.execute("SELECT version_num FROM alembic_version").fetchall()
    remove_database(probe)
    addable: list[tuple[str, str, str]] = []
    other: list[str] = []
    if want_rev != have_rev:
        other.append(f"alembic revision {have_rev} instead of {want_rev}")
    for table_name, spec in want.items():
        got = have.get(table_name)
        if got is None:
            other.append(f"table {table_name} missing")
            continue
        for column, (col_type, notnull, default, pk) in spec["columns"].items():
            found = got["columns"].get(column)
            if found is None:
                if not notnull and default is None and not pk:
                    addable.append((table_name, column, col_type))
                else:
                    other.append(f"{table_name}.{column} missing (NOT NULL or default)")
            elif found != (col_type, notnull, default, pk):
                other.append(f"{table_name}.{column} is {found}, code has {col_type, notnull}")
        extra = set(got["columns"]) - set(spec["columns"])
        if extra:
            other.append(f"{table_name} has columns the code dropped: {sorted(extra)}")
        if spec["indexes"] != got["indexes"]:
            other.append(f"{table_name} indexes differ: {spec['indexes'] ^ got['indexes']}")
    return addable, other


def database_ready(path: Path, records: int) -> bool:
    if not path.exists():
        return False
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        count = conn.execute("SELECT max(id) FROM credit_records").fetchone()[0]
        if count == records:
            count = conn.execute("SELECT count(*) FROM credit_records").fetchone()[0]
        conn.close()
    except sqlite3.Error:
        return False
    return bool(count == records)


# -- measure -------------------------------------------------------------------------------------


def _ms(ns: list[int]) -> dict[str, float]:
    values = [v / 1e6 for v in ns]
    return {
        "median_ms": round(median(values), 4),
        "p90_ms": round(percentile(values, 90), 4),
        "p99_ms": round(percentile(values, 99), 4),
        "mean_ms": round(sum(values) / len(values), 4),
        "max_ms": round(max(values), 4),
    }


def _cached_fraction(path: Path) -> float | None:
    """Share of the database file in the OS page cache (util-linux fincore), if measurable."""
    try:
        out = subprocess.run(
            ["fincore", "--bytes", "--noheadings", "--output", "RES,SIZE", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        return round(int(out[0]) / int(out[1]), 3)
    except (OSError, subprocess.CalledProcessError, ValueError, IndexError, ZeroDivisionError):
        return None


def measure(path: Path, n_lookups: int, n_subjects: int, sample_seed: int) -> dict[str, Any]:
    from sqlalchemy import event

    from jointcredit.services.registry import open_registry, subject_report
    from jointcredit.store import records as repo
    from jointcredit.store import subjects as subject_repo

    engine = open_registry(f"sqlite:///{path}")
    rng = random.Random(f"{sample_seed}/lookups")
    population = range(1, n_subjects + 1)
    warm_ids = rng.choices(population, k=min(1000, n_lookups))
    if n_subjects >= n_lookups * 2:
        ids = rng.sample(population, n_lookups)
    else:
        ids = rng.choices(population, k=n_lookups)
    with engine.connect() as conn:
        identifier_of = dict(
            conn.exec_driver_sql(
                f"SELECT id, identifier FROM subjects WHERE id IN "
                f"({', '.join(str(i) for i in set(ids) | set(warm_ids) | {1, 2, 3})})"
            ).all()
        )
    identifiers = [identifier_of[i] for i in ids]
    warm = [identifier_of[i] for i in warm_ids]

    # The exact SQL subject_report sends, captured once.
    captured: list[tuple[str, tuple[Any, ...]]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, tuple(parameters)))

    event.listen(engine, "before_cursor_execute", capture)
    probe = subject_report(engine, identifiers[0])
    event.remove(engine, "before_cursor_execute", capture)
    probe_id = probe.subject["id"]

    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    plans = {
        statement.split("FROM")[1].split()[0] + f" #{n}": [
            row[-1] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, params)
        ]
        for n, (statement, params) in enumerate(captured, 1)
    }

    for identifier in warm:  # warm-up: code paths, statement caches, pages
        subject_report(engine, identifier)

    # First pass: the first look-up of each sampled subject, with whatever part of the file the
    # OS happens to cache. Second pass: the same subjects again, every page they need cached.
    cached_before = _cached_fraction(path)
    first_ns: list[int] = []
    counts: list[int] = []
    clock = time.perf_counter_ns
    for identifier in identifiers:
        t0 = clock()
        report = subject_report(engine, identifier)
        first_ns.append(clock() - t0)
        counts.append(len(report.records))
    service_ns: list[int] = []
    for identifier in identifiers:
        t0 = clock()
        subject_report(engine, identifier)
        service_ns.append(clock() - t0)

    repo_ns: list[int] = []
    with engine.connect() as conn:
        for identifier in warm[:100]:
            repo.records_of_subject(conn, subject_repo.find_subject(conn, identifier)["id"])
        for identifier in identifiers:
            t0 = clock()
            subject = subject_repo.find_subject(conn, identifier)
            repo.records_of_subject(conn, subject["id"])
            repo_ns.append(clock() - t0)

    def substituted(n: int, params: tuple[Any, ...], identifier: str, sid: int) -> tuple[Any, ...]:
        """The captured parameters for another subject: the first statement finds the subject
        by identifier (its other parameter is the LIMIT), the others take its id."""
        if n == 0:
            return tuple(identifier if p == identifiers[0] else p for p in params)
        return tuple(sid if p == probe_id else p for p in params)

    subject_ids = dict(zip(identifiers, ids, strict=True))
    raw_all_ns: list[int] = []
    raw_two_ns: list[int] = []
    raw_each_ns: list[list[int]] = [[] for _ in captured]
    find_stmt, find_params = captured[0]
    records_n = next(n for n, (s, _) in enumerate(captured) if "record_history" in s)
    records_stmt, records_params = captured[records_n]
    for identifier in identifiers:
        sid = subject_ids[identifier]
        total = 0
        for n, (statement, params) in enumerate(captured):
            bound = substituted(n, params, identifier, sid)
            t0 = clock()
            raw.execute(statement, bound).fetchall()
            elapsed = clock() - t0
            raw_each_ns[n].append(elapsed)
            total += elapsed
        raw_all_ns.append(total)
        t0 = clock()
        raw.execute(find_stmt, substituted(0, find_params, identifier, sid)).fetchall()
        raw.execute(
            records_stmt, substituted(records_n, records_params, identifier, sid)
        ).fetchall()
        raw_two_ns.append(clock() - t0)

    heavy = []
    for sid in (1, 2, 3):
        if sid not in identifier_of:
            continue
        ns = []
        n_records = 0
        for _ in range(11):
            t0 = clock()
            n_records = len(subject_report(engine, identifier_of[sid]).records)
            ns.append(clock() - t0)
        if n_records < 50:
            continue
        heavy.append({"records": n_records, **_ms(ns[1:])})
    engine.dispose()
    raw.close()

    buckets: dict[str, list[int]] = {}
    for n, ns in zip(counts, service_ns, strict=True):
        label = "0-5" if n <= 5 else "6-10" if n <= 10 else "11-15" if n <= 15 else "16+"
        buckets.setdefault(label, []).append(ns)
    return {
        "lookups": n_lookups,
        "page_cache_fraction_before": cached_before,
        "service_subject_report_first_lookup": _ms(first_ns),
        "service_subject_report": _ms(service_ns),
        "repository_find_and_records": _ms(repo_ns),
        "raw_sqlite3_all_statements": _ms(raw_all_ns),
        "raw_sqlite3_find_and_records": _ms(raw_two_ns),
        "raw_sqlite3_per_statement": {
            name: _ms(ns) for name, ns in zip(plans, raw_each_ns, strict=True)
        },
        "statements_per_report": len(captured),
        "records_per_subject": {
            "mean": round(sum(counts) / len(counts), 2),
            "median": median(counts),
            "max": max(counts),
            "min": min(counts),
        },
        "by_record_count": {
            k: {"subjects": len(v), **_ms(v)}
            for k, v in sorted(buckets.items(), key=lambda kv: int(kv[0].split("-")[0][:2]))
        },
        "heavy_subjects": heavy,
        "query_plans": plans,
        "sql": [s for s, _ in captured],
    }


def _percent(value: float | None) -> str:
    return "an unknown part" if value is None else f"{value:.0%}"


def main() -> None:
    load_at_start = warn_if_busy()
    machine = machine_info()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows",
        "--records",
        dest="records",
        type=int,
        default=10_000_000,
        help="credit records in the registry (default 10,000,000)",
    )
    parser.add_argument("--subjects", type=int, help="subjects with records (default rows/10)")
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument(
        "--sample-seed",
        type=int,
        help="seed of the sampled subjects (default: a new one per run, so that the first "
        "look-ups are not of subjects an earlier run already brought into the page cache)",
    )
    parser.add_argument("--db", type=Path, help="registry file (default under /tmp/jcbench)")
    parser.add_argument("--rebuild", action="store_true", help="build even if it exists")
    parser.add_argument("--delete", action="store_true", help="delete the registry at the end")
    args = parser.parse_args()

    records = args.records
    n_subjects = args.subjects or max(records // 10, 1)
    path = args.db or db_path(records)
    meta_path = path.with_suffix(".build.json")
    patched: list[str] = []
    if not args.rebuild and database_ready(path, records):
        addable, other = schema_difference(path)
        if other:
            log("the registry's schema differs from the code's, rebuilding: " + "; ".join(other))
            args.rebuild = True
        elif addable:
            # Nullable columns added to the schema since the build: ALTER TABLE adds them (all
            # NULL, as they would be in rows imported before the change) in no time.
            with sqlite3.connect(path) as conn:
                for table_name, column, col_type in addable:
                    conn.execute(f"ALTER TABLE {table_name} ADD COLUMN {column} {col_type}")
                    patched.append(f"{table_name}.{column}")
            log(f"added the new nullable columns {', '.join(patched)} to the existing registry")
    if args.rebuild or not database_ready(path, records):
        log(f"building {path} ({records:,} records, {n_subjects:,} subjects)")
        build_info = build(path, records, n_subjects) | {"subjects": n_subjects}
        meta_path.write_text(json.dumps(build_info, indent=2) + "\n", encoding="utf-8")
        built_now = True
    else:
        build_info = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        n_subjects = build_info.get("subjects", n_subjects)
        built_now = False
        log(f"reusing {path}")
    size = sum(
        os.path.getsize(str(path) + s) for s in ("", "-wal") if os.path.exists(str(path) + s)
    )
    build_info["db_gib"] = round(size / 2**30, 2)
    if patched:
        build_info["columns_added_after_build"] = patched
        meta_path.write_text(json.dumps(build_info, indent=2) + "\n", encoding="utf-8")

    sample_seed = args.sample_seed if args.sample_seed is not None else random.randrange(10**6)
    result = measure(path, args.lookups, n_subjects, sample_seed) | {"sample_seed": sample_seed}

    b = build_info
    print(
        f"\nRegistry {path}: {records:,} records, {b.get('counts', {}).get('subjects', 0):,} "
        f"subjects with records (+ {b.get('counts', {}).get('representatives', 0):,} legal "
        f"representatives), {b['db_gib']} GiB; built in {b.get('build_seconds', '?')} s"
        f"{'' if built_now else ' (earlier run, reused)'}"
    )
    rps = result["records_per_subject"]
    print(
        f"{args.lookups:,} look-ups of random subjects (records per sampled subject: mean "
        f"{rps['mean']}, max {rps['max']}); before the first look-ups the OS page cache held "
        f"{_percent(result['page_cache_fraction_before'])} of the file; the other rows are a "
        "second pass over the same subjects (warm)\n"
    )
    rows = []
    for label, key in (
        ("subject_report, first look-up of the subject", "service_subject_report_first_lookup"),
        ("subject_report (service, 4 queries)", "service_subject_report"),
        ("find_subject + records_of_subject", "repository_find_and_records"),
        ("raw sqlite3: same 4 SQL statements", "raw_sqlite3_all_statements"),
        ("raw sqlite3: find + records SQL", "raw_sqlite3_find_and_records"),
    ):
        m = result[key]
        rows.append([label, m["median_ms"], m["p90_ms"], m["p99_ms"], m["max_ms"]])
    for name, m in result["raw_sqlite3_per_statement"].items():
        rows.append(
            [f"  raw statement {name}", m["median_ms"], m["p90_ms"], m["p99_ms"], m["max_ms"]]
        )
    print(table(["measurement", "median ms", "p90 ms", "p99 ms", "max ms"], rows))
    print("\nsubject_report by records of the subject\n")
    print(
        table(
            ["records", "subjects", "median ms", "p90 ms"],
            [
                [k, v["subjects"], v["median_ms"], v["p90_ms"]]
                for k, v in result["by_record_count"].items()
            ],
        )
    )
    if result["heavy_subjects"]:
        print("\nheavy subjects (median of 10 calls)\n")
        print(
            table(
                ["records", "median ms", "max ms"],
                [[h["records"], h["median_ms"], h["max_ms"]] for h in result["heavy_subjects"]],
            )
        )
    print("\nquery plans:")
    for name, plan in result["query_plans"].items():
        print(f"  {name}: {' | '.join(plan)}")
    med = result["service_subject_report"]["median_ms"]
    print(
        f"\ngoal median < 1 ms: {med:.3f} ms → {'met' if med < 1 else 'NOT met'}"
        + ("" if records == 10_000_000 else f" (at {records:,} records, not 10,000,000)")
    )

    out = save_result(
        "lookup",
        {"records": records, "subjects": n_subjects, "lookups": args.lookups},
        {
            "database": str(path),
            "build": build_info,
            "built_in_this_run": built_now,
            **result,
            "goal": {"median_ms": med, "goal_ms": 1.0, "met": med < 1},
            "load_average_at_start": load_at_start,
        },
        machine,
    )
    print(f"\nresults: {out}")
    if args.delete:
        remove_database(path)
        meta_path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
