"""Search: on PostgreSQL the btree of search keys also holds the subject's id, so that names
starting with a key are read from the index alone (SQLite's index holds the rowid already)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_subjects_search_key", table_name="subjects")
        op.create_index(
            "ix_subjects_search_key", "subjects", ["search_key"], postgresql_include=["id"]
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_subjects_search_key", table_name="subjects")
        op.create_index("ix_subjects_search_key", "subjects", ["search_key"])
