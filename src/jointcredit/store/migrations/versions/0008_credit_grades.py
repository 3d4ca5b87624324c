"""Public credit comprehensive evaluation: current grades, their append-only history, and the
grading runs' high-water marks

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from jointcredit.store.triggers import append_only, drop_append_only

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "credit_grades",
        sa.Column("id", _ID, nullable=False),
        sa.Column("subject_id", _ID, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(length=8), nullable=False),
        sa.Column("scorecard", sa.String(length=80), nullable=False),
        sa.Column("explanation", _JSON, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("stale_on", sa.Date(), nullable=True),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_credit_grades_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_grades")),
        sa.UniqueConstraint("subject_id", name=op.f("uq_credit_grades_subject_id")),
    )
    op.create_index("ix_credit_grades_stale_on", "credit_grades", ["stale_on"], unique=False)
    op.create_index("ix_credit_grades_grade", "credit_grades", ["grade"], unique=False)
    op.create_table(
        "credit_grade_history",
        sa.Column("id", _ID, nullable=False),
        sa.Column("subject_id", _ID, nullable=False),
        sa.Column("grade_before", sa.String(length=8), nullable=True),
        sa.Column("grade_after", sa.String(length=8), nullable=False),
        sa.Column("score_before", sa.Float(), nullable=True),
        sa.Column("score_after", sa.Float(), nullable=False),
        sa.Column("scorecard", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_credit_grade_history_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_grade_history")),
    )
    op.create_index(
        "ix_credit_grade_history_subject_id_id",
        "credit_grade_history",
        ["subject_id", "id"],
        unique=False,
    )
    append_only(op, "credit_grade_history")
    op.create_table(
        "credit_grade_runs",
        sa.Column("id", _ID, nullable=False),
        sa.Column("scorecard", sa.String(length=80), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("mark", sa.BigInteger(), nullable=False),
        sa.Column("gaps", _JSON, nullable=False),
        sa.Column("subjects", sa.BigInteger(), nullable=False),
        sa.Column("changed", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_grade_runs")),
    )


def downgrade() -> None:
    op.drop_table("credit_grade_runs")
    drop_append_only(op, "credit_grade_history")
    op.drop_index("ix_credit_grade_history_subject_id_id", table_name="credit_grade_history")
    op.drop_table("credit_grade_history")
    op.drop_index("ix_credit_grades_grade", table_name="credit_grades")
    op.drop_index("ix_credit_grades_stale_on", table_name="credit_grades")
    op.drop_table("credit_grades")
