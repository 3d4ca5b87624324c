"""``jointcredit ids``: validate and mask identifiers given on the command line."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from jointcredit.identifiers import check, mask_identifier

app = typer.Typer(help="Identifiers: validate, normalise, mask.", no_args_is_help=True)

_Codes = Annotated[
    list[str], typer.Argument(help="Identifiers, one per argument.", show_default=False)
]


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@app.command()
def validate(
    codes: _Codes,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON array, one object per identifier.")
    ] = False,
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            metavar="YYYY-MM-DD",
            help="Check birth dates as of this day instead of the current date.",
        ),
    ] = None,
) -> None:
    """Recognise and validate identifiers; exit status 1 when any is invalid."""
    day = _parse_day(today)
    results = [check(code, today=day) for code in codes]
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
    else:
        # The normalised form is what gets stored, so it leads; the input only shows where it
        # differs. Codes fold rather than end in an ellipsis: a cut-off code cannot be checked.
        table = Table(
            Column("identifier", overflow="fold", min_width=18),
            Column("type", overflow="fold"),
            "valid",
            Column("error / warnings", ratio=1),
        )
        for r in results:
            shown = escape(r.normalized) or "[dim](empty)[/dim]"
            if r.input != r.normalized:
                shown += f"\n[dim]input: {escape(r.input)}[/dim]"
            notes = r.error if r.error is not None else "\n".join(r.warnings)
            table.add_row(
                shown,
                r.type or "—",
                "[green]yes[/green]" if r.valid else "[red]no[/red]",
                escape(notes),
            )
        Console().print(table)
    if not all(r.valid for r in results):
        raise typer.Exit(code=1)


@app.command()
def mask(codes: _Codes) -> None:
    """Print each identifier as public pages show it: personal identifiers masked.

    An identifier whose type cannot be told is masked entirely.
    """
    for code in codes:
        result = check(code)
        typer.echo(mask_identifier(result.normalized, result.type))
