"""``jointcredit repair``: credit repair (信用修复, NDRC Order No. 36), handled by the operator.

The operator acts as ``operator`` (``--by NAME`` names the person); ``list``, ``show`` and
``note`` are built by :func:`jointcredit.cli.cases.add_case_commands`. See
docs/objections-and-repair.md.
"""

from __future__ import annotations

from typing import Any

import typer

from jointcredit.cli import cases
from jointcredit.cli.cases import ByOption, JsonOption, operator
from jointcredit.cli.common import DatabaseOption, handle_errors
from jointcredit.services import repairs as service
from jointcredit.services.registry import open_registry

app = typer.Typer(
    help="Credit repair (信用修复): apply, accept, decide, list, show, note.",
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
    decider = item["department"] or "the operator"
    cases.answer(
        item,
        as_json,
        f"{_line(item)}, acceptance {cases.due_text(item)}, decided by {decider}",
        warn=True,
    )


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
    then = "" if refuse else f", decision {cases.due_text(item)}"
    cases.answer(item, as_json, _line(item) + then, warn=True)


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
    effect = (
        f"; the record is repaired, its measures end; {cases.told_text(item)}"
        if item["status"] == "approved"
        else ""
    )
    cases.answer(item, as_json, _line(item) + effect)


cases.add_case_commands(
    app,
    cases.CaseCommands(
        service.QUEUE,
        metavar="repair",
        id_help="The application's id.",
        columns=cases.record_columns("applied"),
        headline=lambda item: f"{_line(item)}, {cases.due_text(item)}",
        fields=(("commitment", "commitment"), ("evidence", "evidence"), ("note", "note")),
        nothing="no repair applications",
        nothing_overdue="no overdue applications",
        overdue_help="Only open applications past their due day.",
        list_help="Credit-repair applications, newest first.",
        show_help="One application with its history.",
    ),
)
