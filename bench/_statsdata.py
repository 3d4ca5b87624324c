"""A synthetic registry for the statistics benchmark, generated inside the database (SQLite's
recursive CTE, PostgreSQL's generate_series): Python-side rows would take an hour at 50 million.

Every value is a function of the row number, so two builds of the same size are the same:

- ``subjects``: one per 25 records, organisations marked ``JC`` (synthetic, never a real one);
- ``credit_records`` (``N``) with their ``record_history`` row (a payload of 8, 10 or 12
  fields): 50% licences, 40% penalties, 5% black-list and 5% red-list entries, recorded one
  after another over five years (2022-01-01 to 2026-12-31), issued by authorities in 340
  divisions, from the catalog's departments, a decision 0–14 days before it was recorded and a
  publication deadline 9 days after the decision (so about a third are late);
- ``audit_log``: ``N / 5`` checks over the same five years, by department and matter (the hash
  chain is not computed: the benchmark does not verify it);
- ``messages``: ``N / 10`` pushes of list entries to departments, and ``feedback`` on 80% of
  them, 0–9 days later.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence

from sqlalchemy import Engine, text

from jointcredit.catalog import load_catalog

START = "2022-01-01 00:00:00"
SECONDS = 5 * 365 * 86400
MATTERS = ("air-travel", "enterprise-bond-issuance", "public-procurement", "office-lease",
           "real-estate-purchase", "vehicle-purchase", "tourism", "insurance-purchase")  # fmt: skip
CHUNK = 1_000_000
#: The row numbers of one chunk on PostgreSQL.
GS = "generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) n"
DIVISIONS = 340


def _departments() -> list[tuple[str, str]]:
    catalog = load_catalog()
    return [(code, d.name_zh) for code, d in catalog.departments.items()]


def _values(rows: Sequence[tuple[str, ...]]) -> str:
    def quote(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    return ", ".join("(" + ", ".join([str(i), *map(quote, row)]) + ")" for i, row in
                     enumerate(rows))  # fmt: skip


def _sqlite_statements(n_records: int) -> list[tuple[str, int, Callable[[int, int], str]]]:
    depts = _departments()
    d = len(depts)
    matters = _values([(m,) for m in MATTERS])
    dep = _values(depts)
    step = SECONDS / n_records
    moment = f"datetime('{START}', '+' || CAST(n * {step} AS INTEGER) || ' seconds')"

    def series(lo: int, hi: int) -> str:
        return (
            f"WITH RECURSIVE s(n) AS (SELECT {lo} UNION ALL SELECT n + 1 FROM s WHERE n < {hi}), "
            f"dep(i, code, name) AS (VALUES {dep}), mat(i, code) AS (VALUES {matters}) "
        )

    def subjects(lo: int, hi: int) -> str:
        return (
            "INSERT INTO subjects (id, kind, name, identifier, identifier_type, created_at, "
            "updated_at) "
            + series(lo, hi)
            + "SELECT n, 'legal-person', '基准统计' || n || '有限公司', "
            "'91' || printf('%06d', 110000 + n % 500000) || 'JC' || printf('%08d', n), 'uscc', "
            f"'{START}.000000', '{START}.000000' FROM s"
        )

    payload = (
        "CASE n % 3 WHEN 0 THEN json_object('a', 1, 'b', 2, 'c', 3, 'd', 4, 'e', 5, 'f', 6, "
        "'g', 7, 'h', 8) WHEN 1 THEN json_object('a', 1, 'b', 2, 'c', 3, 'd', 4, 'e', 5, "
        "'f', 6, 'g', 7, 'h', 8, 'i', 9, 'j', 10) ELSE json_object('a', 1, 'b', 2, 'c', 3, "
        "'d', 4, 'e', 5, 'f', 6, 'g', 7, 'h', 8, 'i', 9, 'j', 10, 'k', 11, 'l', 12) END"
    )
    kind = (
        "CASE WHEN n % 20 < 10 THEN 'licensing' WHEN n % 20 < 18 THEN 'penalty' "
        "WHEN n % 20 = 18 THEN 'black-list' ELSE 'red-list' END"
    )

    def records(lo: int, hi: int) -> str:
        return (
            "INSERT INTO credit_records (id, kind, subject_id, natural_key, issuing_authority, "
            "issuing_authority_code, source_department, list_type, department, source_system, "
            "document_number, decision_date, status, version, content_hash, recorded_at, "
            "updated_at, publication_due, published_on, valid_from, valid_until) "
            + series(lo, hi)
            + f", t AS (SELECT n, {moment} AS at, {kind} AS kind FROM s) "
            f"SELECT n, t.kind, 1 + (n * 7919) % {max(n_records // 25, 1)}, printf('s%031d', n), "
            "'基准统计局', '11' || printf('%06d', 110000 + (n * 13) % "
            f"{DIVISIONS} * 100) || 'MB' || printf('%08d', n % 1000), dep.name, "
            "CASE WHEN t.kind LIKE '%list' THEN CASE t.kind WHEN 'black-list' THEN "
            "'judgment-defaulters' ELSE 'a-grade-taxpayers' END END, "
            "CASE WHEN t.kind LIKE '%list' THEN dep.code END, 'bench', "
            "'基准〔' || n || '〕号', date(t.at, '-' || (n % 15) || ' days'), 'active', 1, "
            "printf('s%031d', n), t.at || '.000000', t.at || '.000000', "
            "CASE WHEN t.kind IN ('licensing', 'penalty') THEN date(t.at, '-' || (n % 15) || "
            "' days', '+9 days') END, CASE WHEN t.kind IN ('licensing', 'penalty') THEN "
            "date(t.at) END, CASE WHEN t.kind LIKE '%list' THEN date(t.at) END, "
            "CASE WHEN t.kind LIKE '%list' THEN date(t.at, '+1095 days') END "
            f"FROM t JOIN dep ON dep.i = (n * 31) % {d}"
        )

    def history(lo: int, hi: int) -> str:
        return (
            "INSERT INTO record_history (id, record_id, version, event, status, content_hash, "
            "payload, actor, recorded_at) "
            + series(lo, hi)
            + f"SELECT n, n, 1, 'created', 'active', printf('s%031d', n), {payload}, 'bench', "
            f"{moment} || '.000000' FROM s"
        )

    step_a = SECONDS / max(n_records // 5, 1)

    def audit(lo: int, hi: int) -> str:
        return (
            "INSERT INTO audit_log (id, at, action, department, role, subject, matter, algorithm, "
            "prev_hash, hash) "
            + series(lo, hi)
            + f"SELECT n, datetime('{START}', '+' || CAST(n * {step_a} AS INTEGER) || ' seconds') "
            "|| '.000000', 'check', dep.code, 'implementer', "
            "'91110000JC' || printf('%08d', n % 100000), mat.code, 'sha256', '', '' "
            f"FROM s JOIN dep ON dep.i = (n * 17) % {d} JOIN mat ON mat.i = n % {len(MATTERS)}"
        )

    step_m = SECONDS / max(n_records // 10, 1)
    message_at = f"datetime('{START}', '+' || CAST(n * {step_m} AS INTEGER) || ' seconds')"

    def messages(lo: int, hi: int) -> str:
        return (
            "INSERT INTO messages (id, department, event, record_id, record_version, subject, "
            "list_type, idempotency_key, payload, created_at, state, attempts, position) "
            + series(lo, hi)
            + "SELECT n, dep.code, CASE WHEN n % 4 = 3 THEN 'entry.ended' ELSE 'entry.listed' "
            "END, 20 * ((n - 1) / 2) + 19, 1, '91110000JC' || printf('%08d', n % 100000), "
            "'judgment-defaulters', 'bench-' || n, '{}', "
            f"{message_at} || '.000000', 'delivered', 1, n "
            f"FROM s JOIN dep ON dep.i = (n * 11) % {d}"
        )

    def answers(lo: int, hi: int) -> str:
        return (
            "INSERT INTO feedback (id, department, message_id, record_id, subject, applied, "
            "acted_on, submitted_by, created_at) "
            + series(lo, hi)
            + "SELECT n, dep.code, n, 20 * ((n - 1) / 2) + 19, "
            "'91110000JC' || printf('%08d', n % 100000), "
            f"1, date({message_at}, '+' || (n % 10) || ' days'), 'bench', "
            f"datetime({message_at}, '+' || (n % 10) || ' days', '+3600 seconds') || '.000000' "
            f"FROM s JOIN dep ON dep.i = (n * 11) % {d} WHERE n % 5 != 0"
        )

    return [
        ("subjects", max(n_records // 25, 1), subjects),
        ("credit_records", n_records, records),
        ("record_history", n_records, history),
        ("audit_log", max(n_records // 5, 1), audit),
        ("messages", max(n_records // 10, 1), messages),
        ("feedback", max(n_records // 10, 1), answers),
    ]


def build_sqlite(path: str, n_records: int, log: Callable[[str], None]) -> float:
    """Fill the migrated, empty registry at ``path``; seconds taken."""
    started = time.perf_counter()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-4000000")
    con.execute("PRAGMA foreign_keys=OFF")
    for name, count, statement in _sqlite_statements(n_records):
        begun = time.perf_counter()
        for lo in range(1, count + 1, CHUNK):
            hi = min(lo + CHUNK - 1, count)
            con.execute("BEGIN")
            con.execute(statement(lo, hi))
            con.execute("COMMIT")
            if (lo // CHUNK) % 10 == 0:
                log(f"  {name}: {hi:,} of {count:,} ({time.perf_counter() - begun:,.0f} s)")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("ANALYZE")
    con.close()
    return time.perf_counter() - started


def build_postgresql(engine: Engine, n_records: int, log: Callable[[str], None]) -> float:
    """The same rows on PostgreSQL (generate_series); seconds taken."""
    started = time.perf_counter()
    depts = _departments()
    d = len(depts)
    dep = _values(depts)
    matters = _values([(m,) for m in MATTERS])
    ctes = f"dep(i, code, name) AS (VALUES {dep}), mat(i, code) AS (VALUES {matters})"
    start = f"TIMESTAMPTZ '{START}+00'"
    subjects_n = max(n_records // 25, 1)
    kind = (
        "CASE WHEN n % 20 < 10 THEN 'licensing' WHEN n % 20 < 18 THEN 'penalty' "
        "WHEN n % 20 = 18 THEN 'black-list' ELSE 'red-list' END"
    )
    payload = (
        "CASE n % 3 WHEN 0 THEN jsonb_build_object('a', 1, 'b', 2, 'c', 3, 'd', 4, 'e', 5, "
        "'f', 6, 'g', 7, 'h', 8) WHEN 1 THEN jsonb_build_object('a', 1, 'b', 2, 'c', 3, "
        "'d', 4, 'e', 5, 'f', 6, 'g', 7, 'h', 8, 'i', 9, 'j', 10) ELSE jsonb_build_object("
        "'a', 1, 'b', 2, 'c', 3, 'd', 4, 'e', 5, 'f', 6, 'g', 7, 'h', 8, 'i', 9, 'j', 10, "
        "'k', 11, 'l', 12) END"
    )
    at = f"{start} + make_interval(secs => floor(n * {SECONDS / n_records}))"
    at_a = f"{start} + make_interval(secs => floor(n * {SECONDS / max(n_records // 5, 1)}))"
    at_m = f"{start} + make_interval(secs => floor(n * {SECONDS / max(n_records // 10, 1)}))"
    china = "(t.at AT TIME ZONE 'UTC')::date"
    statements = [
        (
            "subjects",
            subjects_n,
            (
                "INSERT INTO subjects (id, kind, name, identifier, identifier_type, created_at, "
                "updated_at) SELECT n, 'legal-person', '基准统计' || n || '有限公司', "
                "'91' || lpad((110000 + n % 500000)::text, 6, '0') || 'JC' || "
                "lpad(n::text, 8, '0'), "
                f"'uscc', {start}, {start} FROM {GS}"
            ),
        ),
        (
            "credit_records",
            n_records,
            (
                f"WITH {ctes}, t AS (SELECT n, {at} AS at, {kind} AS kind "
                f"FROM {GS}) "
                "INSERT INTO credit_records (id, kind, subject_id, natural_key, issuing_authority, "
                "issuing_authority_code, source_department, list_type, department, source_system, "
                "document_number, decision_date, status, version, content_hash, recorded_at, "
                "updated_at, publication_due, published_on, valid_from, valid_until) "
                f"SELECT n, t.kind, 1 + (n * 7919) % {subjects_n}, 's' || lpad(n::text, 31, '0'), "
                "'基准统计局', '11' || (110000 + (n * 13) % "
                f"{DIVISIONS} * 100)::text || 'MB' || lpad((n % 1000)::text, 8, '0'), dep.name, "
                "CASE WHEN t.kind LIKE '%list' THEN CASE t.kind WHEN 'black-list' THEN "
                "'judgment-defaulters' ELSE 'a-grade-taxpayers' END END, "
                "CASE WHEN t.kind LIKE '%list' THEN dep.code END, 'bench', "
                f"'基准〔' || n || '〕号', {china} - (n % 15)::int, 'active', 1, "
                "'s' || lpad(n::text, 31, '0'), t.at, t.at, "
                "CASE WHEN t.kind IN ('licensing', 'penalty') THEN "
                f"{china} - (n % 15)::int + 9 END, "
                f"CASE WHEN t.kind IN ('licensing', 'penalty') THEN {china} END, "
                f"CASE WHEN t.kind LIKE '%list' THEN {china} END, "
                f"CASE WHEN t.kind LIKE '%list' THEN {china} + 1095 END "
                f"FROM t JOIN dep ON dep.i = (n * 31) % {d}"
            ),
        ),
        (
            "record_history",
            n_records,
            (
                "INSERT INTO record_history (id, record_id, version, event, status, content_hash, "
                "payload, actor, recorded_at) SELECT n, n, 1, 'created', 'active', "
                f"'s' || lpad(n::text, 31, '0'), {payload}, 'bench', {at} "
                f"FROM {GS}"
            ),
        ),
        (
            "audit_log",
            max(n_records // 5, 1),
            (
                f"WITH {ctes} INSERT INTO audit_log (id, at, action, department, role, subject, "
                f"matter, algorithm, prev_hash, hash) SELECT n, {at_a}, 'check', dep.code, "
                "'implementer', '91110000JC' || lpad((n % 100000)::text, 8, '0'), mat.code, "
                f"'sha256', '', '' FROM {GS} "
                f"JOIN dep ON dep.i = (n * 17) % {d} JOIN mat ON mat.i = n % {len(MATTERS)}"
            ),
        ),
        (
            "messages",
            max(n_records // 10, 1),
            (
                f"WITH {ctes} INSERT INTO messages (id, department, event, record_id, "
                "record_version, subject, list_type, idempotency_key, payload, created_at, state, "
                "attempts, position) SELECT n, dep.code, CASE WHEN n % 4 = 3 THEN 'entry.ended' "
                "ELSE 'entry.listed' END, 20 * ((n - 1) / 2) + 19, 1, "
                "'91110000JC' || lpad((n % 100000)::text, 8, '0'), 'judgment-defaulters', "
                f"'bench-' || n, '{{}}', {at_m}, 'delivered', 1, n "
                f"FROM {GS} JOIN dep ON dep.i = (n * 11) % {d}"
            ),
        ),
        (
            "feedback",
            max(n_records // 10, 1),
            (
                f"WITH {ctes} INSERT INTO feedback (id, department, message_id, record_id, "
                "subject, applied, acted_on, submitted_by, created_at) SELECT n, dep.code, n, "
                "20 * ((n - 1) / 2) + 19, '91110000JC' || lpad((n % 100000)::text, 8, '0'), true, "
                f"(({at_m}) AT TIME ZONE 'UTC')::date + (n % 10)::int, 'bench', "
                f"{at_m} + make_interval(days => (n % 10)::int, secs => 3600) "
                f"FROM {GS} JOIN dep ON dep.i = (n * 11) % {d} "
                "WHERE n % 5 != 0"
            ),
        ),
    ]
    for name, count, statement in statements:
        begun = time.perf_counter()
        for lo in range(1, count + 1, CHUNK):
            hi = min(lo + CHUNK - 1, count)
            with engine.begin() as conn:
                conn.execute(text(statement), {"lo": lo, "hi": hi})
            if (lo // CHUNK) % 10 == 0:
                log(f"  {name}: {hi:,} of {count:,} ({time.perf_counter() - begun:,.0f} s)")
    with engine.begin() as conn:
        for table in ("subjects", "credit_records", "record_history", "audit_log", "messages",
                      "feedback"):  # fmt: skip
            seq = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}
            ).scalar()
            if seq:
                conn.execute(text(f"SELECT setval('{seq}', (SELECT max(id) FROM {table}))"))
        for table in ("credit_records", "record_history", "audit_log", "messages", "feedback"):
            conn.execute(text(f"ANALYZE {table}"))
    return time.perf_counter() - started
