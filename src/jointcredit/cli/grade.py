"""``jointcredit grade``: the public credit comprehensive evaluation (公共信用综合评价) — one
organisation's grade with every indicator's points and the records behind them, or every grade
that may have changed recomputed (docs/grading.md).

Acts as ``operator``; every grade shown and every run is recorded in the audit log.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from jointcredit.access import OPERATOR
from jointcredit.cli.common import DatabaseOption, console, handle_errors, print_json
from jointcredit.cli.tables import CliTable
from jointcredit.errors import InvalidInputError
from jointcredit.grading.scorecard import load_scorecard
from jointcredit.services import grading
from jointcredit.services.registry import open_registry


def _day(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(f"--as-of {value!r} is not a date like 2026-11-29") from None


@handle_errors
def grade(
    identifier: str | None = typer.Argument(
        None, help="USCC or other identifier of the organisation to grade."
    ),
    every: bool = typer.Option(
        False, "--all", help="Recompute every grade that may have changed since the last run."
    ),
    full: bool = typer.Option(
        False, "--full", help="With --all: recompute every organisation's grade."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Grade as on this day (YYYY-MM-DD); default: today."
    ),
    scorecard: Path | None = typer.Option(
        None,
        "--scorecard",
        help="Scorecard YAML file (default: JOINTCREDIT_SCORECARD_FILE, else the shipped one).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
    database: str | None = DatabaseOption,
) -> None:
    """Public credit comprehensive evaluation: an organisation's grade (A low risk … D high
    risk), or with --all every grade that changed, with counts by grade and time taken."""
    if every == (identifier is not None):
        raise InvalidInputError("give an IDENTIFIER or --all (one of them)")
    if full and not every:
        raise InvalidInputError("--full goes with --all")
    day = _day(as_of)
    card = load_scorecard(scorecard)
    engine = open_registry(database)
    if every:
        summary = grading.grade_all(engine, by=OPERATOR, changed_only=not full, day=day, card=card)
        if as_json:
            print_json(summary)
            return
        mode = "every organisation" if summary["full"] else "changed since the last run"
        console.print(
            f"graded {summary['subjects']:,} organisations ({mode}) in {summary['seconds']:.1f} s; "
            f"{summary['changed']:,} changed score or grade; scorecard {summary['scorecard']}",
            highlight=False,
        )
        table = CliTable()
        table.add_column("grade")
        table.add_column("organisations", justify="right")
        for name, count in summary["counts"].items():
            table.add_row(name, f"{count:,}")
        console.print(table)
        return
    assert identifier is not None
    shown = grading.grade_one(engine, identifier, by=OPERATOR, day=day, card=card)
    if as_json:
        print_json(shown)
        return
    console.print(
        f"{shown['identifier']} {shown['name']}: grade {shown['grade']} "
        f"({shown['grade_name']['zh']} / {shown['grade_name']['en']}), score {shown['score']} "
        f"as of {shown['as_of']}; scorecard {shown['scorecard']}, base {shown['base']}",
        highlight=False,
    )
    table = CliTable()
    for column in ("indicator", "count", "points", "records"):
        table.add_column(
            column,
            cjk=column == "indicator",
            justify="right" if column in ("count", "points") else "left",
        )
    for item in shown["indicators"]:
        records = ", ".join(
            f"#{r['id']} {r['document_number']} ({r['decision_date']})" for r in item["records"]
        )
        points = item["points"] + (" (capped)" if item["capped"] else "")
        table.add_row(f"{item['id']} {item['name_zh']}", str(item["count"]), points, records)
    console.print(table)
    if shown["valid_until"]:
        console.print(f"unless its records change, valid until {shown['valid_until']}")
    for change in shown["history"][:5]:
        before = (
            f"{change['grade_before']} {change['score_before']}" if change["grade_before"] else "—"
        )
        console.print(
            f"  {change['as_of']}: {before} → {change['grade_after']} {change['score_after']} "
            f"({change['reason']})",
            highlight=False,
        )
