"""Queries of subject search: exact identifiers, names starting with a key, names containing it.

Each query returns at most ``cap`` subject ids and stops there, so that a key shared by millions
of names ("有限公司") costs no more than a rare one; the service ranks what they return.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, RowMapping, select, text, union

from jointcredit.store.tables import subject_identifiers, subjects

#: Above every character a search key can hold: the upper bound of a prefix range.
_TOP = "\U0010ffff"


def by_identifier(conn: Connection, code: str) -> list[int]:
    """Subjects that hold the identifier ``code`` (as their own or a former one)."""
    query = union(
        select(subjects.c.id).where(subjects.c.identifier == code),
        select(subject_identifiers.c.subject_id).where(subject_identifiers.c.value == code),
    )
    return [int(i) for i in conn.execute(query).scalars()]


def starting_with(conn: Connection, key: str, cap: int) -> dict[int, str]:
    """Subjects whose search key starts with ``key``, at most ``cap`` of them, with their keys
    (a range on the btree index: no scan; on SQLite the index alone answers)."""
    query = (
        select(subjects.c.id, subjects.c.search_key)
        .where(subjects.c.search_key >= key, subjects.c.search_key < key + _TOP)
        .order_by(subjects.c.search_key)
        .limit(cap)
    )
    return {int(i): k for i, k in conn.execute(query)}


def search_keys(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    """The search keys of subjects ``ids``: what ranking reads (the rest of a row only for the
    page shown)."""
    if not ids:
        return {}
    query = select(subjects.c.id, subjects.c.search_key).where(subjects.c.id.in_(list(ids)))
    return {int(i): k or "" for i, k in conn.execute(query)}


def containing(conn: Connection, key: str, cap: int) -> list[tuple[int, str | None]]:
    """Subjects whose search key contains ``key`` (three characters or more: the indexes are
    trigram indexes), at most ``cap`` of them, each with its search key where the query read
    the row anyway (PostgreSQL), else None (SQLite's index gives the rowid alone)."""
    if conn.dialect.name == "sqlite":
        # A phrase in double quotes is a substring match for the trigram tokenizer.
        phrase = '"' + key.replace('"', '""') + '"'
        rows = conn.execute(
            text("SELECT rowid FROM subjects_fts WHERE subjects_fts MATCH :phrase LIMIT :cap"),
            {"phrase": phrase, "cap": cap},
        )
        return [(int(i), None) for i in rows.scalars().all()]
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = (
        select(subjects.c.id, subjects.c.search_key)
        .where(subjects.c.search_key.like(pattern))
        .limit(cap)
    )
    return [(int(i), k) for i, k in conn.execute(query)]


def subjects_by_id(conn: Connection, ids: Sequence[int]) -> dict[int, RowMapping]:
    if not ids:
        return {}
    query = select(
        subjects.c.id,
        subjects.c.kind,
        subjects.c.name,
        subjects.c.identifier,
        subjects.c.identifier_type,
    ).where(subjects.c.id.in_(list(ids)))
    return {int(r["id"]): r for r in conn.execute(query).mappings()}


def scan(conn: Connection, key: str, cap: int) -> list[int]:
    """The same as :func:`containing` without an index: ``LIKE '%…%'`` over every name (for the
    benchmark's comparison only)."""
    query = select(subjects.c.id).where(subjects.c.name.like(f"%{key}%")).limit(cap)
    return [int(i) for i in conn.execute(query).scalars()]


def having_gram(conn: Connection, gram: str, cap: int) -> list[tuple[int, str | None]]:
    """Subjects whose search key contains ``gram`` (a key of one or two characters, found
    anywhere in the name on the grams index), at most ``cap`` of them, each with its search key
    where the query read the row anyway (PostgreSQL), else None."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(
            text("SELECT rowid FROM subjects_grams WHERE subjects_grams MATCH :q LIMIT :cap"),
            {"q": '"' + gram.replace('"', '""') + '"', "cap": cap},
        )
        return [(int(i), None) for i in rows.scalars().all()]
    # The cheap test first: where the planner reads the table (a gram in a name of twenty:
    # the LIMIT comes within a few thousand rows), strpos decides each row, not an array built
    # of it; where it takes the GIN index (a rarer gram), the index has decided.
    rows = conn.execute(
        text(
            "SELECT id, search_key FROM subjects "
            "WHERE strpos(search_key, CAST(:gram AS text)) > 0 "
            "AND string_to_array(search_grams, ' ') @> ARRAY[CAST(:gram AS text)] LIMIT :cap"
        ),
        {"gram": gram, "cap": cap},
    )
    return [(int(i), k) for i, k in rows]


def bound_index_scans(conn: Connection, rows: int) -> None:
    """On PostgreSQL, let a GIN index scan of this transaction stop near ``rows`` rows: a key
    millions of names share ("有限", "公司") would otherwise gather them all before the LIMIT
    (``gin_fuzzy_search_limit``: the rows kept are then a sample, never more than there are)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SET LOCAL gin_fuzzy_search_limit = {int(rows)}"))
