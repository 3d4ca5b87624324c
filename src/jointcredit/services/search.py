"""Subject search on one box: by name or identifier, for the public portal and departments.

What people type is turned into a search key (:mod:`jointcredit.rules.searchtext`: half-width,
simplified, no spaces or punctuation) and matched three ways, each on an index:

1. the identifier, exactly (a credit code, an ID number, a former registration number);
2. names that start with the key (a btree range);
3. names that contain it anywhere: a key of three characters or more on a trigram index
   (SQLite FTS5 ``trigram``, PostgreSQL ``pg_trgm``), a key of one or two characters — a brand
   or a trade, 华为, 贸易 — on the index of every name's one- and two-character substrings
   (``subjects.search_grams``: FTS5 on SQLite, GIN on PostgreSQL).

Ranking (what people mean by a short word is the brand): identifier matches; the name equal to
the key; names whose brand the key opens, right after the region (深圳市华为…, 广东省深圳华为…:
the region names from the division tables, :func:`~jointcredit.rules.searchtext.is_region`);
names starting with the key (华为路…); names containing it elsewhere (中华为民…). Within each,
shorter names first (the closer match), then the older subject. Each way returns at most
:data:`CANDIDATES` subjects to rank, so a key that millions of names share costs what a rare one
does; a page beyond them is not offered. The answer counts the names holding the key
(``count``), exactly up to :data:`COUNT_BOUND` (``count_exact``),
else "more than" that many.

The public sees only subjects that have a record it may see today (the subject page would answer
"not found" for the others); natural persons only when the query is their full identity number,
and then as the public subject page shows them: identity number masked, surname only. Its count
is of those too. Every string of a public result, the query echoed back included, passes through
:func:`~jointcredit.identifiers.mask.mask_deep`: a resident identity number typed into the box
or into a name is not written back whole.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Engine

from jointcredit.clock import today as china_today
from jointcredit.errors import InvalidInputError
from jointcredit.identifiers.mask import mask_deep, mask_identifier, mask_name
from jointcredit.identifiers.normalize import normalize
from jointcredit.rules.searchtext import MAX_QUERY, is_region, search_key
from jointcredit.services.public import organisation_codes
from jointcredit.store import records
from jointcredit.store import search as store

#: How many subjects each way of matching returns at most for ranking.
CANDIDATES = 200
#: Names counted at most: above, the answer says "more than". On PostgreSQL each name counted
#: is a row of the table read (a GIN index holds no ids): at 10,000,000 subjects, counting to
#: 1,000 took a short key's p95 to 20-22 ms, to 500 it stays near 14 (docs/benchmarks.md).
COUNT_BOUND = 500
#: Trigram indexes need this many characters; shorter keys are looked up as grams.
TRIGRAM = 3

_REASONS = ("identifier", "name", "brand", "prefix", "contains")


@dataclass(frozen=True, slots=True)
class SearchHit:
    subject_id: int
    kind: str
    name: str
    identifier: str
    reason: str  # identifier, name (equal), brand, prefix, contains

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    key: str
    hits: list[SearchHit]
    limit: int
    offset: int
    has_more: bool
    #: Names found: all of them when ``count_exact``; else more than this many.
    count: int
    count_exact: bool
    short_query: bool  # one or two characters: looked up on the grams index

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["hits"] = [h.to_dict() for h in self.hits]
        return out


def _key_of(query: str) -> str:
    if len(query) > MAX_QUERY:
        raise InvalidInputError(f"q: at most {MAX_QUERY} characters (this one has {len(query)})")
    key = search_key(query)
    if not key:
        raise InvalidInputError(
            "q: give a name or an identifier (letters, digits or Chinese characters)"
        )
    return key


def search(
    engine: Engine,
    query: str,
    *,
    limit: int = 20,
    offset: int = 0,
    public: bool = True,
    today: dt.date | None = None,
) -> SearchResult:
    """One page of subjects matching ``query``, best first (see the module's rules)."""
    if not 1 <= limit <= 100:
        raise InvalidInputError("limit: from 1 to 100")
    if not 0 <= offset <= CANDIDATES:
        raise InvalidInputError(f"offset: from 0 to {CANDIDATES}")
    key = _key_of(query)
    code = normalize(query)
    day = today or china_today()
    with engine.connect() as conn:
        store.bound_index_scans(conn, 2 * COUNT_BOUND)
        identified = store.by_identifier(conn, code) if code else []
        # Every name holding the key, up to the count's bound (SQLite: the index's rowids
        # alone; PostgreSQL: the rows read, with their keys); the first CANDIDATES of them, with
        # those starting with the key, are ranked on their search keys alone; whole rows are
        # read for the page shown only.
        contained = (
            store.containing(conn, key, COUNT_BOUND + 1)
            if len(key) >= TRIGRAM
            else store.having_gram(conn, key, COUNT_BOUND + 1)
        )
        exact = len(contained) <= COUNT_BOUND
        matched = set(identified) | {i for i, _ in contained[:COUNT_BOUND]}
        keys = store.starting_with(conn, key, CANDIDATES)
        keys |= {i: k for i, k in contained[:CANDIDATES] if k is not None}
        keys |= store.search_keys(conn, [i for i, _ in contained[:CANDIDATES] if i not in keys])
        ranked = sorted(
            (_REASONS.index(reason), len(name_key), subject_id, reason)
            for subject_id, name_key in keys.items()
            if subject_id not in identified
            for reason in (_reason(name_key, key),)
        )
        ranked[:0] = [(0, 0, subject_id, "identifier") for subject_id in identified]
        if public:
            # A person is found by the full identity number only, never browsed by name.
            shown = records.published_subjects(conn, identified, day) | (
                records.published_subjects(conn, [r[2] for r in ranked[len(identified) :]],
                                           day, organisations=True)
            )  # fmt: skip
            ranked = [r for r in ranked if r[2] in shown]
        if matched <= keys.keys() | set(identified):
            count = len(ranked)  # every name found was ranked (and, publicly, filtered)
        elif public:
            count = len(
                records.published_subjects(conn, list(matched - set(identified)), day,
                                           organisations=True)
                | ({r[2] for r in ranked if r[3] == "identifier"})
            )  # fmt: skip
        else:
            count = len(matched)
        page = ranked[offset : offset + limit]
        rows = store.subjects_by_id(conn, [r[2] for r in page])
        hits: list[SearchHit] = []
        for _, _, subject_id, reason in page:
            if (row := rows.get(subject_id)) is None:
                continue  # deleted since it was ranked
            name, identifier = row["name"], row["identifier"]
            if public:
                natural = row["kind"] == "natural-person"
                identifier = mask_identifier(identifier, row["identifier_type"])
                name = mask_name(name) if natural else name
                # An organisation's code is public: shown whole (not taken for a person's).
                keep = organisation_codes(
                    [(row["kind"], row["identifier"], row["identifier_type"])]
                )
                name, identifier = mask_deep((name, identifier), keep)
            hits.append(SearchHit(subject_id, row["kind"], name, identifier, reason))
    return SearchResult(
        query=mask_deep(query) if public else query,
        key=mask_deep(key) if public else key,
        hits=hits,
        limit=limit,
        offset=offset,
        has_more=len(ranked) > offset + limit,
        count=count,
        count_exact=exact,
        short_query=len(key) < TRIGRAM,
    )


def _reason(name_key: str, key: str) -> str:
    """How a name that holds ``key`` holds it: equal, as its brand (after the region), at its
    start, or elsewhere."""
    if name_key == key:
        return "name"
    at = name_key.find(key)
    if at == 0:
        return "prefix"
    if at > 0 and is_region(name_key[:at]):
        return "brand"
    return "contains"
