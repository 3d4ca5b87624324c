"""``jointcredit keys``: departments' API keys, managed by the local operator.

A key's secret is printed once, when it is created or rotated; the platform keeps only its
hash. Every change is recorded in the audit log (acted by ``operator``).
"""

from __future__ import annotations

from typing import Any

import typer

from jointcredit.access import OPERATOR
from jointcredit.cli.common import DatabaseOption, console, err_console, handle_errors, print_json
from jointcredit.cli.tables import CliTable
from jointcredit.services import keys as service
from jointcredit.services.registry import open_registry
from jointcredit.store.tables import ROLES

app = typer.Typer(
    help="API keys of departments' systems: create, list, rotate, revoke.",
    no_args_is_help=True,
)

JsonOption = typer.Option(False, "--json", help="Print the result as one JSON object.")
KeyIdArgument = typer.Argument(..., min=1, help="The key's id (see `jointcredit keys list`).")

SHOWN_ONCE = (
    "this key is shown once: store it now (the platform keeps only its hash); "
    "callers send it as 'Authorization: Bearer KEY'"
)


def _print_issued(issued: service.IssuedKey, *, verb: str) -> None:
    name = f" ({issued.name})" if issued.name else ""
    console.print(
        f"{verb} key {issued.id}: {issued.role} for {issued.department}{name}", highlight=False
    )
    typer.echo(issued.key)
    err_console.print(f"[bold yellow]warning:[/] {SHOWN_ONCE}", highlight=False)


@app.command("create")
@handle_errors
def create(
    department: str = typer.Option(
        ..., "--department", help="Department the key acts for (catalog code)."
    ),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    name: str | None = typer.Option(None, "--name", help="What uses the key (free text)."),
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON object with id and key (and the rest)."
    ),
    database: str | None = DatabaseOption,
) -> None:
    """Create a key for a department and role; the key is printed once."""
    issued = service.create(
        open_registry(database), department=department, role=role, name=name, by=OPERATOR
    )
    if as_json:
        print_json(issued.to_dict())
        err_console.print(f"warning: {SHOWN_ONCE}", highlight=False, markup=False)
        return
    _print_issued(issued, verb="created")


def _date(value: Any) -> str:
    return str(value)[:19].replace("T", " ") if value else ""


@app.command("list")
@handle_errors
def listed(
    include_revoked: bool = typer.Option(False, "--all", help="List revoked keys too."),
    as_json: bool = typer.Option(False, "--json", help="Print the keys as one JSON array."),
    database: str | None = DatabaseOption,
) -> None:
    """The keys (active ones; --all: revoked too), never their secrets."""
    rows = service.listed(open_registry(database), by=OPERATOR, include_revoked=include_revoked)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no API keys" + ("" if include_revoked else " (active)"))
        return
    table = CliTable()
    for column in ("id", "prefix", "department", "role", "name", "created", "revoked"):
        table.add_column(
            column, cjk=column == "name", justify="right" if column == "id" else "left"
        )
    for row in rows:
        revoked = _date(row["revoked_at"])
        if revoked and row.get("replaced_by"):
            revoked += f" (→ {row['replaced_by']})"
        table.add_row(
            str(row["id"]),
            f"jc_{row['prefix']}_…",
            row["department"],
            row["role"],
            row["name"] or "",
            _date(row["created_at"]),
            revoked,
        )
    console.print(table)


@app.command("revoke")
@handle_errors
def revoke(
    key_id: int = KeyIdArgument,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Revoke a key: it stops working at once (in a running server within seconds)."""
    row = service.revoke(open_registry(database), key_id, by=OPERATOR)
    if as_json:
        print_json(row)
        return
    console.print(
        f"revoked key {row['id']} (jc_{row['prefix']}_…, {row['role']} for {row['department']}) "
        f"at {_date(row['revoked_at'])}",
        highlight=False,
    )


@app.command("rotate")
@handle_errors
def rotate(
    key_id: int = KeyIdArgument,
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON object with the new key's id and key."
    ),
    database: str | None = DatabaseOption,
) -> None:
    """Replace a key by a new one for the same department, role and name; the old one is
    revoked at once. The new key is printed once."""
    issued = service.rotate(open_registry(database), key_id, by=OPERATOR)
    if as_json:
        print_json(issued.to_dict() | {"replaces": key_id})
        err_console.print(f"warning: {SHOWN_ONCE}", highlight=False, markup=False)
        return
    _print_issued(issued, verb=f"key {key_id} revoked; new")
