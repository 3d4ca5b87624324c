"""The feed's order by commit: messages.position, given to a message once it is committed;
an index for the worker's search for expired list entries

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 19:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("position", sa.BigInteger(), nullable=True))
    # Messages written before this revision are committed: their ids are their order.
    op.execute("UPDATE messages SET position = id")
    op.create_index(
        "ix_messages_department_position", "messages", ["department", "position"], unique=False
    )
    op.create_index("ix_messages_position", "messages", ["position"], unique=True)
    op.create_index("ix_credit_records_kind_valid_until", "credit_records", ["kind", "valid_until"])


def downgrade() -> None:
    op.drop_index("ix_credit_records_kind_valid_until", table_name="credit_records")
    op.drop_index("ix_messages_position", table_name="messages")
    op.drop_index("ix_messages_department_position", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("position")
