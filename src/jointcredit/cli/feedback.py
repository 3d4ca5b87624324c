"""``jointcredit feedback``: enforcement feedback (执行反馈) of implementing departments, reported
and read by the local operator.

The same rules as ``POST /api/v1/feedback``; every submission and read is recorded in the audit
log (acted by ``operator``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer

from jointcredit.access import OPERATOR
from jointcredit.cli.common import DatabaseOption, console, err_console, handle_errors, print_json
from jointcredit.cli.tables import CliTable
from jointcredit.errors import InvalidInputError
from jointcredit.rules.workdays import estimate_warning
from jointcredit.services import feedback as service
from jointcredit.services.registry import open_registry

app = typer.Typer(
    help="Enforcement feedback: report what a department did with a pushed entry or a check; "
    "list feedback; list overdue feedback.",
    no_args_is_help=True,
)

DepartmentFilter = typer.Option(None, "--department", help="Only this department's (catalog code).")
LimitOption = typer.Option(100, "--limit", min=1, help="At most this many rows.")


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"--date: {text!r} is not a date (YYYY-MM-DD)") from None


@app.command("submit")
@handle_errors
def submit(
    department: str = typer.Option(
        ..., "--department", help="The reporting department (catalog code)."
    ),
    message: int | None = typer.Option(
        None, "--message", min=1, help="The pushed message the feedback answers."
    ),
    record: int | None = typer.Option(None, "--record", min=1, help="The list entry acted on."),
    audit_id: int | None = typer.Option(
        None, "--audit", min=1, help="The audit row of the check acted on (receipt audit_entry)."
    ),
    measure: str = typer.Option(..., "--measure", help="Catalog id of the measure."),
    applied: bool = typer.Option(
        ..., "--applied/--not-applied", help="Whether the measure was applied."
    ),
    matter: str = typer.Option(..., "--matter", help="The matter (catalog code)."),
    case_reference: str | None = typer.Option(
        None, "--case-reference", help="The department's own case or file number."
    ),
    date: str | None = typer.Option(
        None, "--date", help="Day of the act, YYYY-MM-DD (default: today in China)."
    ),
    reason: str | None = typer.Option(None, "--reason", help="Why; required with --not-applied."),
    as_json: bool = typer.Option(False, "--json", help="Print the feedback as one JSON object."),
    database: str | None = DatabaseOption,
) -> None:
    """Record what DEPARTMENT did with a pushed message, a list entry or a check."""
    row = service.submit(
        open_registry(database),
        service.FeedbackIn(
            department=department,
            measure=measure,
            applied=applied,
            matter=matter,
            message_id=message,
            record_id=record,
            audit_id=audit_id,
            case_reference=case_reference,
            acted_on=_day(date),
            reason=reason,
        ),
        by=OPERATOR,
    )
    if as_json:
        print_json(row)
        return
    console.print(
        f"feedback {row['id']}: {row['department']} {_verb(row)} {row['measure']} "
        f"in {row['matter']} on {row['acted_on']} ({_about(row)})",
        highlight=False,
    )


def _verb(row: dict[str, Any]) -> str:
    return "applied" if row["applied"] else "did not apply"


def _about(row: dict[str, Any]) -> str:
    parts = []
    if row["message_id"] is not None:
        parts.append(f"message {row['message_id']}")
    if row["record_id"] is not None:
        parts.append(f"entry {row['record_id']}")
    if row["audit_id"] is not None:
        parts.append(f"check {row['audit_id']}")
    return ", ".join(parts)


@app.command("list")
@handle_errors
def listed(
    department: str | None = DepartmentFilter,
    record: int | None = typer.Option(None, "--record", min=1, help="Only on this entry."),
    message: int | None = typer.Option(None, "--message", min=1, help="Only on this message."),
    limit: int = LimitOption,
    as_json: bool = typer.Option(False, "--json", help="Print the feedback as one JSON array."),
    database: str | None = DatabaseOption,
) -> None:
    """Feedback, newest first."""
    rows = service.listed(
        open_registry(database),
        by=OPERATOR,
        limit=limit,
        department=department,
        record_id=record,
        message_id=message,
    )
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no feedback")
        return
    table = CliTable()
    for column in ("id", "department", "about", "measure", "applied", "matter", "on", "reason"):
        table.add_column(
            column, cjk=column == "reason", justify="right" if column == "id" else "left"
        )
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["department"],
            _about(row),
            row["measure"] or "",
            "yes" if row["applied"] else "no",
            row["matter"] or "",
            row["acted_on"],
            row["reason"] or "",
        )
    console.print(table)


@app.command("overdue")
@handle_errors
def overdue(
    department: str | None = DepartmentFilter,
    limit: int = typer.Option(1000, "--limit", min=1, help="At most this many messages."),
    as_json: bool = typer.Option(
        False, "--json", help="Print the overdue messages as one JSON array."
    ),
    database: str | None = DatabaseOption,
) -> None:
    """Messages announcing a listing or a change whose feedback is missing and past due
    (JOINTCREDIT_FEEDBACK_DUE), per department, with the due day and how late."""
    rows = service.outstanding(
        open_registry(database), by=OPERATOR, limit=limit, department=department
    )
    if any(r["due_estimated"] for r in rows):
        err_console.print(f"warning: some due days are {estimate_warning()}", markup=False)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no overdue feedback")
        return
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["department"]] = counts.get(row["department"], 0) + 1
    table = CliTable()
    for column in ("department", "message", "event", "entry", "subject", "due", "days late"):
        table.add_column(column, justify="right" if column in ("message", "days late") else "left")
    for row in rows:
        table.add_row(
            row["department"],
            str(row["message_id"]),
            row["event"],
            str(row["record_id"]),
            row["subject"],
            row["due"] + ("*" if row["due_estimated"] else ""),
            f"{row['days_late']} ({row['workdays_late']} working)",
        )
    console.print(table)
    console.print(
        ", ".join(f"{d}: {n} overdue" for d, n in sorted(counts.items())), highlight=False
    )
