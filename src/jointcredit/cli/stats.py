"""``jointcredit stats``: department tracking statistics (issue 7) — per department and period,
records submitted, deadlines kept, rejected rows, completeness, list entries, feedback,
objections and repairs, checks per matter, and the ranking with its formula; and
``stats refresh``, which brings their summary tables up to date.

Reads are recorded in the audit log (acted by ``operator``), as through the API.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from jointcredit.access import OPERATOR
from jointcredit.cli.common import DatabaseOption, console, handle_errors, print_json
from jointcredit.cli.tables import CliTable
from jointcredit.errors import InvalidInputError
from jointcredit.services import stats_summaries
from jointcredit.services import tracking as service
from jointcredit.services.registry import open_registry

app = typer.Typer(
    help="Statistics for supervisors: department tracking, and its summary tables.",
    no_args_is_help=True,
)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _region(row: dict[str, Any]) -> str:
    if row["level"] is None:
        return ""  # a name the catalog does not know: no known place
    if row["region"] is None:
        return "national"
    return f"{row['region']}\n{row['region_name'] or ''}".rstrip()


@app.command("departments")
@handle_errors
def departments(
    region: str | None = typer.Option(
        None,
        "--region",
        help="Division code prefix: 33, 3301 or 330102 (330000 = 33); default: the node's "
        "JOINTCREDIT_REGION, else every region.",
    ),
    all_regions: bool = typer.Option(
        False, "--all-regions", help="Every region, also on a node with JOINTCREDIT_REGION."
    ),
    period: str | None = typer.Option(
        None, "--period", help="2026Q3 (quarter), 2026-09 (month) or 2026 (year); default: now."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
    as_csv: bool = typer.Option(False, "--csv", help="Print the departments' rows as CSV."),
    database: str | None = DatabaseOption,
) -> None:
    """Per department: what it submitted and how well it kept its limits, ranked by the
    formula printed below the table (docs/tracking.md). The table lists the departments by
    region (national bodies, each province, its cities, their counties); --json and --csv keep
    the ranking's order, and --json adds the grouping (``regions``)."""
    if as_json and as_csv:
        raise InvalidInputError("--json and --csv: give one of them")
    if all_regions and region is not None:
        raise InvalidInputError("--region and --all-regions: give one of them")
    if period is not None:
        service.parse_period(period)  # a bad period is named before the database is opened
    service.parse_region(region)
    if region is None and not all_regions:
        region = service.node_region()
    result = service.departments(open_registry(database), by=OPERATOR, period=period, region=region)
    if as_json:
        print_json(result)
        return
    if as_csv:
        sys.stdout.write(service.csv_text(result))
        return
    where = f", region {result['region']}" if result["region"] else ""
    console.print(
        f"period {result['period']['label']} ({result['period']['first_day']} to "
        f"{result['period']['last_day']}){where}",
        highlight=False,
    )
    if not result["departments"]:
        console.print("nothing recorded for any department in this period")
        return
    table = CliTable()
    columns = ("region", "department", "rank", "score", "records", "on time", "rejected",
               "complete", "entries", "pushes", "feedback", "handled", "checks")  # fmt: skip
    ordered = service.in_hierarchy(result)
    # In a narrow terminal the names wrap, but a region's or a department's code stays whole.
    widest = {
        "region": 8,
        "department": max(2 * r["depth"] + len(r["department"]) for r in ordered),
    }
    for column in columns:
        table.add_column(
            column,
            cjk=column == "department",
            justify="left" if column in widest else "right",
            min_width=widest.get(column),
        )
    # In the hierarchy's order (national bodies, each province, its cities, their counties),
    # each department indented under its region and parent; the ranking is in its column.
    for row in ordered:
        table.add_row(
            _region(row),
            "  " * row["depth"] + row["department"] + (f"\n{row['name']}" if row["name"] else ""),
            "" if row["rank"] is None else str(row["rank"]),
            "" if row["score"] is None else f"{row['score']:.1f}",
            f"{row['records']:,}",
            _percent(row["publication_on_time_share"]),
            _percent(row["rejected_rate"]),
            _percent(row["completeness"]),
            f"{row['list_entries_initiated']:,}",
            f"{row['pushes_received']:,}",
            _percent(row["feedback_on_time_share"]),
            _percent(row["handled_in_time_share"]),
            f"{row['checks']:,}",
        )
    console.print(table)
    console.print(result["formula"], highlight=False)


@app.command("refresh")
@handle_errors
def refresh(
    full: bool = typer.Option(
        False, "--full", help="Count everything again instead of what changed since the last time."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print what was done as one JSON object."),
    database: str | None = DatabaseOption,
) -> None:
    """Bring the statistics' summary tables up to date (docs/tracking.md). Every statistics read
    does this first; run it from a timer, or after a large import, so that reads find little
    left to do. The first run after the upgrade counts the whole registry."""
    done = stats_summaries.refresh(open_registry(database), full=full)
    if as_json:
        print_json(done)
        return
    what = "counted everything" if done["full"] else "brought up to date"
    console.print(
        f"summary tables {what} in {done['seconds']:,.3f} s: {done['months_counted']:,} "
        f"month(s) of records and {done['days_counted']:,} day(s) of messages counted again"
        + (
            f"; {done['gaps']:,} range(s) of ids not yet visible, looked at again next time"
            if done["gaps"]
            else ""
        ),
        highlight=False,
    )
