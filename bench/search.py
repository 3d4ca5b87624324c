"""Subject search: latency (p50, p95) of the indexed search on N subjects, beside a plain
``LIKE '%…%'`` scan of the same table in the same run.

1. *build* (skipped when the file already holds N subjects): a migrated registry; N synthetic
   subjects (organisation names of city + trade name + industry + legal form from
   ``jointcredit.synth``; identifiers marked ``JC``) inserted in batches of 50,000 with their
   ``search_key`` made by the same function imports use — on SQLite the FTS5 trigram index is
   kept by the migration's triggers as in production; on PostgreSQL the pg_trgm GIN index.
2. *queries*: ``--queries`` of nine kinds (:data:`KINDS`), drawn from the names inserted: a
   trade name with its industry ("鑫盛科技", 4 characters, substring), a city with a trade name
   ("苏州鑫盛", prefix plus substring), a whole name, an exact identifier, the two-character
   prefix of a name (a city), a trade name's first two characters (a brand, after the city),
   one character of it, the industry's first two characters (科技, 贸易: a word hundreds of
   thousands of names share) and a trade name with its industry in traditional script.
   Each runs ``services.search.search`` (the department view, ``public=False``: the subjects
   have no records, which the public view would require) after one warm-up round. The short-key
   index's size on disk and its column's are reported.
3. *scan*: ``--scan-queries`` of the substring queries run as ``SELECT id FROM subjects WHERE
   name LIKE '%q%' LIMIT 200``: the same cap of 200 the search uses per way of matching.

    .venv/bin/python bench/search.py                       # 10,000,000 subjects on SQLite
    .venv/bin/python bench/search.py --subjects 100000     # smoke test
    .venv/bin/python bench/search.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Files go to /tmp/jcbench/search-N.sqlite3 (JCBENCH_DIR); results to bench/results/search.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

import opencc
from sqlalchemy import Engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SCRATCH, log, machine_info, median, percentile, save_result, table

from jointcredit.rules.searchtext import search_grams, search_key
from jointcredit.services import search
from jointcredit.services.registry import open_registry
from jointcredit.store import search as search_store
from jointcredit.store.tables import subjects
from jointcredit.synth.names import ENTERPRISE_FORMS, INDUSTRIES, TRADE_CHARS
from jointcredit.synth.places import counties

BATCH = 50_000


def _cities() -> list[str]:
    return sorted({c.city_short for c in counties() if len(c.city_short) >= 2})


def _name(rng: random.Random, cities: list[str]) -> str:
    trade = "".join(rng.choice(TRADE_CHARS) for _ in range(rng.choice((2, 2, 3))))
    return rng.choice(cities) + trade + rng.choice(INDUSTRIES) + rng.choice(ENTERPRISE_FORMS)


def _identifier(n: int) -> str:
    return f"91{n % 900000 + 100000:06d}JC{n:08d}"


def build(engine: Engine, n: int, seed: int) -> float:
    with engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(subjects)).scalar_one()
    if have >= n:
        log(f"registry holds {have:,} subjects: no build")
        return 0.0
    rng = random.Random(seed)
    cities = _cities()
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    for first in range(have, n, BATCH):
        rows = []
        for i in range(first, min(first + BATCH, n)):
            name = _name(rng, cities)
            rows.append(
                {
                    "kind": "legal-person",
                    "name": name,
                    "search_key": (key := search_key(name)),
                    "search_grams": search_grams(key),
                    "identifier": _identifier(i),
                    "identifier_type": "uscc",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        with engine.begin() as conn:
            conn.execute(insert(subjects), rows)
        if (first // BATCH) % 20 == 0:
            rate = (first + len(rows) - have) / (time.perf_counter() - started)
            log(f"  {first + len(rows):,} subjects ({rate:,.0f}/s)")
    if engine.dialect.name == "postgresql":
        # What autovacuum does to a table this size soon after: statistics for the planner,
        # and the visibility map that lets the prefix btree answer from the index alone.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE subjects"))
    return time.perf_counter() - started


def queries(engine: Engine, count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed + 1)
    cities = _cities()
    picked: list[tuple[str, str]] = []
    with engine.connect() as conn:
        top = conn.execute(select(func.max(subjects.c.id))).scalar_one()
        while len(picked) < count:
            row = conn.execute(
                select(subjects.c.name, subjects.c.identifier).where(
                    subjects.c.id == rng.randint(1, top)
                )
            ).first()
            if row is None:
                continue
            name, identifier = row
            kind = KINDS[len(picked) % len(KINDS)]
            industry = next(i for i in INDUSTRIES if i in name)
            start = name.index(industry)
            city = next(c for c in cities if name.startswith(c))
            trade = name[len(city) : start]
            q = {
                "trade+industry": trade + industry[:2],
                "city+trade": city + trade,
                "whole name": name,
                "identifier": identifier,
                "2 characters": name[:2],
                "brand (2 characters)": trade[:2],
                "1 character": rng.choice(trade),
                "common word (2)": industry[:2],
                "traditional": _s2t().convert(trade + industry[:2]),
            }[kind]
            picked.append((kind, q))
    return picked


#: Kinds of query, asked in turn: substrings of three characters or more, prefixes, whole
#: names, identifiers, the first two characters (a city), a brand's two characters (anywhere in
#: the name, after the city), one character, a word thousands of names share (科技, 贸易) and
#: traditional script.
KINDS = (
    "trade+industry",
    "city+trade",
    "whole name",
    "identifier",
    "2 characters",
    "brand (2 characters)",
    "1 character",
    "common word (2)",
    "traditional",
)


def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def index_size(engine: Engine) -> dict[str, int]:
    """Bytes of the short-key index and of the column it is made from."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            try:
                index = conn.execute(
                    text("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'subjects_grams%'")
                ).scalar_one()
            except Exception:  # no dbstat in this SQLite build
                index = None
        else:
            index = conn.execute(
                text("SELECT pg_relation_size('ix_subjects_search_grams')")
            ).scalar_one()
        column = conn.execute(
            text("SELECT SUM(LENGTH(CAST(search_grams AS BLOB))) FROM subjects")
            if engine.dialect.name == "sqlite"
            else text("SELECT SUM(octet_length(search_grams)) FROM subjects")
        ).scalar_one()
    return {"index_bytes": int(index or 0), "column_bytes": int(column or 0)}


def timed(call: object) -> float:
    started = time.perf_counter()
    call()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=10_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--scan-queries", type=int, default=10)
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in JCBENCH_DIR)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    machine = machine_info()
    url = args.database or f"sqlite:///{SCRATCH}/search-{args.subjects}.sqlite3"
    SCRATCH.mkdir(parents=True, exist_ok=True)
    engine = open_registry(url)
    log(f"registry: {url}")
    build_seconds = build(engine, args.subjects, args.seed)
    asked = queries(engine, args.queries, args.seed)
    for _, q in asked[:20]:  # warm the page cache as a running service has it
        search.search(engine, q, public=False)
    by_kind: dict[str, list[float]] = {}
    hits: dict[str, list[int]] = {}
    for kind, q in asked:
        found: list[int] = []

        def run(q: str = q, found: list[int] = found) -> None:
            found.append(len(search.search(engine, q, public=False).hits))

        by_kind.setdefault(kind, []).append(timed(run))
        hits.setdefault(kind, []).append(found[0])
    every = [t for ts in by_kind.values() for t in ts]
    sizes = index_size(engine)
    log(
        f"short-key index: {sizes['index_bytes'] / 2**20:,.0f} MiB, its column "
        f"{sizes['column_bytes'] / 2**20:,.0f} MiB"
    )
    substring = [q for kind, q in asked if kind == "trade+industry"][: args.scan_queries]
    indexed_same: list[float] = []
    scanned: list[float] = []
    with engine.connect() as conn:
        for q in substring:
            indexed_same.append(
                timed(lambda q=q: search_store.containing(conn, search_key(q), 200))
            )
            scanned.append(timed(lambda q=q: search_store.scan(conn, q, 200)))
            log(f"  scan {q}: {scanned[-1]:,.0f} ms, index {indexed_same[-1]:,.1f} ms")
    rows = [
        (
            kind,
            len(ts),
            round(median(ts), 2),
            round(percentile(ts, 95), 2),
            round(median(hits[kind]), 1),
        )
        for kind, ts in by_kind.items()
    ]
    rows.append(("all", len(every), round(median(every), 2), round(percentile(every, 95), 2), ""))
    print(table(("query", "n", "p50 ms", "p95 ms", "median hits"), rows))
    scan_p50, scan_p95 = median(scanned), percentile(scanned, 95)
    same_p50, same_p95 = median(indexed_same), percentile(indexed_same, 95)
    print(
        table(
            ("substring, same queries", "n", "p50 ms", "p95 ms"),
            [
                (
                    "trigram index (containing)",
                    len(indexed_same),
                    round(same_p50, 2),
                    round(same_p95, 2),
                ),
                ("LIKE '%…%' scan", len(scanned), round(scan_p50, 1), round(scan_p95, 1)),
                ("ratio scan / index", "", round(scan_p50 / same_p50), round(scan_p95 / same_p95)),
            ],
        )
    )
    save_result(
        "search",
        {
            "subjects": args.subjects,
            "database": engine.dialect.name,
            "queries": args.queries,
            "seed": args.seed,
        },
        {
            "build_seconds": round(build_seconds, 1),
            "short_key_index": sizes,
            "search_ms": {
                kind: {"n": len(ts), "p50": median(ts), "p95": percentile(ts, 95)}
                for kind, ts in by_kind.items()
            }
            | {"all": {"n": len(every), "p50": median(every), "p95": percentile(every, 95)}},
            "substring_index_ms": {"p50": same_p50, "p95": same_p95, "n": len(indexed_same)},
            "like_scan_ms": {"p50": scan_p50, "p95": scan_p95, "n": len(scanned)},
            "ratio_p50": scan_p50 / same_p50,
            "ratio_p95": scan_p95 / same_p95,
        },
        machine,
    )
    engine.dispose()


if __name__ == "__main__":
    main()
