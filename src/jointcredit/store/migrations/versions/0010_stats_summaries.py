"""Summary tables of the statistics (records per month, checks per month, messages per day,
the records' changes to fold in, the sources' marks, stale months), and the indexes that count
a month or a day again and find a period's uploads in the audit log (a partial index)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 09:00:00

The tables start empty: the first ``jointcredit stats refresh`` (or the first statistics read)
counts everything (docs/tracking.md gives the time it took on fifty million records).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "stats_records",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("division", sa.String(length=6), nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("with_due", sa.BigInteger(), nullable=False),
        sa.Column("missed", sa.BigInteger(), nullable=False),
        sa.Column("fields_filled", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "department", "kind", "division", name=op.f("pk_stats_records")
        ),
    )
    op.create_table(
        "stats_checks",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("matter", sa.String(length=64), nullable=False),
        sa.Column("checks", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("month", "department", "matter", name=op.f("pk_stats_checks")),
    )
    op.create_table(
        "stats_pushes",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("lag", sa.Integer(), nullable=False),
        sa.Column("messages", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "department", "event", "lag", name=op.f("pk_stats_pushes")),
    )
    op.create_table(
        "stats_sources",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("mark", sa.BigInteger(), nullable=False),
        sa.Column("gaps", _JSON, nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_stats_sources")),
    )
    op.create_table(
        "stats_deltas",
        sa.Column("id", _ID, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("division", sa.String(length=6), nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("with_due", sa.BigInteger(), nullable=False),
        sa.Column("missed", sa.BigInteger(), nullable=False),
        sa.Column("fields_filled", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_deltas")),
        # Folded rows are deleted: SQLite must not hand their ids out again.
        sqlite_autoincrement=True,
    )
    op.create_table(
        "stats_stale",
        sa.Column("id", _ID, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_stale")),
    )
    op.create_index("ix_credit_records_recorded_at", "credit_records", ["recorded_at"])
    op.create_index("ix_messages_created_at", "messages", ["created_at"])
    op.create_index(
        "ix_audit_log_submit_file_at",
        "audit_log",
        ["at"],
        sqlite_where=sa.text("action = 'submit-file'"),
        postgresql_where=sa.text("action = 'submit-file'"),
    )


def downgrade() -> None:
    op.drop_index("ix_audit_log_submit_file_at", table_name="audit_log")
    op.drop_index("ix_messages_created_at", table_name="messages")
    op.drop_index("ix_credit_records_recorded_at", table_name="credit_records")
    for table in (
        "stats_stale",
        "stats_deltas",
        "stats_sources",
        "stats_pushes",
        "stats_records",
        "stats_checks",
    ):
        op.drop_table(table)
