"""Subject search on one box: by name or identifier, for the public portal and departments.

What people type is turned into a search key (:mod:`jointcredit.rules.searchtext`: half-width,
simplified, no spaces or punctuation) and matched three ways, each on an index:

1. the identifier, exactly (a credit code, an ID number, a former registration number);
2. names that start with the key (a btree range);
3. names that contain it — the issue's 「云帆科技」 finding 「杭州云帆科技有限公司」 — on a trigram
   index (SQLite FTS5 ``trigram``, PostgreSQL ``pg_trgm``); keys of one or two characters are
   too short for a trigram index and find names that start with them only.

Ranking: identifier matches, then the name equal to the key, then names starting with it, then
names containing it; within each, shorter names first (the closer match), then the older subject.
Each way returns at most :data:`CANDIDATES` subjects, so a key that millions of names share costs
what a rare one does; a page beyond them is not offered (``has_more`` is false) — make the query
more specific.

The public sees only subjects that have a record it may see today (the subject page would answer
"not found" for the others); natural persons only when the query is their full identity number,
and then as the public subject page shows them: identity number masked, surname only. Every
string of a public result, the query echoed back included, passes through
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
from jointcredit.rules.searchtext import MAX_QUERY, search_key
from jointcredit.services.public import organisation_codes
from jointcredit.store import records
from jointcredit.store import search as store

#: How many subjects each way of matching returns at most.
CANDIDATES = 200
#: Trigram indexes need this many characters.
TRIGRAM = 3

_REASONS = ("identifier", "name", "prefix", "contains")


@dataclass(frozen=True, slots=True)
class SearchHit:
    subject_id: int
    kind: str
    name: str
    identifier: str
    reason: str  # identifier, name (equal), prefix, contains

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
    short_query: bool  # one or two characters: names starting with it only

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
        found: dict[int, str] = {}
        for subject_id in store.by_identifier(conn, code) if code else []:
            found.setdefault(subject_id, "identifier")
        for subject_id in store.starting_with(conn, key, CANDIDATES):
            found.setdefault(subject_id, "prefix")
        if len(key) >= TRIGRAM:
            for subject_id in store.containing(conn, key, CANDIDATES):
                found.setdefault(subject_id, "contains")
        rows = store.subjects_by_id(conn, list(found))
        ranked = []
        for subject_id, reason in found.items():
            row = rows.get(subject_id)
            if row is None:
                continue
            if reason == "prefix" and row["search_key"] == key:
                reason = "name"
            ranked.append((_REASONS.index(reason), row["key_length"] or 0, subject_id, reason))
        ranked.sort()
        hits: list[SearchHit] = []
        wanted = offset + limit + 1
        for _, _, subject_id, reason in ranked:
            if len(hits) >= wanted:
                break
            row = rows[subject_id]
            name, identifier = row["name"], row["identifier"]
            if public:
                natural = row["kind"] == "natural-person"
                # A person is found by the full identity number only, never browsed by name.
                if natural and reason != "identifier":
                    continue
                if not records.has_published_record(conn, subject_id, day):
                    continue
                identifier = mask_identifier(identifier, row["identifier_type"])
                name = mask_name(name) if natural else name
                # An organisation's code is public: shown whole (not taken for a person's).
                keep = organisation_codes(
                    [(row["kind"], row["identifier"], row["identifier_type"])]
                )
                name, identifier = mask_deep((name, identifier), keep)
            hits.append(SearchHit(subject_id, row["kind"], name, identifier, reason))
    page = hits[offset : offset + limit]
    return SearchResult(
        query=mask_deep(query) if public else query,
        key=mask_deep(key) if public else key,
        hits=page,
        limit=limit,
        offset=offset,
        has_more=len(hits) > offset + limit,
        short_query=len(key) < TRIGRAM,
    )
