"""Risk-based random inspection (双随机、一公开): plans with their published seed, and the
population each drew from, with the drawn subjects' inspectors and results

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "inspection_plans",
        sa.Column("id", _ID, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.String(length=128), nullable=False),
        sa.Column("filter", _JSON, nullable=False),
        sa.Column("rates", _JSON, nullable=False),
        sa.Column("inspectors", _JSON, nullable=False),
        sa.Column("team", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("drawn", sa.Integer(), nullable=False),
        sa.Column("unassigned", sa.Integer(), nullable=False),
        sa.Column("population_digest", sa.String(length=64), nullable=False),
        sa.Column("counts", _JSON, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("results_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'closed')", name=op.f("ck_inspection_plans_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plans")),
        sa.UniqueConstraint("code", name=op.f("uq_inspection_plans_code")),
    )
    op.create_table(
        "inspection_items",
        sa.Column("id", _ID, nullable=False),
        sa.Column("plan_id", _ID, nullable=False),
        sa.Column("subject_id", _ID, nullable=False),
        sa.Column("identifier", sa.String(length=64), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.Column("draw", sa.String(length=16), nullable=False),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column("inspectors", _JSON, nullable=True),
        sa.Column("result", sa.String(length=24), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("result_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["inspection_plans.id"],
            name=op.f("fk_inspection_items_plan_id_inspection_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_inspection_items_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_items")),
        sa.UniqueConstraint(
            "plan_id", "subject_id", name=op.f("uq_inspection_items_plan_id_subject_id")
        ),
    )
    op.create_index(
        "ix_inspection_items_plan_id_selected",
        "inspection_items",
        ["plan_id", "selected"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_inspection_items_plan_id_selected", table_name="inspection_items")
    op.drop_table("inspection_items")
    op.drop_table("inspection_plans")
