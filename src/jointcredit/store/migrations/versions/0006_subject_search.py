"""Subject search: subjects.search_key, a btree for prefixes, and a substring index per
database (SQLite: FTS5 trigram table kept by triggers; PostgreSQL: pg_trgm GIN)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 20:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jointcredit.rules.searchtext import search_key

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: SQLite: an external-content FTS5 table over subjects.search_key; the triggers keep it in step
#: with every insert, change and delete, in the same transaction.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE subjects_fts USING fts5(search_key, content='subjects', "
    "content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER subjects_fts_insert AFTER INSERT ON subjects BEGIN "
    "INSERT INTO subjects_fts(rowid, search_key) VALUES (new.id, new.search_key); END",
    "CREATE TRIGGER subjects_fts_delete AFTER DELETE ON subjects BEGIN "
    "INSERT INTO subjects_fts(subjects_fts, rowid, search_key) "
    "VALUES ('delete', old.id, old.search_key); END",
    "CREATE TRIGGER subjects_fts_update AFTER UPDATE OF search_key ON subjects BEGIN "
    "INSERT INTO subjects_fts(subjects_fts, rowid, search_key) "
    "VALUES ('delete', old.id, old.search_key); "
    "INSERT INTO subjects_fts(rowid, search_key) VALUES (new.id, new.search_key); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS subjects_fts_update",
    "DROP TRIGGER IF EXISTS subjects_fts_delete",
    "DROP TRIGGER IF EXISTS subjects_fts_insert",
    "DROP TABLE IF EXISTS subjects_fts",
]


def _backfill() -> None:
    bind = op.get_bind()
    subjects = sa.table(
        "subjects", sa.column("id", sa.Integer), sa.column("name"), sa.column("search_key")
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(subjects.c.id, subjects.c.name)
            .where(subjects.c.id > last)
            .order_by(subjects.c.id)
            .limit(10_000)
        ).all()
        if not rows:
            return
        bind.execute(
            subjects.update()
            .where(subjects.c.id == sa.bindparam("sid"))
            .values(search_key=sa.bindparam("key")),
            [{"sid": r.id, "key": search_key(r.name)} for r in rows],
        )
        last = rows[-1].id


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("subjects") as batch:
        batch.add_column(sa.Column("search_key", sa.String(length=400), nullable=True))
    _backfill()
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
        op.execute("INSERT INTO subjects_fts(subjects_fts) VALUES ('rebuild')")
    op.create_index("ix_subjects_search_key", "subjects", ["search_key"])
    if dialect == "postgresql":
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
        # In schema public, so that every schema's search path can name its operator class.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        op.execute(
            "CREATE INDEX ix_subjects_search_key_trgm ON subjects "
            "USING gin (search_key public.gin_trgm_ops)"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_subjects_search_key_trgm")
    if dialect == "sqlite":
        for statement in SQLITE_DROP:
            op.execute(statement)
    op.drop_index("ix_subjects_search_key", table_name="subjects")
    with op.batch_alter_table("subjects") as batch:
        batch.drop_column("search_key")
