"""Security: import jobs that can be interrupted (their process and heartbeat), departments'
own key pairs for reporters' identities, and shared counters of unauthenticated writes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jointcredit.store.triggers import change_check_in_place

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OLD = "status IN ('running', 'finished', 'failed')"
_NEW = "status IN ('running', 'finished', 'failed', 'interrupted')"


# Record statuses: ``expired``, a list entry past its ``valid_until`` ended by the worker.
_RECORD_STATUSES_OLD = "'active', 'disputed', 'cancelled', 'revoked', 'withdrawn', 'repaired'"
_RECORD_STATUSES_NEW = _RECORD_STATUSES_OLD + ", 'expired'"


def upgrade() -> None:
    change_check_in_place(
        op, "credit_records", "status", _RECORD_STATUSES_OLD, _RECORD_STATUSES_NEW
    )
    with op.batch_alter_table("import_jobs", schema=None) as batch:
        batch.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch.drop_constraint(op.f("ck_import_jobs_status"), type_="check")
        batch.create_check_constraint("status", _NEW)
    op.create_table(
        "department_keys",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("private_sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_department_keys_key_id")),
    )
    op.create_index(
        op.f("ix_department_keys_department"), "department_keys", ["department"], unique=False
    )
    op.create_table(
        "rate_counters",
        sa.Column("bucket", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start", name=op.f("pk_rate_counters")),
    )


def downgrade() -> None:
    # An expired entry was active: its history keeps the worker's row saying when it ended.
    op.execute("UPDATE credit_records SET status = 'active' WHERE status = 'expired'")
    change_check_in_place(
        op, "credit_records", "status", _RECORD_STATUSES_NEW, _RECORD_STATUSES_OLD
    )
    op.drop_table("rate_counters")
    op.drop_index(op.f("ix_department_keys_department"), table_name="department_keys")
    op.drop_table("department_keys")
    op.execute("UPDATE import_jobs SET status = 'failed' WHERE status = 'interrupted'")
    with op.batch_alter_table("import_jobs", schema=None) as batch:
        batch.drop_constraint(op.f("ck_import_jobs_status"), type_="check")
        batch.create_check_constraint("status", _OLD)
        batch.drop_column("heartbeat_at")
        batch.drop_column("host")
        batch.drop_column("pid")
