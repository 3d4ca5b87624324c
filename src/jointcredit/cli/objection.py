"""``jointcredit objection``: objections (异议) to credit records, handled by the operator.

The operator acts as ``operator`` (``--by NAME`` names the person, as history and the audit log
then show: ``operator:NAME``). ``list``, ``show`` and ``note`` come from
:mod:`jointcredit.cli.cases`. See docs/objections-and-repair.md.
"""

from __future__ import annotations

import typer

from jointcredit.cli import cases
from jointcredit.cli.cases import ByOption, JsonOption, operator
from jointcredit.cli.common import DatabaseOption, handle_errors
from jointcredit.services import objections as service
from jointcredit.services.registry import open_registry

app = typer.Typer(
    help="Objections (异议) to credit records: open, resolve, withdraw, list, show, note.",
    no_args_is_help=True,
)


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
    cases.answer(
        item,
        as_json,
        f"objection {item['id']} on record {item['record_id']} ({item['subject']}): "
        f"{item['status']}, {cases.due_text(item)}, verified by "
        f"{item['department'] or 'the operator'}; the record is disputed and its measures "
        f"suspended; {cases.told_text(item)}",
        warn=True,
    )


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
    effect = (
        "the record is withdrawn, its measures end"
        if item["status"] == "upheld"
        else "the record is restored, its measures resume"
    )
    cases.answer(
        item, as_json, f"objection {item['id']} {item['status']}: {effect}; {cases.told_text(item)}"
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
    cases.answer(
        item,
        as_json,
        f"objection {item['id']} withdrawn: the record is restored; {cases.told_text(item)}",
    )


cases.add_case_commands(
    app,
    cases.CaseCommands(
        service.QUEUE,
        metavar="objection",
        id_help="The objection's id.",
        columns=cases.record_columns("opened"),
        headline=lambda item: (
            f"objection {item['id']} on record {item['record_id']} ({item['subject']}): "
            f"{item['status']}, {cases.due_text(item)}"
        ),
        fields=(("reason", "reason"), ("note", "note")),
        nothing="no objections",
        nothing_overdue="no overdue objections",
        overdue_help="Only open objections past their due day, most overdue first.",
        list_help="Objections, newest first (--overdue: the overdue ones, most overdue first).",
        show_help="One objection with its history.",
    ),
)

#: ``jointcredit export`` acts as the operator with the same option.
__all__ = ["ByOption", "app", "operator"]
