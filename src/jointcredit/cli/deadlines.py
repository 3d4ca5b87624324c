"""``jointcredit deadlines``: publication deadlines of licensing and penalty records — each
record's deadline and whether it was met, the count per department, and the backfill of
records written before the platform kept them.

Reads are recorded in the audit log (acted by ``operator``), as through the API.
"""

from __future__ import annotations

import datetime as dt

import typer

from jointcredit.access import OPERATOR
from jointcredit.cli.common import DatabaseOption, console, err_console, handle_errors, print_json
from jointcredit.cli.tables import CliTable
from jointcredit.errors import InvalidInputError
from jointcredit.rules.workdays import estimate_warning
from jointcredit.services import deadlines as service
from jointcredit.services.registry import open_registry

app = typer.Typer(
    help="Publication deadlines of licensing and penalty records: list, summary, refresh.",
    no_args_is_help=True,
)

DepartmentOption = typer.Option(
    None,
    "--department",
    help="Issuing authority or data source department: name, USCC or catalog code "
    "(repeat for several).",
)
KindOption = typer.Option(None, "--kind", help="licensing or penalty.")
FromOption = typer.Option(None, "--from", help="Decided on or after, YYYY-MM-DD.")
ToOption = typer.Option(None, "--to", help="Decided on or before, YYYY-MM-DD.")


def _day(option: str, text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None


def _filters(
    department: list[str] | None,
    kind: str | None,
    decided_from: str | None,
    decided_to: str | None,
    missed: bool = False,
) -> service.Filters:
    return service.Filters(
        department=tuple(department or ()),
        kind=kind,
        decided_from=_day("--from", decided_from),
        decided_to=_day("--to", decided_to),
        missed_only=missed,
    )


@app.command("publication")
@handle_errors
def publication(
    missed: bool = typer.Option(False, "--missed", help="Only deadlines that were missed."),
    department: list[str] | None = DepartmentOption,
    kind: str | None = KindOption,
    decided_from: str | None = FromOption,
    decided_to: str | None = ToOption,
    limit: int = typer.Option(100, "--limit", min=1, help="At most this many records."),
    as_json: bool = typer.Option(False, "--json", help="Print the records as one JSON array."),
    database: str | None = DatabaseOption,
) -> None:
    """Records with their publication deadline and whether it was met, latest decision
    first; for a revoked decision, its withdrawal."""
    rows = service.listed(
        open_registry(database),
        _filters(department, kind, decided_from, decided_to, missed),
        by=OPERATOR,
        limit=limit,
    )
    if any(r["due_estimated"] for r in rows):
        err_console.print(f"warning: some due days are {estimate_warning()}", markup=False)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no records with a publication deadline" + (" missed" if missed else ""))
        return
    table = CliTable()
    for column in ("id", "kind", "authority", "decided", "due", "on platform", "outcome"):
        table.add_column(
            column, cjk=column == "authority", justify="right" if column == "id" else "left"
        )
    for row in rows:
        outcome = "met" if row["met"] else f"missed by {row['workdays_late']} working days"
        withdrawal = row["withdrawal"]
        if withdrawal is not None:
            outcome += "; withdrawn " + (
                "in time" if withdrawal["met"] else f"{withdrawal['workdays_late']} days late"
            )
        table.add_row(
            str(row["id"]),
            row["kind"],
            row["issuing_authority"],
            row["decision_date"],
            row["publication_due"] + ("*" if row["due_estimated"] else ""),
            row["published_on"],
            outcome,
        )
    console.print(table)


@app.command("summary")
@handle_errors
def summary(
    by: str = typer.Option(
        "issuing_authority",
        "--by",
        help="Count per issuing_authority (which owes the publication) or source_department.",
    ),
    department: list[str] | None = DepartmentOption,
    kind: str | None = KindOption,
    decided_from: str | None = FromOption,
    decided_to: str | None = ToOption,
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON array."),
    database: str | None = DatabaseOption,
) -> None:
    """Per department: records with a deadline, met, missed and the share met."""
    rows = service.summary(
        open_registry(database),
        _filters(department, kind, decided_from, decided_to),
        by=OPERATOR,
        group_by=by,
    )
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no records with a publication deadline")
        return
    table = CliTable()
    for column in ("department", "records", "met", "missed", "share met", "withdrawals missed"):
        table.add_column(
            column,
            cjk=column == "department",
            justify="left" if column == "department" else "right",
        )
    for row in rows:
        share = row["share_met"]
        table.add_row(
            row["department"] or "",
            f"{row['records']:,}",
            f"{row['met']:,}",
            f"{row['missed']:,}",
            "" if share is None else f"{share:.1%}",
            f"{row['withdrawals_missed']:,} of {row['withdrawals']:,}",
        )
    console.print(table)


@app.command("refresh")
@handle_errors
def refresh(
    as_json: bool = typer.Option(False, "--json", help="Print the counts as one JSON object."),
    database: str | None = DatabaseOption,
) -> None:
    """Fill the deadlines of records written before the platform kept them (idempotent)."""
    result = service.refresh(open_registry(database), by=OPERATOR)
    if as_json:
        print_json(result.to_dict())
        return
    console.print(
        f"filled the publication deadline of {result.published:,} records and the withdrawal "
        f"deadline of {result.withdrawn:,} revoked ones",
        highlight=False,
    )
