"""Short-key search: subjects.search_grams (the search key's one- and two-character
substrings) and an index of them per database (SQLite: FTS5 table kept by triggers;
PostgreSQL: GIN over the grams as an array)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jointcredit.rules.searchtext import search_grams

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: SQLite: an external-content FTS5 table over subjects.search_grams, one token per gram (the
#: ascii tokenizer splits on ASCII spaces and punctuation only; grams hold neither), without
#: positions (detail=none: a gram is looked up whole); kept in step by triggers, in the writing
#: transaction.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE subjects_grams USING fts5(search_grams, content='subjects', "
    "content_rowid='id', tokenize='ascii', detail='none')",
    "CREATE TRIGGER subjects_grams_insert AFTER INSERT ON subjects BEGIN "
    "INSERT INTO subjects_grams(rowid, search_grams) VALUES (new.id, new.search_grams); END",
    "CREATE TRIGGER subjects_grams_delete AFTER DELETE ON subjects BEGIN "
    "INSERT INTO subjects_grams(subjects_grams, rowid, search_grams) "
    "VALUES ('delete', old.id, old.search_grams); END",
    "CREATE TRIGGER subjects_grams_update AFTER UPDATE OF search_grams ON subjects BEGIN "
    "INSERT INTO subjects_grams(subjects_grams, rowid, search_grams) "
    "VALUES ('delete', old.id, old.search_grams); "
    "INSERT INTO subjects_grams(rowid, search_grams) VALUES (new.id, new.search_grams); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS subjects_grams_update",
    "DROP TRIGGER IF EXISTS subjects_grams_delete",
    "DROP TRIGGER IF EXISTS subjects_grams_insert",
    "DROP TABLE IF EXISTS subjects_grams",
]
#: PostgreSQL: the grams as an array, in a GIN index the planner uses for ``@>``.
POSTGRES_INDEX = (
    "CREATE INDEX ix_subjects_search_grams ON subjects "
    "USING gin (string_to_array(search_grams, ' '))"
)


def _backfill() -> None:
    bind = op.get_bind()
    subjects = sa.table(
        "subjects", sa.column("id", sa.Integer), sa.column("search_key"), sa.column("search_grams")
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(subjects.c.id, subjects.c.search_key)
            .where(subjects.c.id > last)
            .order_by(subjects.c.id)
            .limit(10_000)
        ).all()
        if not rows:
            return
        bind.execute(
            subjects.update()
            .where(subjects.c.id == sa.bindparam("sid"))
            .values(search_grams=sa.bindparam("grams")),
            [{"sid": r.id, "grams": search_grams(r.search_key or "")} for r in rows],
        )
        last = rows[-1].id


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("subjects") as batch:
        batch.add_column(sa.Column("search_grams", sa.Text(), nullable=True))
    _backfill()
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
        op.execute("INSERT INTO subjects_grams(subjects_grams) VALUES ('rebuild')")
    if dialect == "postgresql":
        op.execute(POSTGRES_INDEX)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_subjects_search_grams")
    if dialect == "sqlite":
        for statement in SQLITE_DROP:
            op.execute(statement)
    with op.batch_alter_table("subjects") as batch:
        batch.drop_column("search_grams")
