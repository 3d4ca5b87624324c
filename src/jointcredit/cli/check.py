"""``jointcredit check`` and ``jointcredit screen``: one subject, or a whole book."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import IO

import typer

from jointcredit.access import OPERATOR, Principal
from jointcredit.cli.common import (
    DatabaseOption,
    console,
    err_console,
    handle_errors,
    print_json,
    progress_bar,
)
from jointcredit.cli.tables import CliTable
from jointcredit.errors import InputFileError
from jointcredit.importing.identifiers_file import read_identifiers
from jointcredit.services.check import answer, screen_audited
from jointcredit.services.registry import open_registry

DepartmentOption = typer.Option(..., "--department", help="Checking department (catalog code).")
MatterOption = typer.Option(..., "--matter", help="Matter of the check (catalog code).")
AsOfOption = typer.Option(
    None, "--as-of", formats=["%Y-%m-%d"], help="Date the check answers for (default: today)."
)


def _operator_for(department: str) -> Principal:
    """The operator checking on behalf of ``department``: its audit rows name that department,
    so a subject's "who looked me up" says who (a CLI check is a department's check, made from
    the terminal)."""
    return Principal(OPERATOR.role, department=department)


@handle_errors
def check(
    identifier: str = typer.Argument(..., help="USCC or resident identity number."),
    department: str = DepartmentOption,
    matter: str = MatterOption,
    as_of: dt.datetime | None = AsOfOption,
    as_json: bool = typer.Option(
        False,
        "--json",
        help="Print the answer with its signed receipt as one JSON object (as the API does).",
    ),
    database: str | None = DatabaseOption,
) -> None:
    """Which incentives and punishments apply to this subject, here, now, and why.

    The answer carries a signed receipt (verify it with `jointcredit receipt verify`) and the
    look-up is recorded in the audit log, as through the API."""
    result = answer(
        open_registry(database),
        identifier,
        by=_operator_for(department),
        department=department,
        matter=matter,
        as_of=as_of.date() if as_of else None,
    )
    if as_json:
        print_json(result)
        return
    subject = result["subject"]
    who = (
        f"{subject['name']} ({subject['kind']}, {subject['identifier']})"
        if subject
        else "unknown subject"
    )
    console.print(
        f"[bold]{who}[/] — {result['matter']} at {result['department']}, as of "
        f"{result['as_of']}; catalog {result['catalog_version']}",
        highlight=False,
    )
    receipt = result["receipt"]
    if not result["decisions"]:
        console.print("no measure applies")
    else:
        table = CliTable()
        for column in (
            "measure",
            "kind",
            "status",
            "binding",
            "via",
            "entry",
            "until",
            "text",
            "legal basis",
        ):
            table.add_column(column, cjk=column in ("text", "legal basis"))
        for d in result["decisions"]:
            via = f"{d['via']['role']} of {d['via']['organisation']}" if d["via"] else ""
            entry = f"{d['list_type']} {d['document_number']}" if d["entry"] else "clean record"
            table.add_row(
                d["measure"],
                d["kind"],
                d["status"],
                d["binding"],
                via,
                entry,
                d["until"] or "",
                d["text"],
                d["legal_basis"],
            )
        console.print(table)
    console.print(
        f"receipt {receipt['id']} (audit row {receipt['audit_entry']}; save the answer with "
        "--json and check it with `jointcredit receipt verify FILE`)",
        highlight=False,
    )


@handle_errors
def screen(
    file: Path = typer.Argument(..., help="Identifiers: CSV, JSON Lines or one per line."),
    department: str = DepartmentOption,
    matter: str = MatterOption,
    as_of: dt.datetime | None = AsOfOption,
    output: Path | None = typer.Option(
        None, "-o", "--output", help="Result file, .jsonl or .csv (default: JSON Lines on stdout)."
    ),
    database: str | None = DatabaseOption,
) -> None:
    """Check every identifier of a file (a bank's book, an approval office's applicants).

    Every subject looked up is recorded in the audit log."""
    if not file.is_file():
        raise InputFileError(f"{file}: no such file")
    engine = open_registry(database)
    out: IO[str] = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    as_csv = output is not None and output.suffix.lower() == ".csv"
    writer = None
    if as_csv:
        writer = csv.writer(out)
        writer.writerow(
            [
                "line",
                "input",
                "identifier",
                "error",
                "measures",
                "applied",
                "suspended",
                "decisions",
            ]
        )
    counts = {"lines": 0, "invalid": 0, "with_measures": 0}
    try:
        with progress_bar(f"screening {file.name}", in_bytes=False) as bar:
            results = screen_audited(
                engine,
                read_identifiers(file),
                by=_operator_for(department),
                department=department,
                matter=matter,
                as_of=as_of.date() if as_of else None,
            )
            for item in results:
                counts["lines"] += 1
                counts["invalid"] += item.error is not None
                decisions = item.result.decisions if item.result else ()
                counts["with_measures"] += bool(decisions)
                if writer is not None:
                    writer.writerow(
                        [
                            item.line,
                            item.input,
                            item.result.subject.identifier
                            if item.result and item.result.subject
                            else "",
                            item.error or "",
                            " ".join(sorted({d.measure for d in decisions})),
                            sum(d.status == "applied" for d in decisions),
                            sum(d.status == "suspended" for d in decisions),
                            json.dumps([d.to_dict() for d in decisions], ensure_ascii=False),
                        ]
                    )
                else:
                    out.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
                if counts["lines"] % 1000 == 0:
                    bar(counts["lines"], 0)
    finally:
        if output:
            out.close()
    err_console.print(
        f"screened {counts['lines']:,} lines: {counts['with_measures']:,} with measures, "
        f"{counts['invalid']:,} invalid identifiers" + (f"; results in {output}" if output else ""),
        highlight=False,
    )
