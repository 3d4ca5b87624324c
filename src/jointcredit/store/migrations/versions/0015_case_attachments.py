"""Casework: attachments of every kind of case (documents, photographs), kept append-only with
their SHA-256 (the audit chain records the digest of each)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jointcredit.store.triggers import append_only, drop_append_only

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# The kinds of case as this revision knows them; the vocabulary may grow later.
_KINDS = "workflow IN ('objection', 'repair', 'proposal', 'tipoff')"


def upgrade() -> None:
    op.create_table(
        "case_attachments",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workflow", sa.String(length=16), nullable=False),
        sa.Column("item_id", _ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_KINDS, name=op.f("ck_case_attachments_workflow")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_attachments")),
    )
    op.create_index(
        "ix_case_attachments_workflow_item_id", "case_attachments", ["workflow", "item_id", "id"]
    )
    append_only(op, "case_attachments")


def downgrade() -> None:
    drop_append_only(op, "case_attachments")
    op.drop_index("ix_case_attachments_workflow_item_id", table_name="case_attachments")
    op.drop_table("case_attachments")
