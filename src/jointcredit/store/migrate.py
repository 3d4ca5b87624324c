"""Schema migrations (Alembic), run on start-up or by ``jointcredit db upgrade``."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


def alembic_config(**attributes: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", "jointcredit.store:migrations")
    config.attributes.update(attributes)
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema of ``engine``'s database up to ``revision``."""
    with engine.begin() as conn:
        command.upgrade(alembic_config(connection=conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        command.downgrade(alembic_config(connection=conn), revision)


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration from the difference between the database and the model."""
    with engine.begin() as conn:
        command.revision(alembic_config(connection=conn), message=message, autogenerate=True)
