"""``jointcredit inspection``: risk-based random inspection (双随机、一公开) — draw a plan from
a population by credit-risk class with a published seed, assign inspectors at random without
conflicts of interest, publish the plan and later its results, and re-verify a draw
(docs/inspection.md).

Acts as ``operator``; every act is recorded in the audit log.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import typer

from jointcredit.access import OPERATOR
from jointcredit.cli.common import DatabaseOption, console, err_console, handle_errors, print_json
from jointcredit.cli.tables import CliTable
from jointcredit.errors import InvalidInputError
from jointcredit.inspection import draw
from jointcredit.inspection import inspectors as inspector_files
from jointcredit.inspection.rates import load_rates
from jointcredit.services import inspections as service
from jointcredit.services.registry import open_registry

app = typer.Typer(
    help="Risk-based random inspection (双随机、一公开): plan, publish, results, verify.",
    no_args_is_help=True,
)


def _list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]
    return items or None


@app.command("plan")
@handle_errors
def plan(
    name: str = typer.Option(..., "--name", help="The plan's name, as published."),
    department: str = typer.Option(..., "--department", help="Code of the department inspecting."),
    inspectors: Path = typer.Option(
        ..., "--inspectors", help="CSV or JSON list of inspectors with their conflicts."
    ),
    region: str | None = typer.Option(
        None, "--region", help="Division code prefix of the USCC: 33, 3301 or 330102."
    ),
    grades: str | None = typer.Option(
        None, "--grades", help="Only these classes, comma-separated: A,B,C,D,ungraded."
    ),
    kinds: str | None = typer.Option(
        None,
        "--kinds",
        help="Only these subject kinds: legal-person, other-organization, individual-business.",
    ),
    authority: str | None = typer.Option(
        None, "--authority", help="Registration authority code (USCC 1st character), e.g. 9."
    ),
    rates: Path | None = typer.Option(
        None, "--rates", help="Sampling rates YAML (default: the shipped one)."
    ),
    seed: str | None = typer.Option(
        None, "--seed", help="The seed in hex (32 to 128 digits); default: 128 random bits."
    ),
    seed_from: str | None = typer.Option(
        None, "--seed-from", help="Derive the seed from this public value (SHA-256)."
    ),
    team: int = typer.Option(2, "--team", help="Inspectors per subject."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
    database: str | None = DatabaseOption,
) -> None:
    """Draw a plan (stored as a draft): the population the filter names, each organisation
    drawn at its class's rate by the seed, and a team of inspectors for each drawn one."""
    if seed is not None and seed_from is not None:
        raise InvalidInputError("give --seed or --seed-from, not both")
    if seed_from is not None:
        seed = draw.seed_from(seed_from)
    loaded = load_rates(rates)
    people = inspector_files.load(inspectors)
    engine = open_registry(database)
    summary = service.plan(
        engine,
        by=OPERATOR,
        name=name,
        department=department,
        rates=loaded,
        inspectors=people,
        seed=seed,
        region=region,
        kinds=_list(kinds),
        grades=_list(grades),
        authority=authority,
        team=team,
    )
    if as_json:
        print_json(summary)
        return
    console.print(
        f"plan {summary['code']} (draft): {summary['drawn']:,} of {summary['population']:,} "
        f"organisations drawn; seed {summary['seed']}",
        highlight=False,
    )
    table = CliTable()
    for column in ("class", "rate", "population", "drawn", "expected"):
        table.add_column(column, justify="left" if column == "class" else "right")
    for cls, row in summary["counts"].items():
        table.add_row(
            cls, row["rate"], f"{row['population']:,}", f"{row['drawn']:,}", row["expected"]
        )
    console.print(table)
    if summary["unassigned"]:
        err_console.print(
            f"warning: {len(summary['unassigned'])} drawn subject(s) have no team of "
            f"{summary['team']} inspectors free of conflict: "
            + ", ".join(summary["unassigned"][:20]),
            highlight=False,
        )
    console.print(f"publish it with: jointcredit inspection publish {summary['code']}")


def _write(document: dict[str, Any], output: Path) -> None:
    if output.suffix.lower() == ".json":
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    elif output.suffix.lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        results = document["status"] == "closed"
        header = ["plan", "identifier", "name", "draw", "draw_value", "inspectors"]
        if results:
            header += ["result", "result_zh", "note", "result_at"]
        writer.writerow(header)
        for item in document["subjects"]:
            row = [
                document["code"],
                item["identifier"],
                item["name"],
                item["draw"],
                f"{item['draw_value']:.8f}",
                "; ".join(f"{i['id']} {i['name']}" for i in item["inspectors"]),
            ]
            if results:
                row += [item["result"], item["result_zh"], item["note"] or "", item["result_at"]]
            writer.writerow(row)
        text = buffer.getvalue()
    else:
        raise InvalidInputError(f"-o {output}: the file must end in .csv or .json")
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"-o {output}: {exc.strerror or exc}") from None


@app.command("publish")
@handle_errors
def publish(
    code: str = typer.Argument(..., help="The plan's code, e.g. 20261129-0001."),
    results: bool = typer.Option(
        False, "--results", help="Publish the results (every drawn subject must have one)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the public list to FILE.csv or FILE.json."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the public document as JSON."),
    database: str | None = DatabaseOption,
) -> None:
    """Publish a plan (its seed, rates, filter and the drawn organisations with their
    inspectors), or with --results what the inspections found. Only organisations are drawn:
    no natural person is ever listed."""
    engine = open_registry(database)
    document = service.publish(engine, code, by=OPERATOR, results=results)
    if output is not None:
        _write(document, output)
    if as_json:
        print_json(document)
        return
    what = "results of plan" if document["status"] == "closed" else "plan"
    console.print(
        f"published {what} {document['code']} {document['name']}: {document['drawn']:,} "
        f"organisations, seed {document['seed']}"
        + (f"; written to {output}" if output is not None else ""),
        highlight=False,
    )


@app.command("result")
@handle_errors
def result(
    code: str = typer.Argument(..., help="The plan's code."),
    identifier: str = typer.Argument(..., help="The drawn organisation's identifier (USCC)."),
    outcome: str = typer.Option(
        ..., "--outcome", help="What was found: " + ", ".join(service.OUTCOMES) + "."
    ),
    note: str | None = typer.Option(None, "--note", help="A note published with the result."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
    database: str | None = DatabaseOption,
) -> None:
    """Record what the inspection of one drawn organisation found."""
    engine = open_registry(database)
    done = service.record_result(engine, code, identifier, by=OPERATOR, outcome=outcome, note=note)
    if as_json:
        print_json(done)
        return
    console.print(
        f"{done['identifier']} in plan {done['code']}: {service.OUTCOMES[outcome][0]} "
        f"({service.OUTCOMES[outcome][1]})",
        highlight=False,
    )


@app.command("verify")
@handle_errors
def verify(
    code: str = typer.Argument(..., help="The plan's code."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
    database: str | None = DatabaseOption,
) -> None:
    """Repeat the plan's draw from its stored seed, population, rates and inspectors and say
    whether it matches (exit status 1 when it does not)."""
    engine = open_registry(database)
    checked = service.verify(engine, code, by=OPERATOR)
    if as_json:
        print_json(checked)
    else:
        verdict = "matches" if checked["matches"] else "DOES NOT MATCH"
        console.print(
            f"plan {checked['code']}: the draw {verdict} ({checked['checked']:,} organisations, "
            f"{checked['drawn']:,} drawn, seed {checked['seed']})",
            highlight=False,
        )
        for problem in checked["problems"]:
            console.print(f"  {problem}", highlight=False)
        if not checked["population_unchanged"]:
            console.print(
                "note: the population the filter names today differs from the one drawn "
                "(grades or registrations changed since); the stored one was checked",
                highlight=False,
            )
    if not checked["matches"]:
        raise typer.Exit(1)


@app.command("list")
@handle_errors
def list_plans(
    as_json: bool = typer.Option(False, "--json", help="Print the plans as JSON."),
    database: str | None = DatabaseOption,
) -> None:
    """The plans, newest first."""
    engine = open_registry(database)
    rows = service.plans(engine, by=OPERATOR)
    if as_json:
        print_json(rows)
        return
    table = CliTable()
    for column in ("code", "name", "department", "status", "population", "drawn", "unassigned"):
        table.add_column(column, cjk=column == "name")
    for r in rows:
        table.add_row(
            r["code"],
            r["name"],
            r["department"],
            r["status"],
            f"{r['population']:,}",
            f"{r['drawn']:,}",
            str(r["unassigned"]),
        )
    console.print(table)
