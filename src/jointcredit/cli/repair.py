"""``jointcredit repair``: credit repair (信用修复, NDRC Order No. 36), handled by the operator.

The operator acts as ``operator`` (``--by NAME`` names the person). See
docs/objections-and-repair.md.
"""

from __future__ import annotations

from typing import Any

import typer

from jointcredit.cli.common import DatabaseOption, console, handle_errors, print_json
from jointcredit.cli.objection import (
    ByOption,
    JsonOption,
    LimitOption,
    OffsetOption,
    due_text,
    operator,
    print_history,
    told_text,
    warn_estimate,
    warn_estimates,
)
from jointcredit.cli.tables import CliTable
from jointcredit.services import repairs as service
from jointcredit.services.registry import open_registry

app = typer.Typer(
    help="Credit repair (信用修复): apply, accept, decide, list, show.",
    no_args_is_help=True,
)

IdArgument = typer.Argument(..., min=1, help="The application's id.")


def _line(item: dict[str, Any]) -> str:
    return (
        f"repair {item['id']} of record {item['record_id']} ({item['subject']}): {item['status']}"
    )


@app.command("apply")
@handle_errors
def apply(
    record: int = typer.Argument(..., min=1, help="The credit record's id."),
    commitment: str = typer.Option(
        ..., "--commitment", help="The subject's public credit commitment (信用承诺)."
    ),
    evidence: str | None = typer.Option(
        None, "--evidence", help="How the act was corrected and the obligations met."
    ),
    obligations_met: bool = typer.Option(
        True,
        "--obligations-met/--obligations-not-met",
        help="Whether the act is corrected and the decision's obligations fully met; the "
        "operator applying states that they are.",
    ),
    by: str | None = ByOption,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Apply for repair of a penalty or black-list entry; refused with the reason (and the
    earliest day, when it is too early) if it is not eligible."""
    item = service.apply(
        open_registry(database),
        record,
        commitment=commitment,
        obligations_met=obligations_met,
        evidence=evidence,
        by=operator(by),
    )
    if as_json:
        print_json(item)
    else:
        console.print(
            f"{_line(item)}, acceptance {due_text(item)}, decided by "
            f"{item['department'] or 'the operator'}",
            highlight=False,
        )
    warn_estimate(item)


@app.command("accept")
@handle_errors
def accept(
    repair: int = IdArgument,
    refuse: bool = typer.Option(
        False, "--refuse", help="Refuse the application at acceptance (needs --note)."
    ),
    note: str | None = typer.Option(None, "--note", help="Why (required with --refuse)."),
    by: str | None = ByOption,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Accept an application (its decision is then due), or refuse it."""
    item = service.accept(
        open_registry(database), repair, refuse=refuse, note=note, by=operator(by)
    )
    if as_json:
        print_json(item)
    else:
        then = "" if refuse else f", decision {due_text(item)}"
        console.print(_line(item) + then, highlight=False)
    warn_estimate(item)


@app.command("decide")
@handle_errors
def decide(
    repair: int = IdArgument,
    approve: bool | None = typer.Option(
        None, "--approve/--reject", help="Repair the record, or reject the application."
    ),
    note: str = typer.Option(..., "--note", help="Why."),
    by: str | None = ByOption,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Approve (the record is repaired: publication and sharing stop, measures end, every
    department told of it is told) or reject an application."""
    if approve is None:
        raise typer.BadParameter("say --approve or --reject", param_hint="--approve/--reject")
    item = service.decide(
        open_registry(database), repair, approve=approve, note=note, by=operator(by)
    )
    if as_json:
        print_json(item)
        return
    effect = (
        f"; the record is repaired, its measures end; {told_text(item)}"
        if item["status"] == "approved"
        else ""
    )
    console.print(_line(item) + effect, highlight=False)


@app.command("list")
@handle_errors
def listed(
    overdue: bool = typer.Option(
        False, "--overdue", help="Only open applications past their due day."
    ),
    status: str | None = typer.Option(
        None, "--status", help="Only this status: applied, accepted, approved or rejected."
    ),
    limit: int = LimitOption,
    offset: int = OffsetOption,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Credit-repair applications, newest first."""
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
        console.print("no overdue applications" if overdue else "no repair applications")
        return
    table = CliTable()
    for column in ("id", "record", "subject", "department", "status", "due", "late", "applied"):
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


@app.command("show")
@handle_errors
def show(
    repair: int = IdArgument,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """One application with its history."""
    item = service.shown(open_registry(database), repair, by=operator(None))
    if as_json:
        print_json(item)
        return
    console.print(f"{_line(item)}, {due_text(item)}", highlight=False)
    console.print(f"commitment: {item['commitment']}", highlight=False)
    if item["evidence"]:
        console.print(f"evidence: {item['evidence']}", highlight=False)
    if item["note"]:
        console.print(f"note: {item['note']}", highlight=False)
    print_history(item["history"])
    warn_estimate(item)
