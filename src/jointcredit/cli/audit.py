"""``jointcredit audit``: verify the hash chain, read the log, a subject's query history."""

from __future__ import annotations

import json
from typing import Any

import typer

from jointcredit.access import OPERATOR
from jointcredit.cli.common import DatabaseOption, console, err_console, handle_errors, print_json
from jointcredit.cli.tables import CliTable
from jointcredit.identifiers.normalize import normalize
from jointcredit.services import audit as service
from jointcredit.services.registry import open_registry

app = typer.Typer(
    help="The audit log: verify its hash chain, list its rows, who checked a subject.",
    no_args_is_help=True,
)

JsonOption = typer.Option(False, "--json", help="Print the result as JSON.")
LimitOption = typer.Option(50, "--limit", min=1, help="Rows to show, newest first.")


@app.command("verify")
@handle_errors
def verify(as_json: bool = JsonOption, database: str | None = DatabaseOption) -> None:
    """Walk the chain from the first row; exit 1 naming the first row altered, removed or
    reordered."""
    result = service.verify(open_registry(database), by=OPERATOR)
    if as_json:
        print_json(result.to_dict())
    elif result.ok:
        head = result.head or "none (empty log)"
        console.print(f"{result.rows:,} rows, chain intact, head {head}", highlight=False)
    else:
        err_console.print(
            f"[bold red]chain broken at row {result.first_broken}:[/] {result.reason} "
            f"({result.rows:,} rows read)",
            highlight=False,
        )
    if not result.ok:
        raise typer.Exit(1)


def _when(at: str) -> str:
    """``2026-11-28T01:39:30.064518Z`` as ``2026-11-28 01:39:30`` (UTC) for a table."""
    return at[:19].replace("T", " ")


def _detail(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if value else ""


@app.command("log")
@handle_errors
def log(
    subject: str | None = typer.Option(None, "--subject", help="Only rows about this subject."),
    department: str | None = typer.Option(
        None, "--department", help="Only rows of this acting department."
    ),
    action: str | None = typer.Option(
        None, "--action", help="Only this action: check, screen, key-create, …"
    ),
    limit: int = LimitOption,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """The audit log's rows, newest first."""
    rows = service.page(
        open_registry(database),
        by=OPERATOR,
        limit=limit,
        subject=normalize(subject) if subject else None,
        department=department,
        action=action,
    )
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no audit rows")
        return
    table = CliTable()
    for column in ("id", "at (UTC)", "action", "by", "subject", "matter", "detail"):
        # The detail is compact JSON, without spaces to break at.
        table.add_column(
            column, fold=column == "detail", justify="right" if column == "id" else "left"
        )
    for r in rows:
        by = r["role"] or ""
        if r["department"]:
            by += f" {r['department']}"
        if r["key_id"] is not None:
            by += f" (key {r['key_id']})"
        table.add_row(
            str(r["id"]),
            _when(r["at"]),
            r["action"],
            by,
            r["subject"] or "",
            r["matter"] or "",
            _detail(r["detail"]),
        )
    console.print(table)


@app.command("history")
@handle_errors
def history(
    identifier: str = typer.Argument(..., help="USCC or resident identity number."),
    limit: int = LimitOption,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Who checked the subject (checks, screenings, reads), when and for which matter."""
    code = normalize(identifier)
    rows = service.checks_of_subject(open_registry(database), code, limit=limit)
    if as_json:
        print_json({"subject": code, "items": rows})
        return
    if not rows:
        console.print(f"nobody has looked {code} up", highlight=False)
        return
    table = CliTable(title=f"who looked {code} up")
    for column in ("at (UTC)", "department", "role", "action", "matter"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["at"], r["department"] or "", r["role"] or "", r["action"], r["matter"] or ""
        )
    console.print(table)
