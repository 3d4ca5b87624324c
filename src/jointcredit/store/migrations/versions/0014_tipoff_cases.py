"""Reports (举报) become cases: who handles one, how it ended, its time limit, the receipt code
the reporter follows it with, and its history in workflow_events

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 00:00:00
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

from jointcredit.clock import china_day
from jointcredit.rules.workdays import add_workdays
from jointcredit.store.triggers import change_check_in_place

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_STATUSES_OLD = "status IN ('received', 'in-review', 'closed')"
_STATUSES_NEW = "status IN ('received', 'assigned', 'investigating', 'closed')"
_OUTCOMES = "outcome IS NULL OR outcome IN ('substantiated', 'unsubstantiated', 'referred')"

_WORKFLOWS_OLD = "'proposal', 'objection', 'repair'"
_WORKFLOWS_NEW = _WORKFLOWS_OLD + ", 'tipoff'"

#: The time limit existing reports get: fifteen working days from receipt (国家市场监督管理总局令
#: 第20号 Art 30, JOINTCREDIT_TIPOFF_DAYS' default). Fixed here so that the migration gives the
#: same answer whatever the settings of the process that runs it.
_TIPOFF_DAYS = 15

_reports = sa.table(
    "reports",
    sa.column("id", sa.Integer()),
    sa.column("received_at", sa.DateTime(timezone=True)),
    sa.column("due", sa.Date()),
    sa.column("due_estimated", sa.Boolean()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def _fill_existing() -> None:
    """Give every report received before this revision its due day and ``updated_at``."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(_reports.c.id, _reports.c.received_at)).all()
    for report_id, received in rows:
        if received.tzinfo is None:  # SQLite keeps UTC without the offset
            received = received.replace(tzinfo=dt.UTC)
        deadline = add_workdays(china_day(received), _TIPOFF_DAYS)
        bind.execute(
            sa.update(_reports)
            .where(_reports.c.id == report_id)
            .values(due=deadline.day, due_estimated=deadline.estimated, updated_at=received)
        )


def upgrade() -> None:
    change_check_in_place(op, "workflow_events", "workflow", _WORKFLOWS_OLD, _WORKFLOWS_NEW)
    with op.batch_alter_table("reports", schema=None) as batch:
        batch.add_column(sa.Column("handler", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("referred_to", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("due", sa.Date(), nullable=True))
        batch.add_column(sa.Column("due_estimated", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("receipt_digest", sa.String(length=64), nullable=True))
        batch.drop_constraint(op.f("ck_reports_status"), type_="check")
    # Nothing ever set 'in-review'; were there one, it is what "under investigation" now says.
    op.execute("UPDATE reports SET status = 'investigating' WHERE status = 'in-review'")
    _fill_existing()
    with op.batch_alter_table("reports", schema=None) as batch:
        batch.alter_column("due", existing_type=sa.Date(), nullable=False)
        batch.alter_column("due_estimated", existing_type=sa.Boolean(), nullable=False)
        batch.alter_column("updated_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.create_check_constraint("status", _STATUSES_NEW)
        batch.create_check_constraint("outcome", _OUTCOMES)
        batch.create_unique_constraint(batch.f("uq_reports_receipt_digest"), ["receipt_digest"])
        batch.create_index("ix_reports_department_status", ["department", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch:
        batch.drop_index("ix_reports_department_status")
        batch.drop_constraint(batch.f("uq_reports_receipt_digest"), type_="unique")
        batch.drop_constraint(op.f("ck_reports_outcome"), type_="check")
        batch.drop_constraint(op.f("ck_reports_status"), type_="check")
    op.execute(
        "UPDATE reports SET status = 'in-review' WHERE status IN ('assigned', 'investigating')"
    )
    with op.batch_alter_table("reports", schema=None) as batch:
        batch.create_check_constraint("status", _STATUSES_OLD)
        batch.drop_column("receipt_digest")
        batch.drop_column("updated_at")
        batch.drop_column("closed_at")
        batch.drop_column("overdue_at")
        batch.drop_column("due_estimated")
        batch.drop_column("due")
        batch.drop_column("referred_to")
        batch.drop_column("outcome")
        batch.drop_column("handler")
    # The reports' history stays (it is append-only); the older schema just adds no more of it.
    # Narrowing keeps the reports' history already written (new rows only are checked).
    change_check_in_place(
        op, "workflow_events", "workflow", _WORKFLOWS_NEW, _WORKFLOWS_OLD, validate=False
    )
