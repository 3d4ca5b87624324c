"""Migrations: from empty to head and back on both databases, and in step with the model."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, insert, inspect, select, text, update
from sqlalchemy.exc import DatabaseError

from jointcredit.store import migrate
from jointcredit.store.db import make_engine
from jointcredit.store.tables import metadata, record_history


def test_upgrade_from_empty_downgrade_and_again(db_url: str) -> None:
    engine = make_engine(db_url)
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert not set(metadata.tables) & set(inspect(engine).get_table_names())
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()


#: What the migrations make per database and the model cannot say: the substring and short-key
#: indexes of subject search (FTS5 tables on SQLite, GIN indexes on PostgreSQL).
_PER_DATABASE = (
    "subjects_fts",
    "ix_subjects_search_key_trgm",
    "subjects_grams",
    "ix_subjects_search_grams",
)


def _modelled(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
    return not (reflected and other is None and (name or "").startswith(_PER_DATABASE))


def test_migrations_match_the_model(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": _modelled}
        )
        diff = compare_metadata(context, metadata)
    assert diff == [], f"the model and the migrations differ: {diff}"


def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_record_history_is_append_only_in_the_database(db_url: str) -> None:
    """Even a direct SQL connection cannot rewrite or remove history."""
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO subjects (kind, name, identifier, identifier_type, created_at, "
                "updated_at)"
                " VALUES ('legal-person', '测试', 'X', 'uscc', :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO credit_records (kind, subject_id, natural_key, issuing_authority, "
                "source_system, document_number, decision_date, status, version, content_hash, "
                "recorded_at, updated_at) VALUES ('penalty', 1, 'k', 'a', 's', 'd', "
                ":day, 'active', 1, 'h', :now, :now)"
            ),
            {"now": now, "day": dt.date(2024, 1, 1)},
        )
        conn.execute(
            insert(record_history).values(
                record_id=1,
                version=1,
                event="created",
                status="active",
                content_hash="h",
                payload={},
                actor="test",
                recorded_at=now,
            )
        )
    for statement in (
        update(record_history).values(status="repaired"),
        record_history.delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(statement)
    with engine.connect() as conn:
        assert conn.execute(select(record_history.c.status)).scalars().all() == ["active"]


def _prefix_index(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                text(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_subjects_search_key' "
                    "AND schemaname = current_schema()"
                )
            ).scalar_one()
        )


def test_postgresql_prefix_index_holds_the_id(pg_url: str) -> None:
    """Names starting with a key are read from the btree alone (an index-only scan): the
    index holds the id as well as the search key."""
    engine = make_engine(pg_url)
    migrate.upgrade(engine)
    assert _prefix_index(engine).endswith("(search_key) INCLUDE (id)")
    migrate.downgrade(engine, "0012")
    assert _prefix_index(engine).endswith("(search_key)")
