"""``jointcredit export``: the upward files a node reports to the national platform (归集)."""

from __future__ import annotations

from pathlib import Path

import typer

from jointcredit.cli.common import DatabaseOption, console, handle_errors, print_json
from jointcredit.cli.objection import ByOption, operator
from jointcredit.cli.tables import CliTable
from jointcredit.services.exports import (
    CLI_NAMES,
    DEFAULT_GENERATION,
    ExportSummary,
    export_file,
    file_type_of,
)
from jointcredit.services.registry import open_registry

app = typer.Typer(
    help="Export what the node reports to the national platform (归集): publishable records in "
    "the national format, UTF-8 CSV with BOM or XLSX (docs/export.md).",
    no_args_is_help=True,
)

SinceOption = typer.Option(
    ...,
    "--since",
    help="Records whose current version was recorded on or after this day (China time), or "
    "whose publication began on or after it: YYYY-MM-DD.",
)
OutputOption = typer.Option(
    ..., "--output", "-o", help="The file to write: .csv (UTF-8 with BOM) or .xlsx."
)
JsonOption = typer.Option(False, "--json", help="Print one JSON object with the summary.")


def _run(
    name: str,
    since: str,
    output: Path,
    generation: str | None,
    as_json: bool,
    by: str | None,
    database: str | None,
) -> None:
    file_type_of(output, CLI_NAMES)  # refused before the registry is opened
    engine = open_registry(database)
    try:
        summary = export_file(
            engine, name, output, since=since, generation=generation, by=operator(by)
        )
    finally:
        engine.dispose()
    if as_json:
        print_json(summary.to_dict())
    else:
        _print(summary)


def _print(s: ExportSummary) -> None:
    what = s.kind if s.generation is None else f"{s.kind} ({s.generation} format)"
    table = CliTable(title=f"{what} export to {s.file}", show_header=False)
    table.add_column()
    table.add_column()
    rows: list[tuple[str, object]] = [
        ("since", s.since.isoformat()),
        ("publishable on", s.day.isoformat()),
        ("rows written", s.rows),
    ]
    rows += [(f"  {status}", n) for status, n in sorted(s.by_status.items())]
    rows += [
        ("withdrawals (not in the file)", s.withdrawal_count),
        ("left out (no column for the subject)", s.left_out_count),
        ("sha256", s.sha256),
        ("seconds", f"{s.seconds:.2f}"),
        ("audit entry", s.audit_entry),
    ]
    for label, value in rows:
        table.add_row(label, str(value))
    console.print(table)
    _listed(
        "records that left publication since then and that this file has no place for; "
        "withdraw them at the national platform",
        s.withdrawals,
        s.withdrawal_count,
    )
    _listed(
        "publishable records the 2016 template cannot carry (no column for their subject's "
        "identifier); report them in the current format",
        s.left_out,
        s.left_out_count,
    )


def _listed(intro: str, items: list[dict[str, object]], count: int) -> None:
    if not count:
        return
    console.print(f"  {intro}:", highlight=False, markup=False)
    for w in items:
        console.print(
            f"  {w['status']}: {w['document_number']} ({w['issuing_authority']}, "
            f"{w['decision_date']}), subject {w['subject']}",
            highlight=False,
            markup=False,
        )
    if count > len(items):
        console.print(
            f"  … and {count - len(items)} more (export with a later --since to see them)",
            highlight=False,
            markup=False,
        )


def _command(name: str, doc: str, format_help: str) -> None:
    """Register ``jointcredit export NAME``."""

    @handle_errors
    def command(
        since: str = SinceOption,
        output: Path = OutputOption,
        generation: str = typer.Option(DEFAULT_GENERATION, "--format", help=format_help),
        as_json: bool = JsonOption,
        by: str | None = ByOption,
        database: str | None = DatabaseOption,
    ) -> None:
        _run(name, since, output, generation, as_json, by, database)

    command.__doc__ = doc
    app.command(name)(command)


_GENERATIONS = "The national format's generation: current (2019) or 2016."
_command(
    "licensing",
    "Export publishable licensing decisions (national 28-field format, or the 2016 one).",
    _GENERATIONS,
)
_command(
    "penalties",
    "Export publishable penalty decisions (national 30-field format, or the 2016 one).",
    _GENERATIONS,
)
_command(
    "list-entries",
    "Export publishable red- and black-list entries (the generic list-entry format).",
    "List entries have one format (the generic one): only current, the default, is accepted.",
)

__all__ = ["app"]
