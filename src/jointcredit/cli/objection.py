"""``jointcredit objection``: objections (异议) to credit records, handled by the operator.

The operator acts as ``operator`` (``--by NAME`` names the person, as history and the audit log
then show: ``operator:NAME``). See docs/objections-and-repair.md.
"""

from __future__ import annotations

from typing import Any

import typer

from jointcredit.access import Principal
from jointcredit.cli.common import (
    DatabaseOption,
    console,
    err_console,
    handle_errors,
    print_json,
)
from jointcredit.cli.tables import CliTable
from jointcredit.services import objections as service
from jointcredit.services.registry import open_registry

app = typer.Typer(
    help="Objections (异议) to credit records: open, resolve, withdraw, list, show.",
    no_args_is_help=True,
)

JsonOption = typer.Option(False, "--json", help="Print the result as JSON.")
ByOption = typer.Option(
    None, "--by", help="The person acting, as history and the audit log name them."
)
LimitOption = typer.Option(100, "--limit", min=1, help="Items to show at most.")
OffsetOption = typer.Option(0, "--offset", min=0, help="Items to skip.")


def operator(name: str | None) -> Principal:
    """The local operator, named by ``--by`` when given."""
    return Principal("operator", name=(name or "").strip() or None)


def due_text(item: dict[str, Any]) -> str:
    text = f"due {item['due']}"
    if item["overdue"]:
        text += f" (overdue by {item['days_late']} working days)"
    return text


def warn_estimate(item: dict[str, Any]) -> None:
    """Every estimated due day is shown with its warning (weekends only were counted)."""
    if item.get("due_warning"):
        err_console.print(
            f"warning: due {item['due']} is {item['due_warning']}", highlight=False, markup=False
        )


def told_text(item: dict[str, Any]) -> str:
    told = item.get("notified") or []
    return f"told: {', '.join(told)}" if told else "no department had been told of the record"


@app.command("open")
@handle_errors
def open_(
    record: int = typer.Argument(..., min=1, help="The disputed credit record's id."),
    reason: str = typer.Option(..., "--reason", help="What is wrong with the record."),
    by: str | None = ByOption,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Dispute a record: it is marked disputed and its measures suspended at once."""
    item = service.open_objection(open_registry(database), record, reason=reason, by=operator(by))
    if as_json:
        print_json(item)
    else:
        console.print(
            f"objection {item['id']} on record {item['record_id']} ({item['subject']}): "
            f"{item['status']}, {due_text(item)}, verified by "
            f"{item['department'] or 'the operator'}; the record is disputed and its measures "
            f"suspended; {told_text(item)}",
            highlight=False,
        )
    warn_estimate(item)


@app.command("resolve")
@handle_errors
def resolve(
    objection: int = typer.Argument(..., min=1, help="The objection's id."),
    outcome: str = typer.Option(
        ...,
        "--outcome",
        help="upheld: the record was wrong and is withdrawn; rejected: the record stands.",
    ),
    note: str = typer.Option(..., "--note", help="Why: the verification's finding."),
    by: str | None = ByOption,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Resolve an open objection: upheld or rejected."""
    item = service.resolve(
        open_registry(database), objection, outcome=outcome, note=note, by=operator(by)
    )
    if as_json:
        print_json(item)
        return
    effect = (
        "the record is withdrawn, its measures end"
        if item["status"] == "upheld"
        else "the record is restored, its measures resume"
    )
    console.print(
        f"objection {item['id']} {item['status']}: {effect}; {told_text(item)}", highlight=False
    )


@app.command("withdraw")
@handle_errors
def withdraw(
    objection: int = typer.Argument(..., min=1, help="The objection's id."),
    note: str | None = typer.Option(None, "--note", help="Why it is withdrawn."),
    by: str | None = ByOption,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Withdraw an open objection: the record is restored, its measures resume."""
    item = service.withdraw(open_registry(database), objection, note=note, by=operator(by))
    if as_json:
        print_json(item)
        return
    console.print(
        f"objection {item['id']} withdrawn: the record is restored; {told_text(item)}",
        highlight=False,
    )


@app.command("list")
@handle_errors
def listed(
    overdue: bool = typer.Option(
        False, "--overdue", help="Only open objections past their due day, most overdue first."
    ),
    status: str | None = typer.Option(
        None, "--status", help="Only this status: open, upheld, rejected or withdrawn."
    ),
    limit: int = LimitOption,
    offset: int = OffsetOption,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Objections, newest first (--overdue: the overdue ones, most overdue first)."""
    rows = service.listed(
        open_registry(database),
        by=operator(None),
        limit=limit,
        offset=offset,
        status=status,
        overdue=overdue,
    )
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no overdue objections" if overdue else "no objections")
        return
    table = CliTable()
    for column in ("id", "record", "subject", "department", "status", "due", "late", "opened"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["id"]),
            str(row["record_id"]),
            row["subject"],
            row["department"] or "",
            row["status"],
            row["due"] + ("*" if row["due_estimated"] else ""),
            str(row["days_late"]) if row["overdue"] else "",
            row["created_at"][:10],
        )
    console.print(table)
    warn_estimates(rows)


def warn_estimates(rows: list[dict[str, Any]]) -> None:
    """The warning for the due days marked ``*`` (estimated) in a table."""
    warning = next((r["due_warning"] for r in rows if r["due_warning"]), None)
    if warning:
        err_console.print(f"warning: * {warning}", highlight=False, markup=False)


def print_history(history: list[dict[str, Any]]) -> None:
    for event in history:
        who = event["actor"] + (f" ({event['department']})" if event["department"] else "")
        note = f": {event['note']}" if event["note"] else ""
        console.print(
            f"  {event['at'][:19]}  {event['action']} → {event['to_status']} by {who}{note}",
            highlight=False,
        )


@app.command("show")
@handle_errors
def show(
    objection: int = typer.Argument(..., min=1, help="The objection's id."),
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """One objection with its history."""
    item = service.shown(open_registry(database), objection, by=operator(None))
    if as_json:
        print_json(item)
        return
    console.print(
        f"objection {item['id']} on record {item['record_id']} ({item['subject']}): "
        f"{item['status']}, {due_text(item)}",
        highlight=False,
    )
    console.print(f"reason: {item['reason']}", highlight=False)
    if item["note"]:
        console.print(f"note: {item['note']}", highlight=False)
    print_history(item["history"])
    warn_estimate(item)
