"""``jointcredit summary``: what the registry holds."""

from __future__ import annotations

import typer

from jointcredit.cli.common import DatabaseOption, console, handle_errors, print_json
from jointcredit.cli.tables import CliTable
from jointcredit.services.registry import open_registry
from jointcredit.services.registry import summary as registry_summary


@handle_errors
def summary(
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
    database: str | None = DatabaseOption,
) -> None:
    """Count subjects, records, relations and history in the registry."""
    engine = open_registry(database)
    counts = registry_summary(engine)
    if as_json:
        print_json(counts)
        return
    table = CliTable(title=f"registry {engine.url.render_as_string(hide_password=True)}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in sorted(counts.items()):
        table.add_row(key, f"{value:,}")
    console.print(table)
