"""Every kind of case in the CLI from one definition: the operator's options, how a case's
list and detail are printed, and the ``list``, ``show`` and ``note`` commands of a kind.

A kind's command group (``jointcredit objection``, ``repair``, ``reports``) describes its case
once (:class:`CaseCommands`: its list's columns, its detail's head line and fields, its words) and
:func:`add_case_commands` builds those three commands on it from the kind's
:class:`~jointcredit.services.casework.Queue`; the kind's own steps stay in its module, using
the helpers here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import typer

from jointcredit.access import Principal
from jointcredit.choices import ChoiceSet
from jointcredit.cli.common import (
    DatabaseOption,
    console,
    err_console,
    handle_errors,
    print_json,
)
from jointcredit.cli.tables import CliTable
from jointcredit.services.casework import Queue
from jointcredit.services.registry import open_registry

JsonOption = typer.Option(False, "--json", help="Print the result as JSON.")
ByOption = typer.Option(
    None, "--by", help="The person acting, as history and the audit log name them."
)
LimitOption = typer.Option(100, "--limit", min=1, help="Items to show at most.")
OffsetOption = typer.Option(0, "--offset", min=0, help="Items to skip.")

#: A case as the CLI shows it: the view a kind's service answers with.
Item = dict[str, Any]
#: A column of a list: its header and its cell for a case.
Column = tuple[str, Callable[[Item], str]]


def operator(name: str | None) -> Principal:
    """The local operator, named by ``--by`` when given."""
    return Principal("operator", name=(name or "").strip() or None)


def one_of(choices: ChoiceSet) -> str:
    """The values of ``choices`` in words: "a, b or c"."""
    values = choices.values
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


def due_text(item: Item) -> str:
    text = f"due {item['due']}"
    if item["overdue"]:
        text += f" (overdue by {item['days_late']} working days)"
    return text


def warn_estimate(item: Item) -> None:
    """Every estimated due day is shown with its warning (weekends only were counted)."""
    if item.get("due_warning"):
        err_console.print(
            f"warning: due {item['due']} is {item['due_warning']}", highlight=False, markup=False
        )


def warn_estimates(rows: Sequence[Item]) -> None:
    """The warning for the due days marked ``*`` (estimated) in a table."""
    warning = next((r["due_warning"] for r in rows if r["due_warning"]), None)
    if warning:
        err_console.print(f"warning: * {warning}", highlight=False, markup=False)


def told_text(item: Item) -> str:
    told = item.get("notified") or []
    return f"told: {', '.join(told)}" if told else "no department had been told of the record"


def print_history(history: Sequence[Item]) -> None:
    for event in history:
        who = event["actor"] + (f" ({event['department']})" if event["department"] else "")
        note = f": {event['note']}" if event["note"] else ""
        console.print(
            f"  {event['at'][:19]}  {event['action']} → {event['to_status']} by {who}{note}",
            highlight=False,
        )


# -- the columns every kind's list has ---------------------------------------------------------


def id_cell(row: Item) -> str:
    return str(row["id"])


def due_cell(row: Item) -> str:
    """The due day, ``*`` when it is estimated (:func:`warn_estimates` says why)."""
    return str(row["due"]) + ("*" if row["due_estimated"] else "")


def late_cell(row: Item) -> str:
    return str(row["days_late"]) if row["overdue"] else ""


def field_cell(name: str) -> Callable[[Item], str]:
    """The cell of the view's field ``name`` (empty for none)."""
    return lambda row: "" if row[name] is None else str(row[name])


def day_cell(name: str) -> Callable[[Item], str]:
    """The day of the timestamp field ``name``."""
    return lambda row: str(row[name] or "")[:10]


def record_columns(opened: str) -> tuple[Column, ...]:
    """The list of a kind of case about a credit record; ``opened`` heads the day it was opened
    ("opened", "applied")."""
    return (
        ("id", id_cell),
        ("record", field_cell("record_id")),
        ("subject", field_cell("subject")),
        ("department", field_cell("department")),
        ("status", field_cell("status")),
        ("due", due_cell),
        ("late", late_cell),
        (opened, day_cell("created_at")),
    )


def answer(item: Item, as_json: bool, line: str, *, warn: bool = False) -> None:
    """A step's answer: the case as JSON, or ``line``; with ``warn``, then the warning of an
    estimated due day."""
    if as_json:
        print_json(item)
    else:
        console.print(line, highlight=False)
    if warn:
        warn_estimate(item)


def print_table(rows: Sequence[Item], columns: Sequence[Column]) -> None:
    table = CliTable()
    for header, _ in columns:
        table.add_column(header)
    for row in rows:
        table.add_row(*(cell(row) for _, cell in columns))
    console.print(table)
    warn_estimates(rows)


@dataclass(frozen=True)
class CaseCommands:
    """How a kind's cases are shown in the CLI."""

    queue: Queue
    #: The id argument's name in help texts, as typer writes a parameter's: objection.
    metavar: str
    #: The id argument's help: "The objection's id."
    id_help: str
    columns: Sequence[Column]
    #: The first line of a case's detail.
    headline: Callable[[Item], str]
    #: The detail's further lines: label and the view's field, printed when it has a value.
    fields: Sequence[tuple[str, str]]
    #: What the list says when it is empty: without and with ``--overdue``.
    nothing: str
    nothing_overdue: str
    overdue_help: str
    list_help: str
    show_help: str

    def print_detail(self, item: Item) -> None:
        console.print(self.headline(item), highlight=False)
        for label, name in self.fields:
            if item.get(name):
                console.print(f"{label}: {item[name]}", highlight=False)
        print_history(item.get("history") or [])
        warn_estimate(item)


def add_case_commands(app: typer.Typer, kind: CaseCommands) -> None:
    """``list``, ``show ID`` and ``note ID TEXT`` for the kind, in ``app``."""
    queue = kind.queue
    case_argument = typer.Argument(..., min=1, metavar=kind.metavar, help=kind.id_help)

    def listed(
        overdue: bool = typer.Option(False, "--overdue", help=kind.overdue_help),
        status: str | None = typer.Option(
            None, "--status", help=f"Only this status: {one_of(queue.kind.statuses)}."
        ),
        limit: int = LimitOption,
        offset: int = OffsetOption,
        as_json: bool = JsonOption,
        database: str | None = DatabaseOption,
    ) -> None:
        rows = queue.listed(
            open_registry(database),
            by=operator(None),
            limit=limit,
            offset=offset,
            status=status,
            overdue=overdue,
        )
        if as_json:
            print_json(rows)
        elif not rows:
            console.print(kind.nothing_overdue if overdue else kind.nothing)
        else:
            print_table(rows, kind.columns)

    def show(
        case: int = case_argument,
        as_json: bool = JsonOption,
        database: str | None = DatabaseOption,
    ) -> None:
        item = queue.shown(open_registry(database), case, by=operator(None))
        if as_json:
            print_json(item)
        else:
            kind.print_detail(item)

    def note(
        case: int = case_argument,
        text: str = typer.Argument(..., help="The note."),
        by: str | None = ByOption,
        as_json: bool = JsonOption,
        database: str | None = DatabaseOption,
    ) -> None:
        item = queue.note(open_registry(database), case, note=text, by=operator(by))
        if as_json:
            print_json(item)
        else:
            kind.print_detail(item)

    noun = queue.kind.noun
    app.command("list", help=kind.list_help)(handle_errors(listed))
    app.command("show", help=kind.show_help)(handle_errors(show))
    app.command(
        "note",
        help=f"Add a note to the {noun}'s history (its status unchanged); prints the {noun} "
        "with its history.",
    )(handle_errors(note))


__all__ = [
    "ByOption",
    "CaseCommands",
    "Column",
    "JsonOption",
    "LimitOption",
    "OffsetOption",
    "add_case_commands",
    "answer",
    "day_cell",
    "due_cell",
    "due_text",
    "field_cell",
    "id_cell",
    "late_cell",
    "one_of",
    "operator",
    "print_history",
    "print_table",
    "record_columns",
    "told_text",
    "warn_estimate",
    "warn_estimates",
]
