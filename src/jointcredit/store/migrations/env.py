"""Alembic environment: runs on the connection that jointcredit.store.migrate hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from jointcredit.store.tables import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `jointcredit db upgrade`, not the alembic CLI")
_run(connection)
