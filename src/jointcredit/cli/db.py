"""``jointcredit db``: schema migrations."""

from __future__ import annotations

import typer

from jointcredit.cli.common import DatabaseOption, console, handle_errors
from jointcredit.settings import get_settings
from jointcredit.store import migrate
from jointcredit.store.db import make_engine

app = typer.Typer(help="The registry database: migrations and status.", no_args_is_help=True)


@app.command("upgrade")
@handle_errors
def upgrade(
    revision: str = typer.Argument("head", help="Target revision."),
    database: str | None = DatabaseOption,
) -> None:
    """Create the schema or bring it up to date."""
    engine = make_engine(database or get_settings().resolved_database_url())
    before = migrate.current_revision(engine)
    migrate.upgrade(engine, revision)
    after = migrate.current_revision(engine)
    console.print(
        f"{engine.url.render_as_string(hide_password=True)}: {before or 'empty'} → {after}"
    )


@app.command("current")
@handle_errors
def current(database: str | None = DatabaseOption) -> None:
    """Show the schema revision of the database and of the code."""
    engine = make_engine(database or get_settings().resolved_database_url())
    console.print(f"database: {migrate.current_revision(engine) or 'empty'}")
    console.print(f"code:     {migrate.head_revision()}")
