"""The joint check on a 10,000,000-record registry: one check in-process, and bulk screening.

Goals (issue 3): one check in-process on a 10,000,000-record SQLite registry with a median under
200 µs; screening 1,000,000 identifiers against it in under 60 s on 2 cores, and within 2× a bare
SQL join of the same identifiers measured in the same run.

The registry is built once (reused while its record count, alembic revision and build
parameters match) at /tmp/jcbench-check/check-10m.sqlite3 through a fast path: ``open_registry``
creates the current schema, then plain sqlite3 executemany fills it with journal and sync off
(the index on credit_records (subject_id, decision_date) is dropped during the load and created
again with its own SQL; WAL is restored afterwards). Fixed seed. Contents:

* subjects (default 1,000,000): 80 % organisations (90 % legal persons "91…", 5 % other
  organisations "52…", 5 % individual businesses "92…"; synthetic USCCs whose organisation code
  starts with "JC", 30 % of the legal persons also with an organisation code and a registration
  number), 20 % natural persons with synthetic resident identity numbers (born 1950-2005); one
  subject_identifiers row per identifier;
* list entries, 2 % of the records: 60 % judgment-defaulters (black, SPC), 20 %
  major-tax-violation-parties (black, SAT), 20 % a-grade-taxpayers (red, SAT, organisations
  only); 90 % on 9 % of the legal persons / other organisations ("listed organisations", about
  2.5 entries each), 10 % on natural persons (black lists only). Decision dates uniform over
  5 years, valid_from = decision date, valid_until from the list type's period (20 % of the
  judgment-defaulter entries open-ended); 92 % version 1 active, 5 % version 2 repaired, 3 %
  version 2 disputed (two record_history rows each, so the status-history query runs);
* licensing (60 %) and penalty (40 %) records, the rest: each copied from one of 2 × 20,000
  synthetic rows validated by ``RowValidator`` (real columns, decision dates over 5 years), on a
  subject drawn uniformly at random (about 10 records per subject, in random order);
* record_history: version-1 rows with a SMALL payload (about 60 bytes: record id, kind and
  document number, not the ~550-byte department payload of an import). The check reads no
  payload, so this only makes the file smaller than a real registry's;
* relations: a current legal representative (a natural-person subject, 15 % of them
  representing several organisations) for every listed organisation and for some unlisted
  ones, 10 % of the organisations in all, valid_from 1-15 years back; 10 % of them also with a
  former representative whose role ended (valid_until) when the current one's began.

Measurements (department NDRC, matter enterprise-bond-issuance, as of 2025-06-30), each in a
child process of its own (peak RSS from VmHWM is that measurement's alone), after waiting until
no other benchmark (bench/import_rate.py, bench/lookup.py) runs (at most 10 minutes) and reading
the registry file once into the OS page cache (--no-prewarm skips that):

* check: ``check()`` for --lookups random identifiers (after 1,000 others as warm-up), mix 40 %
  listed organisations, 40 % unlisted organisations, 10 % persons who currently represent a
  listed organisation, 10 % unknown (valid) identifiers; then ``load_facts`` on one open
  connection for the same identifiers, and the same SQL statements through raw sqlite3;
* screen: --identifiers lines (the same mix, drawn with replacement, plus 0.5 % invalid
  strings) through ``screen()``, read with the CLI's own reader, the iterator consumed (no
  JSON written); in the same run, interleaved, a bare sqlite3 join of the same lines in batches
  of 2,000 (subject_identifiers → subjects → LEFT JOIN credit_records WHERE value IN (…),
  every row fetched, nothing evaluated). --repeats times each, medians reported; then once
  the two statements ``load_facts`` sends, through raw sqlite3 (the SQL share of screening);
* cli: ``jointcredit screen FILE --department NDRC --matter enterprise-bond-issuance -o
  out.jsonl -d sqlite:///…`` end to end on --cli-lines lines (wall time of the process).

    .venv/bin/python bench/check.py                      # 10M records, 1M subjects
    .venv/bin/python bench/check.py --subjects 2000 --records 20000 --lookups 1000 \\
        --identifiers 20000 --cli-lines 2000 --delete    # smoke test
    .venv/bin/python bench/check.py --only build|check|screen|cli
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _common import (
    ROOT,
    log,
    median,
    peak_rss_mib,
    percentile,
    remove_database,
    save_result,
    table,
    warn_if_busy,
)

SCRATCH = Path(os.environ.get("JCBENCH_CHECK_DIR", "/tmp/jcbench-check"))
TODAY = dt.date(2025, 6, 30)
NOW = dt.datetime(2025, 6, 30, 12, 0, 0, tzinfo=dt.UTC)
SEED = 20250630
DEPARTMENT = "NDRC"
MATTER = "enterprise-bond-issuance"
TEMPLATES = 20_000
BATCH = 50_000
BUILD_VERSION = 1  # bump when the build changes what it writes

PERSON_SHARE = 0.20
LIST_SHARE = 0.02
LICENSING_SHARE = 0.6
LISTED_ORG_SHARE = 0.09  # of the organisations (legal persons and other organisations)
REP_ORG_SHARE = 0.10  # organisations with a legal representative, the listed ones included
REP_REUSE = 0.15
FORMER_REP = 0.10
#: list type → (share of the entries, department, kind, period in years or None)
LIST_TYPES = {
    "judgment-defaulters": (0.6, "SPC", "black-list", 2),
    "major-tax-violation-parties": (0.2, "SAT", "black-list", 3),
    "a-grade-taxpayers": (0.2, "SAT", "red-list", 1),
}
#: Sample mix of the check and the screening file: category → share.
MIX = {
    "listed_org": 0.40,
    "unlisted_org": 0.40,
    "rep_of_listed": 0.10,
    "unknown": 0.10,
}
INVALID_SHARE = 0.005
PGREP = r"bench/(import_rate|lookup)\.py"


def db_path(records: int) -> Path:
    label = f"{records // 1_000_000}m" if records % 1_000_000 == 0 else str(records)
    return SCRATCH / f"check-{label}.sqlite3"


def _meta_path(path: Path) -> Path:
    return path.with_suffix(".build.json")


def _pools_path(path: Path) -> Path:
    return path.with_suffix(".pools.json")


# -- build ---------------------------------------------------------------------------------------


def _processor(column_type: Any) -> Any:
    """How SQLAlchemy converts a value of ``column_type`` for SQLite (after bench/lookup.py)."""
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    return column_type.dialect_impl(dialect).bind_processor(dialect)


def _templates(per_kind: int) -> dict[tuple[str, str], list[tuple[Any, ...]]]:
    """Validated synthetic licensing and penalty rows by (kind, 相对人类别), subject removed:
    the record columns of an import (the approach of bench/lookup.py's _Templates)."""
    from jointcredit import synth
    from jointcredit.importing.validate import RowValidator

    gen = synth.Generator(seed=SEED + 1, today=TODAY, subjects=max(per_kind // 5, 10))
    by_key: dict[tuple[str, str], list[tuple[Any, ...]]] = {}

    def d(value: dt.date | None) -> str | None:
        return None if value is None else value.isoformat()

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
                None,  # list_type
                None,  # department
                f"file:bench-check-{kind}.csv",
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
            prefix = (
                '{"kind":"'
                + kind
                + '","document_number":'
                + json.dumps(draft.document_number, ensure_ascii=False)
            )
            by_key.setdefault((kind, values[1]), []).append((kind, columns, prefix, draft.status))
    return by_key


_CATEGORY = {
    "legal-person": "法人及非法人组织",
    "other-organization": "法人及非法人组织",
    "individual-business": "个体工商户",
    "natural-person": "自然人",
}
_KIND_CODE = {
    "legal-person": "L",
    "other-organization": "O",
    "individual-business": "B",
    "natural-person": "P",
}
_CODE_KIND = {v: k for k, v in _KIND_CODE.items()}


class _Ids:
    """Unique synthetic identifiers. Organisation codes are "JC" + a character other than G
    (authorities) and Y (kept for the unknown identifiers of the samples) + five others + check;
    persons are born 1950-2005 (unknown ones 2006-2010), so no sample can hit the registry."""

    def __init__(self, rng: random.Random, unknown: bool = False) -> None:
        from jointcredit.identifiers.checkchars import USCC_ALPHABET

        self.rng = rng
        self.used: set[str] = set()
        self.chars = USCC_ALPHABET.replace("G", "").replace("Y", "")
        self.third = "Y" if unknown else self.chars
        first, last = (
            (dt.date(2006, 1, 1), dt.date(2010, 12, 31))
            if unknown
            else (dt.date(1950, 1, 1), dt.date(2005, 12, 31))
        )
        self.born = (first.toordinal(), last.toordinal())

    def org_code(self) -> str:
        from jointcredit.identifiers.checkchars import org_check_char

        while True:
            first8 = "JC" + self.rng.choice(self.third) + "".join(self.rng.choices(self.chars, k=5))
            code = first8 + org_check_char(first8)
            if code not in self.used:
                self.used.add(code)
                return code

    def uscc(self, prefix: str, county: str) -> tuple[str, str]:
        from jointcredit.synth.subjects import make_uscc

        org = self.org_code()
        return make_uscc(prefix, county, org), org

    def ric(self, county: str) -> str:
        from jointcredit.identifiers.checkchars import ric_check_char

        while True:
            born = dt.date.fromordinal(self.rng.randint(*self.born))
            first17 = f"{county}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
            value = first17 + ric_check_char(first17)
            if value not in self.used:
                self.used.add(value)
                return value

    def registration_number(self, county: str) -> str:
        from jointcredit.identifiers.checkchars import mod_11_10_check_digit

        while True:
            first14 = county + f"{self.rng.randrange(10**8):08d}"
            value = first14 + mod_11_10_check_digit(first14)
            if value not in self.used:
                self.used.add(value)
                return value


def build(path: Path, n_subjects: int, n_records: int) -> dict[str, Any]:
    from jointcredit.catalog import load_catalog
    from jointcredit.services.registry import open_registry
    from jointcredit.store.tables import credit_records
    from jointcredit.synth import names
    from jointcredit.synth.places import counties

    timings: dict[str, float] = {}
    started = time.perf_counter()
    remove_database(path)
    _meta_path(path).unlink(missing_ok=True)
    _pools_path(path).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".building.sqlite3")
    remove_database(tmp)
    open_registry(f"sqlite:///{tmp}").dispose()
    now = _processor(credit_records.c.recorded_at.type)(NOW)
    catalog = load_catalog()
    timings["schema"] = time.perf_counter() - started

    t = time.perf_counter()
    templates = _templates(min(TEMPLATES, max(n_records // 10, 200)))
    timings["templates"] = time.perf_counter() - t

    conn = sqlite3.connect(tmp, isolation_level=None)
    for pragma in (
        "journal_mode=OFF",
        "synchronous=OFF",
        "cache_size=-3000000",
        "temp_store=MEMORY",
        "locking_mode=EXCLUSIVE",
        "foreign_keys=OFF",
    ):
        conn.execute(f"PRAGMA {pragma}")
    index_sql = conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'ix_credit_records_subject_id_decision_date'"
    ).fetchone()[0]
    conn.execute("DROP INDEX ix_credit_records_subject_id_decision_date")
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO import_jobs (id, kind, source_name, started_at, finished_at, rows_read, "
        "accepted, updated, duplicates, rejected, status, message) VALUES "
        "(1, 'penalty', 'bench/check.py fast path', ?, ?, ?, ?, 0, 0, 0, 'finished', "
        "'built without row validation for the check benchmark')",
        (now, now, n_records, n_records),
    )

    # -- subjects and identifiers
    t = time.perf_counter()
    log(f"build: {n_subjects:,} subjects …")
    rng = random.Random(f"{SEED}/subjects")
    ids = _Ids(rng)
    places = counties()
    kinds: list[str] = []
    subject_rows: list[tuple[Any, ...]] = []
    identifier_rows: list[tuple[Any, ...]] = []
    for sid in range(1, n_subjects + 1):
        county = rng.choice(places)
        r = rng.random()
        if r < PERSON_SHARE:
            kind = "natural-person"
            value = ids.ric(county.code)
            name = names.person_name(rng, int(value[16]) % 2 == 1)
            subject_rows.append((sid, kind, name, value, "resident-id", now, now))
            identifier_rows.append((sid, "resident-id", value, now))
        else:
            r = rng.random()
            if r < 0.90:
                kind, prefix, name = "legal-person", "91", names.enterprise_name(rng, county)
            elif r < 0.95:
                kind, prefix = "other-organization", "52"
                name = names.unit_name(rng, county, names.NON_ENTERPRISE)
            else:
                kind, prefix = "individual-business", "92"
                name = names.shop_name(rng, county, names.surname(rng))
            value, org = ids.uscc(prefix, county.code)
            subject_rows.append((sid, kind, name, value, "uscc", now, now))
            identifier_rows.append((sid, "uscc", value, now))
            if kind == "legal-person" and rng.random() < 0.3:
                identifier_rows.append((sid, "org-code", org, now))
                identifier_rows.append(
                    (sid, "registration-number", ids.registration_number(county.code), now)
                )
        kinds.append(_KIND_CODE[kind])
    del ids
    conn.executemany(
        "INSERT INTO subjects (id, kind, name, identifier, identifier_type, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        subject_rows,
    )
    conn.executemany(
        "INSERT INTO subject_identifiers (subject_id, type, value, recorded_at) "
        "VALUES (?, ?, ?, ?)",
        identifier_rows,
    )
    counts = {"subjects": len(subject_rows), "identifiers": len(identifier_rows)}
    del subject_rows, identifier_rows
    timings["subjects"] = time.perf_counter() - t

    # -- who is listed, who represents whom
    t = time.perf_counter()
    rng = random.Random(f"{SEED}/plan")
    listable = [i + 1 for i, k in enumerate(kinds) if k in "LO"]
    orgs = [i + 1 for i, k in enumerate(kinds) if k != "P"]
    persons = [i + 1 for i, k in enumerate(kinds) if k == "P"]
    n_list = round(n_records * LIST_SHARE)
    n_list_persons = n_list // 10
    listed_orgs = sorted(rng.sample(listable, max(1, round(len(orgs) * LISTED_ORG_SHARE))))
    listed_persons = rng.sample(persons, max(1, round(n_list_persons / 1.3)))
    entry_subjects = list(listed_orgs) + rng.choices(
        listed_orgs, k=max(0, n_list - n_list_persons - len(listed_orgs))
    )
    entry_subjects += rng.choices(listed_persons, k=n_list - len(entry_subjects))
    rng.shuffle(entry_subjects)

    listed_set = set(listed_orgs)
    unlisted = [o for o in orgs if o not in listed_set]
    with_rep = listed_orgs + rng.sample(
        unlisted, max(0, min(len(unlisted), round(len(orgs) * REP_ORG_SHARE) - len(listed_orgs)))
    )
    relation_rows: list[tuple[Any, ...]] = []
    reps_used: list[int] = []
    rep_of_listed: set[int] = set()
    for org in with_rep:
        if reps_used and rng.random() < REP_REUSE:
            rep = rng.choice(reps_used)
        else:
            rep = rng.choice(persons)
        reps_used.append(rep)
        since = TODAY - dt.timedelta(days=rng.randrange(365, 15 * 365))
        evidence = since + dt.timedelta(days=rng.randrange((TODAY - since).days + 1))
        relation_rows.append(
            (org, rep, "legal-representative", since.isoformat(), None, evidence.isoformat(), now)
        )
        if org in listed_set:
            rep_of_listed.add(rep)
        if rng.random() < FORMER_REP:
            former = rng.choice(persons)
            if former != rep:
                began = since - dt.timedelta(days=rng.randrange(365, 10 * 365))
                last = since - dt.timedelta(days=rng.randrange(1, 300))
                relation_rows.append(
                    (
                        org,
                        former,
                        "legal-representative",
                        began.isoformat(),
                        since.isoformat(),
                        max(last, began).isoformat(),
                        now,
                    )
                )
    conn.executemany(
        "INSERT INTO relations (organization_id, person_id, role, valid_from, valid_until, "
        "last_evidence, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        relation_rows,
    )
    conn.execute("COMMIT")
    counts |= {
        "organisations": len(orgs),
        "natural_persons": len(persons),
        "listed_organisations": len(listed_orgs),
        "listed_persons": len(listed_persons),
        "organisations_with_representative": len(with_rep),
        "relations": len(relation_rows),
        "representatives_of_listed_organisations": len(rep_of_listed),
        "list_entries": n_list,
    }
    pools = {
        "kinds": "".join(kinds),
        "listed_orgs": listed_orgs,
        "rep_of_listed": sorted(rep_of_listed),
    }
    del relation_rows, listable, orgs, unlisted, with_rep
    timings["plan_and_relations"] = time.perf_counter() - t

    # -- records and their history
    t = time.perf_counter()
    n_cols = 29
    record_sql = (
        "INSERT INTO credit_records (id, kind, subject_id, natural_key, issuing_authority, "
        "issuing_authority_code, source_department, source_department_code, list_type, "
        "department, source_system, source_record_id, document_number, decision_date, "
        "legal_basis, category, severity, fine_fen, confiscated_fen, valid_from, valid_until, "
        "publish_from, publish_until, status, version, content_hash, import_job_id, "
        "recorded_at, updated_at) VALUES (" + ", ".join("?" * n_cols) + ")"
    )
    history_sql = (
        "INSERT INTO record_history (id, record_id, version, event, status, content_hash, "
        "payload, import_job_id, actor, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 'bench', ?)"
    )
    list_info = {
        code: (
            share,
            dept,
            kind,
            period,
            catalog.departments[dept].name_zh,
            catalog.list_types[code].legal_basis,
        )
        for code, (share, dept, kind, period) in LIST_TYPES.items()
    }
    done = 0
    n_history = 0
    for recs, hist in _record_batches(
        n_records, n_subjects, kinds, templates, entry_subjects, list_info, now
    ):
        conn.execute("BEGIN")
        conn.executemany(record_sql, recs)
        conn.executemany(history_sql, hist)
        conn.execute("COMMIT")
        done += len(recs)
        n_history += len(hist)
        if done % 1_000_000 < BATCH or done == n_records:
            log(f"build: {done:,} records, {time.perf_counter() - t:.0f} s")
    counts |= {"records": done, "record_history": n_history}
    timings["records"] = time.perf_counter() - t

    t = time.perf_counter()
    log("build: index credit_records (subject_id, decision_date) …")
    conn.execute(index_sql)
    timings["index"] = time.perf_counter() - t
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(str(tmp) + suffix):
            os.replace(str(tmp) + suffix, str(path) + suffix)
    _pools_path(path).write_text(json.dumps(pools), encoding="utf-8")
    timings["total"] = time.perf_counter() - started
    return {
        "build_version": BUILD_VERSION,
        "subjects": n_subjects,
        "records": n_records,
        "seed": SEED,
        "build_seconds": round(timings["total"], 1),
        "build_steps_seconds": {k: round(v, 1) for k, v in timings.items()},
        "counts": counts,
        "build_peak_rss_mib": peak_rss_mib()[0],
        "history_payload": "small (~60 bytes: kind, document number, record id)",
    }


def _record_batches(
    n_records: int,
    n_subjects: int,
    kinds: str | list[str],
    templates: dict[tuple[str, str], list[tuple[Any, ...]]],
    entry_subjects: list[int],
    list_info: dict[str, tuple[Any, ...]],
    now: str,
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    rng = random.Random(f"{SEED}/records")
    rand = rng.random
    positions = rng.sample(range(1, n_records + 1), len(entry_subjects))
    entry_at = dict(zip(positions, entry_subjects, strict=True))
    category = [_CATEGORY[_CODE_KIND[k]] for k in "LOBP"]
    cat_of = {k: category[i] for i, k in enumerate("LOBP")}
    pools = {
        (kind, cat): templates.get((kind, cat)) or templates[("penalty", cat)]
        for kind in ("licensing", "penalty")
        for cat in set(category)
    }
    codes = list(list_info)
    cum = []
    total = 0.0
    for code in codes:
        total += list_info[code][0]
        cum.append(total)
    span = 5 * 365
    blake = hashlib.blake2b
    subject_ids = range(1, n_subjects + 1)
    history_id = 0
    for first in range(1, n_records + 1, BATCH):
        last = min(first + BATCH, n_records + 1)
        drawn = rng.choices(subject_ids, k=last - first)
        recs: list[tuple[Any, ...]] = []
        hist: list[tuple[Any, ...]] = []
        for rid, sid in zip(range(first, last), drawn, strict=True):
            natural_key = blake(f"{rid}\x1fcheck".encode(), digest_size=16).hexdigest()
            listed_sid = entry_at.get(rid)
            if listed_sid is None:
                kind = "licensing" if rand() < LICENSING_SHARE else "penalty"
                pool = pools[(kind, cat_of[kinds[sid - 1]])]
                tkind, columns, prefix, status = pool[int(rand() * len(pool))]
                payload = f'{prefix},"record":{rid}}}'
                content_hash = blake(payload.encode(), digest_size=16).hexdigest()
                recs.append((rid, tkind, sid, natural_key, *columns, 1, content_hash, 1, now, now))
                history_id += 1
                hist.append((history_id, rid, 1, "created", status, content_hash, payload, now))
                continue
            sid = listed_sid
            person = kinds[sid - 1] == "P"
            while True:
                x = rand() * total
                code = next(c for c, edge in zip(codes, cum, strict=True) if x < edge)
                if not (person and list_info[code][2] == "red-list"):
                    break
            _, dept, kind, period, dept_name, basis = list_info[code]
            decided = TODAY - dt.timedelta(days=int(rand() * span))
            until: dt.date | None = None
            if period is not None and not (code == "judgment-defaulters" and rand() < 0.2):
                try:
                    until = decided.replace(year=decided.year + period) - dt.timedelta(days=1)
                except ValueError:  # 29 February
                    until = decided.replace(year=decided.year + period, day=28)
            year = decided.year
            if dept == "SPC":
                document = f"（{year}）京{int(rand() * 9000) + 100:04d}执{rid}号"
            elif kind == "red-list":
                document = f"税信A〔{year}〕{rid}号"
            else:
                document = f"税稽罚〔{year}〕{rid}号"
            first_recorded = min(decided + dt.timedelta(days=1 + int(rand() * 20)), TODAY)
            r = rand()
            version, status = (
                (1, "active") if r < 0.92 else (2, "repaired") if r < 0.97 else (2, "disputed")
            )
            severity = "severe" if kind == "black-list" else None
            d, u = decided.isoformat(), (until.isoformat() if until else None)
            payload = (
                f'{{"kind":"{kind}","list_type":"{code}","document_number":"{document}",'
                f'"record":{rid}}}'
            )
            content_hash = blake(payload.encode(), digest_size=16).hexdigest()
            recorded = f"{first_recorded.isoformat()} 09:00:00.000000"
            changed = recorded
            if version == 2:
                gap = (TODAY - first_recorded).days
                changed_day = first_recorded + dt.timedelta(days=int(rand() * (gap + 1)))
                changed = f"{changed_day.isoformat()} 09:00:00.000000"
            recs.append(
                (
                    rid,
                    kind,
                    sid,
                    natural_key,
                    dept_name,
                    None,
                    dept_name,
                    None,
                    code,
                    dept,
                    "file:bench-check-list-entries.jsonl",
                    None,
                    document,
                    d,
                    basis,
                    None,
                    severity,
                    None,
                    None,
                    d,
                    u,
                    d,
                    u,
                    status,
                    version,
                    content_hash,
                    1,
                    recorded,
                    changed,
                )
            )
            history_id += 1
            hist.append((history_id, rid, 1, "created", "active", content_hash, payload, recorded))
            if version == 2:
                history_id += 1
                hist.append((history_id, rid, 2, "status", status, content_hash, payload, changed))
        yield recs, hist


def database_ready(path: Path, n_subjects: int, n_records: int) -> tuple[bool, str]:
    """Whether the registry at ``path`` is a complete build with these parameters at the code's
    schema revision: build metadata, alembic revision and the record count."""
    from jointcredit.store import migrate

    meta = _meta_path(path)
    if not path.exists() or not meta.exists() or not _pools_path(path).exists():
        return False, "no complete build"
    info = json.loads(meta.read_text(encoding="utf-8"))
    if (info.get("build_version"), info.get("subjects"), info.get("records")) != (
        BUILD_VERSION,
        n_subjects,
        n_records,
    ):
        return False, "built with other parameters"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        count = conn.execute("SELECT count(*) FROM credit_records").fetchone()[0]
        conn.close()
    except sqlite3.Error as exc:
        return False, f"unreadable: {exc}"
    if revision != migrate.head_revision():
        return False, f"alembic revision {revision}, code at {migrate.head_revision()}"
    if count != n_records:
        return False, f"{count:,} records instead of {n_records:,}"
    return True, f"{count:,} records, alembic revision {revision}"


def db_gib(path: Path) -> float:
    size = sum(
        os.path.getsize(str(path) + s) for s in ("", "-wal") if os.path.exists(str(path) + s)
    )
    return round(size / 2**30, 2)


# -- samples -------------------------------------------------------------------------------------


def _mix_counts(n: int) -> dict[str, int]:
    counts = {k: int(n * share) for k, share in MIX.items()}
    counts["listed_org"] += n - sum(counts.values())
    return counts


def samples(path: Path, n: int, seed: str, invalid_share: float = 0.0) -> list[tuple[str, str]]:
    """``n`` (category, input) pairs in random order: the mix of MIX drawn with replacement,
    ``invalid_share`` of them replaced by invalid strings."""
    pools = json.loads(_pools_path(path).read_text(encoding="utf-8"))
    kinds: str = pools["kinds"]
    rng = random.Random(seed)
    n_invalid = round(n * invalid_share)
    counts = _mix_counts(n - n_invalid)
    listed = set(pools["listed_orgs"])
    unlisted = [i + 1 for i, k in enumerate(kinds) if k != "P" and i + 1 not in listed]
    chosen: list[tuple[str, int]] = []
    chosen += [("listed_org", i) for i in rng.choices(pools["listed_orgs"], k=counts["listed_org"])]
    chosen += [("unlisted_org", i) for i in rng.choices(unlisted, k=counts["unlisted_org"])]
    chosen += [
        ("rep_of_listed", i) for i in rng.choices(pools["rep_of_listed"], k=counts["rep_of_listed"])
    ]
    wanted = sorted({i for _, i in chosen})
    identifier_of: dict[int, str] = {}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    for start in range(0, len(wanted), 20_000):
        part = wanted[start : start + 20_000]
        identifier_of.update(
            conn.execute(
                f"SELECT id, identifier FROM subjects WHERE id IN ({','.join('?' * len(part))})",
                part,
            ).fetchall()
        )
    conn.close()
    out = [(category, identifier_of[i]) for category, i in chosen]
    fresh = _Ids(random.Random(f"{seed}/unknown"), unknown=True)
    from jointcredit.synth.places import counties

    places = counties()
    for k in range(counts["unknown"]):
        county = rng.choice(places).code
        out.append(("unknown", fresh.uscc("91", county)[0] if k % 2 else fresh.ric(county)))
    for k in range(n_invalid):
        if k % 5 < 2:  # a USCC with a wrong check character
            value = fresh.uscc("91", rng.choice(places).code)[0]
            out.append(("invalid", value[:-1] + ("0" if value[-1] != "0" else "1")))
        elif k % 5 < 4:  # a resident identity number with a wrong check character
            value = fresh.ric(rng.choice(places).code)
            out.append(("invalid", value[:-1] + ("0" if value[-1] != "0" else "1")))
        else:
            out.append(("invalid", f"无效编号-{rng.randrange(10**6)}"))
    rng.shuffle(out)
    return out


def write_lines(path: Path, items: list[tuple[str, str]]) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for _, value in items:
            f.write(value + "\n")
    tmp.replace(path)


# -- children ------------------------------------------------------------------------------------


def _us(ns: list[int]) -> dict[str, float]:
    values = [v / 1e3 for v in ns]
    return {
        "n": len(values),
        "median_us": round(median(values), 1),
        "p90_us": round(percentile(values, 90), 1),
        "p99_us": round(percentile(values, 99), 1),
        "mean_us": round(sum(values) / len(values), 1),
        "max_us": round(max(values), 1),
    }


def _rss() -> float:
    """Peak RSS of this process, from VmHWM: after fork + exec, ``getrusage`` ru_maxrss also
    counts the parent's RSS at the fork (Linux keeps the old image's high-water mark), so a
    child of a large parent would report the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_check(db: Path, sample_file: Path) -> dict[str, Any]:
    from sqlalchemy import event

    from jointcredit.services.check import _identifier, check
    from jointcredit.services.registry import open_registry
    from jointcredit.store.check_facts import load_facts

    data = json.loads(sample_file.read_text(encoding="utf-8"))
    warm = [v for _, v in data["warm"]]
    items = [tuple(x) for x in data["timed"]]
    engine = open_registry(f"sqlite:///{db}")
    clock = time.perf_counter_ns
    for value in warm:
        check(engine, value, department=DEPARTMENT, matter=MATTER, as_of=TODAY)

    by_cat: dict[str, list[int]] = {}
    all_ns: list[int] = []
    decisions: dict[str, int] = {}
    for category, value in items:
        t0 = clock()
        result = check(engine, value, department=DEPARTMENT, matter=MATTER, as_of=TODAY)
        elapsed = clock() - t0
        all_ns.append(elapsed)
        by_cat.setdefault(category, []).append(elapsed)
        decisions[category] = decisions.get(category, 0) + bool(result.decisions)

    # The repository query alone, on one open connection.
    codes = [_identifier(v) for _, v in items]
    repo_ns: list[int] = []
    repo_by_cat: dict[str, list[int]] = {}
    with engine.connect() as conn:
        for code in [_identifier(v) for v in warm[:200]]:
            load_facts(conn, [code])
        for (category, _), code in zip(items, codes, strict=True):
            t0 = clock()
            load_facts(conn, [code])
            elapsed = clock() - t0
            repo_ns.append(elapsed)
            repo_by_cat.setdefault(category, []).append(elapsed)

    # The statements load_facts sends, captured for a person who represents a listed
    # organisation, then replayed through raw sqlite3 for every sampled identifier.
    captured: list[tuple[str, tuple[Any, ...]]] = []

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, tuple(parameters)))

    person = next(v for c, v in items if c == "rep_of_listed")
    event.listen(engine, "before_cursor_execute", capture)
    with engine.connect() as conn:
        load_facts(conn, [_identifier(person)])
    event.remove(engine, "before_cursor_execute", capture)
    subjects_sql, subjects_params = next(c for c in captured if "FROM subject_identifiers" in c[0])
    roles_sql, roles_params = next(c for c in captured if "FROM relations" in c[0])
    # Both statements bind their constants (record kinds) first and the identifier or the
    # person's subject id last.
    subjects_pre, kinds_params = subjects_params[:-1], roles_params[:-1]
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    raw.execute("PRAGMA cache_size=-65536")
    plans = {
        name: [r[-1] for r in raw.execute("EXPLAIN QUERY PLAN " + sql, params)]
        for name, sql, params in (
            ("subjects_and_records", subjects_sql, (*subjects_pre, codes[0])),
            ("roles_with_entries", roles_sql, (*kinds_params, 1)),
        )
    }
    raw_ns: list[int] = []
    raw_by_cat: dict[str, list[int]] = {}
    for (category, _), code in zip(items, codes, strict=True):
        t0 = clock()
        rows = raw.execute(subjects_sql, (*subjects_pre, code)).fetchall()
        if rows and rows[0][4] == "natural-person":
            raw.execute(roles_sql, (*kinds_params, rows[0][1])).fetchall()
        elapsed = clock() - t0
        raw_ns.append(elapsed)
        raw_by_cat.setdefault(category, []).append(elapsed)
    raw.close()
    engine.dispose()
    return {
        "check": _us(all_ns),
        "check_by_category": {k: _us(v) for k, v in sorted(by_cat.items())},
        "with_decisions_by_category": decisions,
        "load_facts_one_connection": _us(repo_ns),
        "load_facts_by_category": {k: _us(v) for k, v in sorted(repo_by_cat.items())},
        "raw_sqlite3_same_sql": _us(raw_ns),
        "raw_sqlite3_by_category": {k: _us(v) for k, v in sorted(raw_by_cat.items())},
        "query_plans": plans,
        "sql": {"subjects_and_records": subjects_sql, "roles_with_entries": roles_sql},
        "peak_rss_mib": _rss(),
    }


def child_screen(db: Path, lines: Path, jsonl: bool) -> dict[str, Any]:
    from jointcredit.cli.check import _identifiers
    from jointcredit.services.check import screen
    from jointcredit.services.registry import open_registry

    engine = open_registry(f"sqlite:///{db}")
    counts = {"lines": 0, "invalid": 0, "unknown": 0, "with_decisions": 0, "decisions": 0}
    out = open(os.devnull, "w", encoding="utf-8") if jsonl else None  # noqa: SIM115
    t0 = time.perf_counter()
    for item in screen(
        engine, _identifiers(lines), department=DEPARTMENT, matter=MATTER, as_of=TODAY
    ):
        counts["lines"] += 1
        if item.error is not None:
            counts["invalid"] += 1
            continue
        assert item.result is not None
        counts["unknown"] += item.result.subject is None
        counts["with_decisions"] += bool(item.result.decisions)
        counts["decisions"] += len(item.result.decisions)
        if out is not None:
            out.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
    seconds = time.perf_counter() - t0
    if out is not None:
        out.close()
    engine.dispose()
    return {"seconds": round(seconds, 2), "counts": counts, "peak_rss_mib": _rss()}


BARE_SQL = (
    "SELECT si.value, s.id, s.identifier, s.name, s.kind, r.id, r.kind, r.list_type, "
    "r.document_number, r.decision_date, r.valid_from, r.valid_until, r.severity, r.status, "
    "r.version, r.recorded_at FROM subject_identifiers AS si "
    "JOIN subjects AS s ON s.id = si.subject_id "
    "LEFT OUTER JOIN credit_records AS r ON r.subject_id = s.id "
    "WHERE si.value IN ({})"
)


def child_bare(db: Path, lines: Path) -> dict[str, Any]:
    conn = sqlite3.connect(db)
    # The registry's own connection settings (store/db.py), so the page cache is the same size.
    for pragma in ("synchronous=NORMAL", "cache_size=-65536", "temp_store=MEMORY"):
        conn.execute(f"PRAGMA {pragma}")
    full = BARE_SQL.format(",".join("?" * 2000))
    rows = 0
    batches = 0
    t0 = time.perf_counter()
    with lines.open(encoding="utf-8") as f:
        batch: list[str] = []
        for line in f:
            value = line.strip()
            if not value:
                continue
            batch.append(value)
            if len(batch) == 2000:
                rows += len(conn.execute(full, batch).fetchall())
                batches += 1
                batch = []
        if batch:
            sql = BARE_SQL.format(",".join("?" * len(batch)))
            rows += len(conn.execute(sql, batch).fetchall())
            batches += 1
    seconds = time.perf_counter() - t0
    plan = [r[-1] for r in conn.execute("EXPLAIN QUERY PLAN " + BARE_SQL.format("?"), ("x",))]
    conn.close()
    return {
        "seconds": round(seconds, 2),
        "rows": rows,
        "batches": batches,
        "query_plan": plan,
        "peak_rss_mib": _rss(),
    }


def _captured_statements(db: Path) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """The statements ``load_facts`` sends (subjects with records; roles of persons), captured
    for one person, as (SQL ending in ``IN (?)``, the parameters before that last one)."""
    from sqlalchemy import event

    from jointcredit.services.registry import open_registry
    from jointcredit.store.check_facts import load_facts

    engine = open_registry(f"sqlite:///{db}")
    with engine.connect() as conn:
        person = conn.exec_driver_sql(
            "SELECT s.identifier FROM relations r JOIN subjects s ON s.id = r.person_id LIMIT 1"
        ).scalar_one()
    captured: list[tuple[str, tuple[Any, ...]]] = []

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, tuple(parameters)))

    event.listen(engine, "before_cursor_execute", capture)
    with engine.connect() as conn:
        load_facts(conn, [person])
    engine.dispose()
    out = []
    for name in ("subject_identifiers", "relations"):
        sql, params = next(c for c in captured if f"FROM {name}" in c[0])
        sql = sql.rstrip()
        if not sql.endswith("IN (?)"):
            raise SystemExit(f"unexpected statement shape: {sql[-80:]}")
        out.append((sql[: -len("(?)")], params[:-1]))
    return tuple(out)


def child_bare_same_sql(db: Path, lines: Path) -> dict[str, Any]:
    """The statements ``load_facts`` sends, through raw sqlite3, for the screen's batches of
    2,000 lines (values deduplicated and sorted as ``load_facts`` does, invalid ones
    included): subjects with their evaluated records, then the roles of the persons found.
    Rows fetched, nothing evaluated, no status-history query."""
    (subjects_sql, subjects_pre), (roles_sql, roles_pre) = _captured_statements(db)
    conn = sqlite3.connect(db)
    for pragma in ("synchronous=NORMAL", "cache_size=-65536", "temp_store=MEMORY"):
        conn.execute(f"PRAGMA {pragma}")

    def run(sql: str, pre: tuple[Any, ...], values: list[Any]) -> list[Any]:
        return conn.execute(
            sql + "(" + ",".join("?" * len(values)) + ")", (*pre, *values)
        ).fetchall()

    rows = role_rows = 0

    def batch_done(batch: list[str]) -> None:
        nonlocal rows, role_rows
        found = run(subjects_sql, subjects_pre, sorted(set(batch)))
        rows += len(found)
        persons = sorted({r[1] for r in found if r[4] == "natural-person"})
        for start in range(0, len(persons), 2000):
            role_rows += len(run(roles_sql, roles_pre, persons[start : start + 2000]))

    t0 = time.perf_counter()
    with lines.open(encoding="utf-8") as f:
        batch: list[str] = []
        for line in f:
            value = line.strip()
            if value:
                batch.append(value)
            if len(batch) == 2000:
                batch_done(batch)
                batch = []
        if batch:
            batch_done(batch)
    seconds = time.perf_counter() - t0
    conn.close()
    return {
        "seconds": round(seconds, 2),
        "rows": rows,
        "role_rows": role_rows,
        "sql": [subjects_sql + "(…)", roles_sql + "(…)"],
        "peak_rss_mib": _rss(),
    }


def child_cli(db: Path, lines: Path, out: Path) -> dict[str, Any]:
    exe = Path(sys.executable).with_name("jointcredit")
    cmd = [
        str(exe),
        "screen",
        str(lines),
        "--department",
        DEPARTMENT,
        "--matter",
        MATTER,
        "--as-of",
        TODAY.isoformat(),
        "-o",
        str(out),
        "-d",
        f"sqlite:///{db}",
    ]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"CLI failed ({done.returncode}): {done.stderr[-2000:]}")
    with out.open(encoding="utf-8") as f:
        n_out = sum(1 for _ in f)
    return {
        "seconds": round(seconds, 2),
        "command": " ".join(cmd),
        "output_lines": n_out,
        "output_mib": round(out.stat().st_size / 2**20, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }


def run_child(*args: str) -> dict[str, Any]:
    """One measurement in a fresh interpreter: its peak RSS is this measurement's alone."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"measurement {args[0]} failed (exit {done.returncode})")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# -- parent --------------------------------------------------------------------------------------


def wait_for_quiet(limit: float = 600, every: float = 20) -> dict[str, Any]:
    """Wait until no other benchmark runs (pgrep), at most ``limit`` seconds."""
    started = time.monotonic()
    while True:
        found = subprocess.run(["pgrep", "-f", PGREP], capture_output=True, text=True)
        others = [p for p in found.stdout.split() if p and int(p) != os.getpid()]
        waited = time.monotonic() - started
        if not others:
            return {"waited_s": round(waited), "gave_up": False, "load": list(os.getloadavg())}
        if waited >= limit:
            log(f"other benchmarks still running after {waited:.0f} s (pids {others}): going on")
            return {"waited_s": round(waited), "gave_up": True, "load": list(os.getloadavg())}
        log(f"waiting: other benchmark running (pids {' '.join(others)}) …")
        time.sleep(every)


def _git_head() -> str | None:
    """The commit the measured code is at (src/ changes while benchmarks run), +dirty-src."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return None
    return head + ("+dirty-src" if dirty else "")


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


def prewarm(path: Path) -> float:
    """Read the registry file once so that the OS page cache holds it (as on a server whose RAM
    holds the registry): otherwise the numbers depend on what other work left in the cache.
    Returns the seconds it took."""
    t = time.perf_counter()
    with path.open("rb", buffering=0) as f:
        while f.read(16 << 20):
            pass
    return round(time.perf_counter() - t, 1)


def measure_check(db: Path, n_lookups: int, warm_file: bool) -> dict[str, Any]:
    sample_file = SCRATCH / "check-samples.json"
    items = samples(db, n_lookups + 1000, f"{SEED}/check-samples")
    sample_file.write_text(
        json.dumps({"warm": items[:1000], "timed": items[1000:]}, ensure_ascii=False),
        encoding="utf-8",
    )
    quiet = wait_for_quiet()
    prewarm_s = prewarm(db) if warm_file else None
    cached = _cached_fraction(db)
    result = run_child("check", "--db", str(db), "--file", str(sample_file))
    sample_file.unlink(missing_ok=True)
    return result | {
        "wait": quiet,
        "prewarm_seconds": prewarm_s,
        "page_cache_fraction_before": cached,
        "mix": MIX,
    }


def measure_screen(
    db: Path, n_identifiers: int, repeats: int, jsonl: bool, warm_file: bool
) -> dict[str, Any]:
    lines = SCRATCH / f"screen-{n_identifiers}.txt"
    t = time.perf_counter()
    items = samples(db, n_identifiers, f"{SEED}/screen-samples", INVALID_SHARE)
    write_lines(lines, items)
    made = time.perf_counter() - t
    mix = {k: sum(1 for c, _ in items if c == k) for k in (*MIX, "invalid")}
    del items
    runs: dict[str, list[dict[str, Any]]] = {"screen": [], "bare": []}
    waits = []
    cached: list[float | None] = []
    for n in range(repeats):
        for kind in ("screen", "bare"):
            waits.append(wait_for_quiet())
            if warm_file:
                prewarm(db)
            cached.append(_cached_fraction(db))
            args = [kind, "--db", str(db), "--file", str(lines)]
            if kind == "screen" and jsonl:
                args.append("--jsonl")
            r = run_child(*args)
            runs[kind].append(r)
            log(f"{kind} #{n + 1}: {r['seconds']:.1f} s, peak RSS {r['peak_rss_mib']:.0f} MiB")
    # Once, for the split between SQL and Python: load_facts' own statements, raw.
    waits.append(wait_for_quiet())
    if warm_file:
        prewarm(db)
    cached.append(_cached_fraction(db))
    same = run_child("bare-same-sql", "--db", str(db), "--file", str(lines))
    log(f"bare, load_facts' own SQL: {same['seconds']:.1f} s")
    lines.unlink(missing_ok=True)
    s = median([r["seconds"] for r in runs["screen"]])
    b = median([r["seconds"] for r in runs["bare"]])
    return {
        "identifiers": n_identifiers,
        "input_mix": mix,
        "input_made_seconds": round(made, 1),
        "screen_writes_jsonl": jsonl,
        "prewarmed": warm_file,
        "page_cache_fraction_before": cached,
        "repeats": repeats,
        "screen_seconds": [r["seconds"] for r in runs["screen"]],
        "bare_seconds": [r["seconds"] for r in runs["bare"]],
        "screen_median_s": s,
        "bare_median_s": b,
        "screen_per_s": round(n_identifiers / s),
        "bare_per_s": round(n_identifiers / b),
        "ratio_screen_to_bare": round(s / b, 2),
        "screen_peak_rss_mib": max(r["peak_rss_mib"] for r in runs["screen"]),
        "bare_peak_rss_mib": max(r["peak_rss_mib"] for r in runs["bare"]),
        "screen_counts": runs["screen"][0]["counts"],
        "bare_rows": runs["bare"][0]["rows"],
        "bare_query_plan": runs["bare"][0]["query_plan"],
        "bare_same_sql_seconds": same["seconds"],
        "bare_same_sql_per_s": round(n_identifiers / same["seconds"]),
        "bare_same_sql_rows": [same["rows"], same["role_rows"]],
        "bare_same_sql_peak_rss_mib": same["peak_rss_mib"],
        "bare_same_sql": same["sql"],
        "waits": waits,
    }


def measure_cli(db: Path, n_lines: int, warm_file: bool) -> dict[str, Any]:
    lines = SCRATCH / f"cli-{n_lines}.txt"
    out = SCRATCH / "out.jsonl"
    write_lines(lines, samples(db, n_lines, f"{SEED}/cli-samples", INVALID_SHARE))
    quiet = wait_for_quiet()
    if warm_file:
        prewarm(db)
    quiet["page_cache_fraction_before"] = _cached_fraction(db)
    result = run_child("cli", "--db", str(db), "--file", str(lines), "--out", str(out))
    lines.unlink(missing_ok=True)
    out.unlink(missing_ok=True)
    return result | {
        "lines": n_lines,
        "lines_per_s": round(n_lines / result["seconds"]),
        "wait": quiet,
    }


def _row(label: str, m: dict[str, float]) -> list[Any]:
    return [label, m["n"], m["median_us"], m["p90_us"], m["p99_us"], m["max_us"]]


def report_check(r: dict[str, Any], records: int) -> None:
    print(
        f"\nSingle check, {DEPARTMENT}/{MATTER}, mix {MIX}; OS page cache held "
        f"{r['page_cache_fraction_before']} of the file before"
        f"{'' if r['prewarm_seconds'] is None else ' (read through first)'}; peak RSS "
        f"{r['peak_rss_mib']:.0f} MiB\n"
    )
    rows = [_row("check() all", r["check"])]
    rows += [_row(f"  check() {k}", v) for k, v in r["check_by_category"].items()]
    rows.append(_row("load_facts, one connection", r["load_facts_one_connection"]))
    rows += [_row(f"  load_facts {k}", v) for k, v in r["load_facts_by_category"].items()]
    rows.append(_row("raw sqlite3, same SQL", r["raw_sqlite3_same_sql"]))
    rows += [_row(f"  raw {k}", v) for k, v in r["raw_sqlite3_by_category"].items()]
    print(table(["measurement", "n", "median µs", "p90 µs", "p99 µs", "max µs"], rows))
    print("\nquery plans:")
    for name, plan in r["query_plans"].items():
        print(f"  {name}: {' | '.join(plan)}")
    med = r["check"]["median_us"]
    print(
        f"\ngoal median < 200 µs: {med:.0f} µs → {'met' if med < 200 else 'NOT met'}"
        + ("" if records == 10_000_000 else f" (at {records:,} records, not 10,000,000)")
    )


def report_screen(r: dict[str, Any], records: int) -> None:
    print(
        f"\nScreening {r['identifiers']:,} lines ({r['input_mix']}), {r['repeats']}× each, "
        f"medians; OS page cache held {r['page_cache_fraction_before']} of the file before "
        f"each run{' (read through first)' if r['prewarmed'] else ''}\n"
    )
    print(
        table(
            ["measurement", "median s", "runs s", "ids/s", "peak RSS MiB"],
            [
                [
                    "screen()" + (" + JSONL" if r["screen_writes_jsonl"] else ""),
                    r["screen_median_s"],
                    " ".join(f"{x:.1f}" for x in r["screen_seconds"]),
                    r["screen_per_s"],
                    r["screen_peak_rss_mib"],
                ],
                [
                    "bare sqlite3 join",
                    r["bare_median_s"],
                    " ".join(f"{x:.1f}" for x in r["bare_seconds"]),
                    r["bare_per_s"],
                    r["bare_peak_rss_mib"],
                ],
            ],
        )
    )
    print(
        f"bare sqlite3, load_facts' own statements (one run): {r['bare_same_sql_seconds']:.1f} s"
        f" ({r['bare_same_sql_per_s']:,} ids/s; rows {r['bare_same_sql_rows'][0]:,} + role rows "
        f"{r['bare_same_sql_rows'][1]:,}), peak RSS {r['bare_same_sql_peak_rss_mib']:.0f} MiB"
    )
    print(f"screen counts: {r['screen_counts']}; bare rows fetched: {r['bare_rows']:,}")
    print(f"bare plan: {' | '.join(r['bare_query_plan'])}")
    s, ratio = r["screen_median_s"], r["ratio_screen_to_bare"]
    scale = "" if (records, r["identifiers"]) == (10_000_000, 1_000_000) else " (smaller run)"
    print(
        f"goal < 60 s: {s:.1f} s → {'met' if s < 60 else 'NOT met'}; goal within 2× bare: "
        f"{ratio:.2f}× → {'met' if ratio <= 2 else 'NOT met'}{scale}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--identifiers", type=int, default=1_000_000)
    parser.add_argument("--cli-lines", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--jsonl",
        action="store_true",
        help="screen() also writes JSONL to "
        "/dev/null as the CLI does (default: the iterator is only consumed)",
    )
    parser.add_argument(
        "--only",
        choices=("build", "check", "screen", "cli"),
        action="append",
        help="run only these parts (repeatable); default: all",
    )
    parser.add_argument(
        "--no-prewarm",
        action="store_true",
        help="do not read the registry file into the OS page cache before each measurement",
    )
    parser.add_argument("--db", type=Path, help="registry file (default under /tmp/jcbench-check)")
    parser.add_argument("--rebuild", action="store_true", help="build even if it exists")
    parser.add_argument("--delete", action="store_true", help="delete the registry at the end")
    parser.add_argument(
        "--child",
        choices=("check", "screen", "bare", "bare-same-sql", "cli"),
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        if args.child == "check":
            result = child_check(args.db, args.file)
        elif args.child == "screen":
            result = child_screen(args.db, args.file, args.jsonl)
        elif args.child == "bare":
            result = child_bare(args.db, args.file)
        elif args.child == "bare-same-sql":
            result = child_bare_same_sql(args.db, args.file)
        else:
            result = child_cli(args.db, args.file, args.out)
        print(json.dumps(result, ensure_ascii=False))
        return

    load_at_start = warn_if_busy()
    parts = set(args.only or ("build", "check", "screen", "cli"))
    path = args.db or db_path(args.records)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    ready, why = (
        (False, "--rebuild") if args.rebuild else database_ready(path, args.subjects, args.records)
    )
    built_now = False
    if not ready:
        log(f"building {path} ({args.records:,} records, {args.subjects:,} subjects): {why}")
        info = build(path, args.subjects, args.records)
        info["db_gib"] = db_gib(path)
        _meta_path(path).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        built_now = True
        ok, why = database_ready(path, args.subjects, args.records)
        if not ok:
            raise SystemExit(f"the build is not complete: {why}")
    else:
        log(f"reusing {path}: {why}")
    info = json.loads(_meta_path(path).read_text(encoding="utf-8"))
    print(
        f"Registry {path}: {info['counts']['records']:,} records "
        f"({info['counts']['list_entries']:,} list entries), {info['counts']['subjects']:,} "
        f"subjects, {info['counts']['relations']:,} relations; {db_gib(path)} GiB; built in "
        f"{info['build_seconds']} s{'' if built_now else ' (earlier run, reused)'}"
    )
    key = {"subjects": args.subjects, "records": args.records}
    common = {
        "database": str(path),
        "build": info,
        "built_in_this_run": built_now,
        "load_average_at_start": load_at_start,
        "department": DEPARTMENT,
        "matter": MATTER,
        "as_of": TODAY.isoformat(),
    }
    saved = None
    if "check" in parts:
        common["git_at_start"] = _git_head()
        r = measure_check(path, args.lookups, not args.no_prewarm)
        report_check(r, args.records)
        med = r["check"]["median_us"]
        saved = save_result(
            "check",
            key | {"part": "check", "lookups": args.lookups},
            common | r | {"goal": {"median_us": med, "goal_us": 200, "met": med < 200}},
        )
    if "screen" in parts:
        common["git_at_start"] = _git_head()
        r = measure_screen(path, args.identifiers, args.repeats, args.jsonl, not args.no_prewarm)
        report_screen(r, args.records)
        s, ratio = r["screen_median_s"], r["ratio_screen_to_bare"]
        saved = save_result(
            "check",
            key | {"part": "screen", "identifiers": args.identifiers, "jsonl": args.jsonl},
            common
            | r
            | {
                "goal": {
                    "seconds": s,
                    "goal_seconds": 60,
                    "ratio": ratio,
                    "goal_ratio": 2,
                    "met": s < 60 and ratio <= 2,
                }
            },
        )
    if "cli" in parts:
        common["git_at_start"] = _git_head()
        r = measure_cli(path, args.cli_lines, not args.no_prewarm)
        print(
            f"\nCLI end to end, {args.cli_lines:,} lines: {r['seconds']:.1f} s "
            f"({r['lines_per_s']:,} lines/s), peak RSS {r['peak_rss_mib']:.0f} MiB, output "
            f"{r['output_mib']} MiB\n  {r['command']}"
        )
        saved = save_result("check", key | {"part": "cli", "lines": args.cli_lines}, common | r)
    if saved:
        print(f"\nresults: {saved}")
    if args.delete:
        remove_database(path)
        _meta_path(path).unlink(missing_ok=True)
        _pools_path(path).unlink(missing_ok=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "bench"))
    main()
