"""``jointcredit reports``: confidential reports (举报) handled as cases, and the departments' key
pairs for their reporters.

``list``, ``show`` and ``note`` are every case kind's commands (:mod:`jointcredit.cli.cases`);
``assign``, ``investigate`` and ``close`` are a report's steps, taken by the operator (``--by
NAME`` names the person); ``follow`` shows what the reporter sees with the receipt code. No
command shows a reporter.

``department-key init`` creates a department's key pair for its reporters' identities and
re-seals to it the reports it received under the platform key; ``rotate`` replaces the pair
and re-seals every report; ``list`` shows the keys and what still waits under the platform key.

A passphrase is read from a file (``-``: standard input, one line), never from the command line,
where other users of the machine could read it in the process list; only a trailing line end
is dropped. The department keeps the passphrase: the platform stores it nowhere, so a lost
passphrase means the department's reporters can no longer be opened.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from jointcredit.access import OPERATOR
from jointcredit.choices.cases import TIPOFF_OUTCOMES
from jointcredit.cli import cases
from jointcredit.cli.cases import ByOption, JsonOption, due_text, operator
from jointcredit.cli.common import DatabaseOption, console, handle_errors, print_json
from jointcredit.cli.tables import CliTable
from jointcredit.errors import InvalidInputError
from jointcredit.services import tipoffs as service
from jointcredit.services.registry import open_registry

app = typer.Typer(
    help="Confidential reports (举报): list, show, assign, investigate, close, note, follow; "
    "departments' key pairs for reporters' identities.",
    no_args_is_help=True,
)
keys_app = typer.Typer(
    help="A department's own key pair that seals its reporters' identities: init, rotate, list.",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="department-key")

DepartmentOption = typer.Option(
    ..., "--department", help="The department (catalog code) whose reports the key seals."
)
IdArgument = typer.Argument(..., min=1, help="The report's id.")
NoteOption = typer.Option(None, "--note", help="A note for the report's history.")


def _line(item: dict[str, Any]) -> str:
    return f"report {item['id']} to {item['department']} on {item['subject']}: {item['status']}"


def _stepped(item: dict[str, Any], as_json: bool, then: str) -> None:
    cases.answer(item, as_json, _line(item) + then, warn=True)


cases.add_case_commands(
    app,
    cases.CaseCommands(
        service.QUEUE,
        metavar="report",
        id_help="The report's id.",
        columns=(
            ("id", cases.id_cell),
            *(
                (name, cases.field_cell(name))
                for name in ("department", "subject", "status", "handler")
            ),
            ("due", cases.due_cell),
            ("late", cases.late_cell),
            ("received", cases.day_cell("received_at")),
        ),
        headline=lambda item: f"{_line(item)}, {due_text(item)}",
        fields=(
            ("subject name", "subject_name"),
            ("category", "category"),
            ("description", "description"),
            ("handler", "handler"),
            ("outcome", "outcome"),
            ("referred to", "referred_to"),
            ("closed", "closed_at"),
        ),
        nothing="no reports",
        nothing_overdue="no overdue reports",
        overdue_help="Only open reports past their due day, most overdue first.",
        list_help="Reports, newest first, without their reporters (--overdue: the overdue "
        "ones, most overdue first).",
        show_help="One report with its history, without its reporter.",
    ),
)


@app.command("assign")
@handle_errors
def assign(
    report: int = IdArgument,
    to: str = typer.Option(
        ..., "--to", help="The staff member who handles it (a console username of the department)."
    ),
    note: str | None = NoteOption,
    by: str | None = ByOption,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Assign a report to one of its department's staff (again, until it is investigated)."""
    item = service.assign(open_registry(database), report, handler=to, note=note, by=operator(by))
    _stepped(item, as_json, f", handled by {item['handler']}, {due_text(item)}")


@app.command("investigate")
@handle_errors
def investigate(
    report: int = IdArgument,
    note: str | None = NoteOption,
    by: str | None = ByOption,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Start investigating an assigned report (调查核实)."""
    item = service.investigate(open_registry(database), report, note=note, by=operator(by))
    _stepped(item, as_json, f", {due_text(item)}")


@app.command("close")
@handle_errors
def close(
    report: int = IdArgument,
    outcome: str = typer.Option(..., "--outcome", help=f"{cases.one_of(TIPOFF_OUTCOMES)}."),
    note: str = typer.Option(..., "--note", help="How it was handled and why it is closed."),
    referred_to: str | None = typer.Option(
        None,
        "--referred-to",
        help="With --outcome referred: the department (catalog code) it goes to.",
    ),
    by: str | None = ByOption,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Close a report from any open status; the reporter sees the outcome."""
    item = service.close(
        open_registry(database),
        report,
        outcome=outcome,
        note=note,
        referred_to=referred_to,
        by=operator(by),
    )
    referred = f" to {item['referred_to']}" if item["referred_to"] else ""
    _stepped(item, as_json, f" ({item['outcome']}{referred})")


@app.command("follow")
@handle_errors
def follow(
    receipt: str = typer.Argument(..., help="The report's receipt code."),
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """What the reporter sees with the receipt code: where the report stands, how it ended."""
    seen = service.follow(open_registry(database), receipt)
    if as_json:
        print_json(seen)
        return
    label = seen["status_label"]
    console.print(
        f"{label['zh']} / {label['en']}: received {seen['received_at'][:10]}, due {seen['due']}",
        highlight=False,
    )
    if seen["outcome_label"]:
        outcome = seen["outcome_label"]
        referred = f" ({seen['referred_to']})" if seen["referred_to"] else ""
        console.print(
            f"outcome: {outcome['zh']} / {outcome['en']}{referred}, closed "
            f"{(seen['closed_at'] or '')[:10]}",
            highlight=False,
        )


def read_passphrase(path: str, *, what: str = "passphrase") -> str:
    """A passphrase from ``path`` (``-``: standard input), without its line end."""
    try:
        raw = sys.stdin.readline() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        # The file's name only: its content is the secret.
        raise InvalidInputError(f"{what} file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"{what} file {path}: not UTF-8 text") from None
    value = raw.removesuffix("\n").removesuffix("\r")
    if "\n" in value or "\r" in value:
        raise InvalidInputError(f"{what} file {path}: must hold one line")
    return value


@keys_app.command("init")
@handle_errors
def init(
    department: str = DepartmentOption,
    passphrase_file: str = typer.Option(
        ...,
        "--passphrase-file",
        help="File holding the department's passphrase (one line, at least 20 characters); "
        "'-' reads it from standard input.",
    ),
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Create the department's key pair (its private key sealed under the passphrase) and
    re-seal to it the reports it received before, under the platform key."""
    passphrase = read_passphrase(passphrase_file)
    made = service.init_key(open_registry(database), department, passphrase, by=OPERATOR)
    if as_json:
        print_json(made)
        return
    console.print(
        f"department {made['department']}: key {made['key_id']} created "
        f"({made['algorithm']}); {made['resealed']} report(s) re-sealed to it. "
        "Keep the passphrase: without it no reporter of the department opens.",
        highlight=False,
    )


@keys_app.command("rotate")
@handle_errors
def rotate(
    department: str = DepartmentOption,
    passphrase_file: str = typer.Option(
        ...,
        "--passphrase-file",
        help="File holding the department's current passphrase ('-': standard input).",
    ),
    new_passphrase_file: str | None = typer.Option(
        None,
        "--new-passphrase-file",
        help="File holding the new passphrase; without it the new key pair is sealed under "
        "the current passphrase.",
    ),
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Replace the department's key pair: every report is re-sealed to the new pair and the
    old private key is wiped. Needs the current passphrase (to open the reports)."""
    if passphrase_file == "-" and new_passphrase_file == "-":
        raise InvalidInputError("only one of the passphrase files can be standard input")
    passphrase = read_passphrase(passphrase_file)
    new = (
        read_passphrase(new_passphrase_file, what="new passphrase") if new_passphrase_file else None
    )
    made = service.rotate_key(
        open_registry(database), department, passphrase, new_passphrase=new, by=OPERATOR
    )
    if as_json:
        print_json(made)
        return
    console.print(
        f"department {made['department']}: key {made['replaces']} replaced by "
        f"{made['key_id']}; {made['resealed']} report(s) re-sealed",
        highlight=False,
    )


@keys_app.command("list")
@handle_errors
def listed(as_json: bool = JsonOption, database: str | None = DatabaseOption) -> None:
    """Departments' keys (current and retired) with the reports each seals, and the reports
    still under the platform key (departments without a key yet)."""
    rows = service.keys_listed(open_registry(database), by=OPERATOR)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no department keys and no reports")
        return
    table = CliTable()
    for column in ("department", "key", "created", "retired", "reports"):
        table.add_column(column, justify="right" if column == "reports" else "left")
    for row in rows:
        table.add_row(
            row["department"],
            row["key_id"] or "(platform key: run init)",
            (row["created_at"] or "")[:19].replace("T", " "),
            (row["retired_at"] or "")[:19].replace("T", " "),
            str(row["reports"]),
        )
    console.print(table)
