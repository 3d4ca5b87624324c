"""``jointcredit proposal``: initiation and review of list entries by the local operator.

The operator acts under a name (``--by``): four eyes compare names, so the person who submits a
proposal cannot approve it, at one terminal as over the API. See docs/review.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from jointcredit.access import Principal
from jointcredit.cli.common import DatabaseOption, console, err_console, handle_errors, print_json
from jointcredit.cli.tables import CliTable
from jointcredit.errors import InputFileError
from jointcredit.services import proposals as service
from jointcredit.services.registry import open_registry

app = typer.Typer(
    help="Propose list entries, changes and early ends; approve or return them (four eyes).",
    no_args_is_help=True,
)

JsonOption = typer.Option(False, "--json", help="Print the result as JSON.")
ByOption = typer.Option(..., "--by", help="Your name: recorded, and compared for four eyes.")
IdArgument = typer.Argument(..., min=1, help="The proposal's id (see `jointcredit proposal list`).")


def _operator(name: str) -> Principal:
    return Principal("operator", name=name.strip() or None)


def _read(path: Path) -> dict[str, Any]:
    try:
        content = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise InputFileError(f"{path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: not a JSON file: {exc}") from None
    if not isinstance(content, dict):
        raise InputFileError(f"{path}: expected one JSON object")
    return content


def _request(content: dict[str, Any]) -> service.Request:
    """A file holds either a whole proposal (with ``action``) or just a list entry."""
    if "action" not in content:
        return service.Request("create", entry=content)
    known = {
        "action",
        "entry",
        "record_id",
        "changes",
        "ends_on",
        "grounds_ended_on",
        "reason",
        "document_number",
        "legal_basis",
    }
    unknown = sorted(set(content) - known)
    if unknown:
        raise InputFileError(f"unknown keys in the proposal: {', '.join(unknown)}")
    return service.Request(**content)


def _print(row: dict[str, Any]) -> None:
    what = row["action"]
    if row["record_id"] is not None:
        what += f" of record {row['record_id']}"
    console.print(
        f"proposal {row['id']} ({what}, {row['department']}, {row['list_type']}, "
        f"{row['subject']}): {row['status']}, review due {row['due']}"
        + (" [overdue]" if row["overdue"] else ""),
        highlight=False,
    )
    if row.get("due_warning"):
        err_console.print(
            f"[bold yellow]warning:[/] due date {row['due_warning']}", highlight=False
        )
    if row.get("note"):
        console.print(f"note: {row['note']}", highlight=False)


@app.command("submit")
@handle_errors
def submit(
    file: Path | None = typer.Argument(
        None,
        help="JSON file: a list entry (docs/list-entries.md), or a proposal with `action` "
        "create/change/end (docs/review.md).",
    ),
    by: str = ByOption,
    end: int | None = typer.Option(None, "--end", min=1, help="End this entry (record id) early."),
    reason: str | None = typer.Option(None, "--reason", help="--end: why it ends."),
    ends_on: str | None = typer.Option(None, "--ends-on", help="--end: the day (default today)."),
    grounds_ended_on: str | None = typer.Option(
        None, "--grounds-ended-on", help="--end: the day the grounds of the listing ended."
    ),
    document_number: str | None = typer.Option(
        None, "--document", help="The initiating document (required for --end)."
    ),
    legal_basis: str | None = typer.Option(
        None, "--legal-basis", help="Its legal basis (required for --end)."
    ),
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Propose a list entry, a change or an early end; it takes effect once approved."""
    if (file is None) == (end is None):
        raise InputFileError("give either a JSON FILE or --end RECORD")
    if file is not None:
        request = _request(_read(file))
    else:
        request = service.Request(
            "end",
            record_id=end,
            reason=reason,
            ends_on=ends_on,
            grounds_ended_on=grounds_ended_on,
            document_number=document_number,
            legal_basis=legal_basis,
        )
    row = service.submit(open_registry(database), request, by=_operator(by))
    if as_json:
        print_json(row)
        return
    _print(row)


@app.command("list")
@handle_errors
def listed(
    status: str | None = typer.Option(
        None, "--status", help="submitted, approved, returned or withdrawn."
    ),
    overdue: bool = typer.Option(
        False, "--overdue", help="Only submitted proposals past their review due day."
    ),
    department: str | None = typer.Option(None, "--department", help="One department's only."),
    limit: int = typer.Option(100, "--limit", min=1, help="At most this many, newest first."),
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Proposals, newest first."""
    rows = service.listed(
        open_registry(database),
        by=Principal("operator"),
        department=department,
        status=status,
        overdue=overdue,
        limit=limit,
    )
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no proposals")
        return
    table = CliTable()
    for column in ("id", "action", "record", "department", "list type", "subject", "status", "due"):
        table.add_column(column, justify="right" if column in ("id", "record") else "left")
    for row in rows:
        due = row["due"] + (" overdue" if row["overdue"] else "")
        due += " (estimated)" if row["due_estimated"] else ""
        table.add_row(
            str(row["id"]),
            row["action"],
            str(row["record_id"] or ""),
            row["department"],
            row["list_type"] or "",
            row["subject"] or "",
            row["status"],
            due,
        )
    console.print(table)


@app.command("show")
@handle_errors
def show(
    proposal_id: int = IdArgument,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """A proposal with what it asks for and its history."""
    row = service.get(open_registry(database), proposal_id, by=Principal("operator"))
    if as_json:
        print_json(row)
        return
    _print(row)
    console.print(f"document: {row['document_number']}; legal basis: {row['legal_basis']}")
    console.print_json(json.dumps(row["payload"], ensure_ascii=False))
    for step in row["history"]:
        note = f": {step['note']}" if step["note"] else ""
        console.print(
            f"  {step['at']}  {step['action']} → {step['to_status']} by {step['actor']}{note}",
            highlight=False,
        )


def _step_output(row: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(row)
        return
    _print(row)
    if "messages" in row:
        console.print(f"{row['messages']} push message(s) written")


@app.command("approve")
@handle_errors
def approve(
    proposal_id: int = IdArgument,
    by: str = ByOption,
    note: str | None = typer.Option(None, "--note", help="Recorded with the approval."),
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Approve: the proposal takes effect and the departments concerned are told. Not by the
    person who submitted it."""
    row = service.approve(open_registry(database), proposal_id, by=_operator(by), note=note)
    _step_output(row, as_json)


@app.command("return")
@handle_errors
def return_(
    proposal_id: int = IdArgument,
    by: str = ByOption,
    note: str = typer.Option(..., "--note", help="Why: what the initiator must rework."),
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Return a proposal to its department for rework. Not by the person who submitted it."""
    row = service.return_(open_registry(database), proposal_id, by=_operator(by), note=note)
    _step_output(row, as_json)


@app.command("resubmit")
@handle_errors
def resubmit(
    proposal_id: int = IdArgument,
    file: Path | None = typer.Option(
        None, "--file", help="New content: a list entry or a proposal, as for submit."
    ),
    by: str = ByOption,
    note: str | None = typer.Option(None, "--note", help="What was reworked."),
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Send a returned proposal to review again, with new content or as it was."""
    request = None
    if file is not None:
        content = _read(file)
        request = _request(content) if "action" in content else service.Request("", entry=content)
    row = service.resubmit(
        open_registry(database), proposal_id, request, by=_operator(by), note=note
    )
    _step_output(row, as_json)


@app.command("withdraw")
@handle_errors
def withdraw(
    proposal_id: int = IdArgument,
    by: str = ByOption,
    note: str | None = typer.Option(None, "--note", help="Why."),
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Take back a submitted or returned proposal; nothing of it takes effect."""
    row = service.withdraw(open_registry(database), proposal_id, by=_operator(by), note=note)
    _step_output(row, as_json)


__all__ = ["app"]
