"""``jointcredit staff``: accounts of department staff who sign in to the web console.

Passwords are asked for at the terminal (twice, not echoed) or read from standard input with
``--password-stdin`` (for scripts); they never appear on the command line, where other users of
the machine could read them.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from jointcredit.access import OPERATOR
from jointcredit.cli.common import DatabaseOption, console, handle_errors, print_json
from jointcredit.cli.tables import CliTable
from jointcredit.errors import InvalidInputError
from jointcredit.services import staff as service
from jointcredit.services.registry import open_registry
from jointcredit.store.tables import ROLES

app = typer.Typer(
    help="Staff accounts for the web console: create, list, disable, enable, set a password.",
    no_args_is_help=True,
)

UsernameArgument = typer.Argument(..., help="The account's username, e.g. zhang.wei.")
PasswordStdin = typer.Option(
    False, "--password-stdin", help="Read the password from standard input (one line)."
)
JsonOption = typer.Option(False, "--json", help="Print the account as one JSON object.")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InvalidInputError("password: standard input gave an empty line")
        return line
    if not sys.stdin.isatty():
        raise InvalidInputError("password: no terminal to ask at; pipe it in with --password-stdin")
    value: str = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    return value


def _show(account: dict[str, Any], as_json: bool, verb: str) -> None:
    if as_json:
        print_json(account)
        return
    state = "active" if account["active"] else "disabled"
    console.print(
        f"{verb} {account['username']}: {account['role']} of {account['department']} ({state})",
        highlight=False,
    )


@app.command("create")
@handle_errors
def create(
    username: str = UsernameArgument,
    department: str = typer.Option(..., "--department", help="Department (catalog code)."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    name: str | None = typer.Option(None, "--name", help="The person's name, as shown."),
    password_stdin: bool = PasswordStdin,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Create a staff account (passwords: at least 12 characters)."""
    account = service.create(
        open_registry(database),
        username=username,
        password=_password(password_stdin),
        department=department,
        role=role,
        display_name=name,
        by=OPERATOR,
    )
    _show(account, as_json, "created")


@app.command("list")
@handle_errors
def listed(
    department: str | None = typer.Option(None, "--department", help="Only this department."),
    as_json: bool = typer.Option(False, "--json", help="Print the accounts as a JSON array."),
    database: str | None = DatabaseOption,
) -> None:
    """The staff accounts (never their password hashes)."""
    rows = service.listed(open_registry(database), by=OPERATOR, department=department)
    if as_json:
        print_json(rows)
        return
    table = CliTable()
    for column in ("username", "name", "department", "role", "state", "last sign-in"):
        table.add_column(column, cjk=column == "name")
    for r in rows:
        table.add_row(
            r["username"],
            r["display_name"] or "",
            r["department"],
            r["role"],
            "active" if r["active"] else "disabled",
            (r["last_login_at"] or "")[:19].replace("T", " "),
        )
    console.print(table)


@app.command("disable")
@handle_errors
def disable(
    username: str = UsernameArgument,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Disable an account; its sessions end at once."""
    _show(
        service.set_active(open_registry(database), username, False, by=OPERATOR),
        as_json,
        "disabled",
    )


@app.command("enable")
@handle_errors
def enable(
    username: str = UsernameArgument,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Enable a disabled account again (and lift a lock)."""
    _show(
        service.set_active(open_registry(database), username, True, by=OPERATOR), as_json, "enabled"
    )


@app.command("password")
@handle_errors
def password(
    username: str = UsernameArgument,
    password_stdin: bool = PasswordStdin,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Set a new password; the account's sessions end."""
    account = service.set_password(
        open_registry(database), username, _password(password_stdin), by=OPERATOR
    )
    _show(account, as_json, "new password for")
