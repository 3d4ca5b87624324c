"""``jointcredit subjects``: what the registry holds on a subject."""

from __future__ import annotations

import typer

from jointcredit.access import OPERATOR
from jointcredit.cli.common import DatabaseOption, console, handle_errors, print_json
from jointcredit.cli.tables import CliTable
from jointcredit.services.registry import open_registry, subject_report

app = typer.Typer(help="Subjects: organisations and persons in the registry.", no_args_is_help=True)


@app.command("show")
@handle_errors
def show(
    identifier: str = typer.Argument(..., help="USCC, resident identity number or legacy code."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    masked: bool = typer.Option(
        False, "--masked", help="Mask personal identifiers as public pages do."
    ),
    database: str | None = DatabaseOption,
) -> None:
    """Show a subject with its identifiers, relations and credit records.

    A read of shared data: recorded in the audit log (read-subject, by the operator)."""
    report = subject_report(open_registry(database), identifier, by=OPERATOR, masked=masked)
    if as_json:
        print_json(report.to_dict())
        return
    s = report.subject
    console.print(f"[bold]{s['name']}[/]  {s['kind']}  {s['identifier']}", highlight=False)
    console.print(
        "identifiers: " + ", ".join(f"{i['type']} {i['value']}" for i in report.identifiers),
        highlight=False,
    )
    for rel in report.relations:
        until = rel["valid_until"] or "…"
        console.print(
            f"{rel['role']}: {rel['other_name']} ({rel['other_identifier']}) "
            f"{rel['valid_from']} – {until}",
            highlight=False,
        )
    table = CliTable(title=f"{len(report.records)} credit records")
    for column in (
        "kind",
        "decided",
        "document",
        "authority",
        "category",
        "severity",
        "status",
        "version",
    ):
        table.add_column(column, cjk=column in ("authority", "category"))
    for r in report.records:
        table.add_row(
            r["kind"],
            r["decision_date"],
            r["document_number"],
            r["issuing_authority"],
            r["category"] or "",
            r["severity"] or "",
            r["status"],
            str(r["version"]),
        )
    console.print(table)


@app.command("search")
@handle_errors
def search_command(
    query: str = typer.Argument(
        ...,
        help="A name, part of one (one character or more), or an "
        "identifier; traditional characters and full-width forms too.",
    ),
    limit: int = typer.Option(20, min=1, max=100, help="Hits to show."),
    offset: int = typer.Option(0, min=0, help="Hits to skip (paging)."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
    database: str | None = DatabaseOption,
) -> None:
    """Search subjects by name or identifier: the same hits as the portal's search form and
    GET /api/v1/search (the public view), best match first."""
    from jointcredit.services import search

    result = search.search(open_registry(database), query, limit=limit, offset=offset)
    if as_json:
        print_json(result.to_dict())
        return
    count = f"{result.count}" if result.count_exact else f"more than {result.count}"
    table = CliTable(title=f"{count} found for {result.key}")
    for column in ("#", "name", "kind", "identifier", "match"):
        table.add_column(column, cjk=column == "name")
    for n, hit in enumerate(result.hits, result.offset + 1):
        table.add_row(str(n), hit.name, hit.kind, hit.identifier, hit.reason)
    console.print(table)
