"""``jointcredit demo``: the main job on the embedded default, from nothing to a filled registry.

Creates (or reuses) the SQLite registry, writes synthetic departments' files, imports them, and
shows what the registry now holds. Run it twice: the second import adds nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from sqlalchemy import Engine, func, select

from jointcredit import synth
from jointcredit.cli.common import DatabaseOption, console, handle_errors, progress_bar
from jointcredit.identifiers.mask import mask_identifier
from jointcredit.jsontext import dumps
from jointcredit.services.check import check
from jointcredit.services.imports import import_file
from jointcredit.services.registry import open_registry, subject_report
from jointcredit.services.registry import summary as registry_summary
from jointcredit.settings import get_settings
from jointcredit.store.tables import credit_records, subjects
from jointcredit.synth.entries import list_entry_rows


@handle_errors
def demo(
    subjects_n: int = typer.Option(2000, "--subjects", min=1, help="Synthetic subjects."),
    licensing: int = typer.Option(5000, "--licensing", min=0, help="Licensing rows."),
    penalties: int = typer.Option(3000, "--penalties", min=0, help="Penalty rows."),
    entries: int = typer.Option(300, "--entries", min=0, help="Red- and black-list entries."),
    bad_rows: int = typer.Option(
        5, "--bad-rows", min=0, help="Deliberately invalid penalty rows, to show the rejects."
    ),
    seed: int = typer.Option(2016, "--seed", help="Random seed of the synthetic data."),
    directory: Path | None = typer.Option(
        None, "--dir", help="Where to write the demo files (default: DATA_DIR/demo)."
    ),
    database: str | None = DatabaseOption,
) -> None:
    """Create the registry, load synthetic demo data and show a summary."""
    settings = get_settings()
    out = directory or settings.data_dir / "demo"
    out.mkdir(parents=True, exist_ok=True)
    engine = open_registry(database)
    console.print(f"registry: {engine.url.render_as_string(hide_password=True)}", highlight=False)

    today = dt.date.today()
    gen = synth.Generator(seed=seed, today=today, subjects=subjects_n)
    files = {
        "licensing": out / "licensing.csv",
        "penalty": out / "penalties.csv",
    }
    synth.write_rows(files["licensing"], gen.licensing_rows(licensing), synth.LICENSING_FIELDS)
    plan = gen.plan_bad_rows(penalties, min(bad_rows, penalties))
    synth.write_rows(files["penalty"], gen.penalty_rows(penalties, plan), synth.PENALTY_FIELDS)
    files["list-entry"] = out / "list-entries.jsonl"
    listed = list(list_entry_rows(gen, entries, seed=seed))
    files["list-entry"].write_text("".join(dumps(e) + "\n" for e in listed), encoding="utf-8")
    console.print(f"synthetic files (organisation codes marked JC…): {out}", highlight=False)

    results = Table(title="imports")
    for column in ("file", "rows", "accepted", "updated", "duplicates", "rejected", "seconds"):
        results.add_column(column, justify="left" if column == "file" else "right")
    for kind, path in files.items():
        with progress_bar(f"importing {path.name}", in_bytes=True) as bar:
            s = import_file(engine, kind, path, today=today, progress=bar)  # type: ignore[arg-type]
        results.add_row(
            path.name,
            f"{s.rows:,}",
            f"{s.accepted:,}",
            f"{s.updated:,}",
            f"{s.duplicates:,}",
            f"{s.rejected_rows:,}",
            f"{s.seconds:.2f}",
        )
        for item in s.rejected[:10]:
            console.print(
                f"  rejected: {path.name} row {item['row']}, {item['field']}: {item['error']}",
                highlight=False,
            )
        if s.rejects_file:
            console.print(f"  rejected rows are in {s.rejects_file}", highlight=False)
    console.print(results)

    counts = Table(title="the registry holds")
    counts.add_column("what")
    counts.add_column("count", justify="right")
    for key, value in sorted(registry_summary(engine).items()):
        counts.add_row(key, f"{value:,}")
    console.print(counts)

    with engine.connect() as conn:
        busiest = conn.execute(  # the subject with the most records
            select(subjects.c.identifier, func.count().label("n"))
            .join(credit_records, credit_records.c.subject_id == subjects.c.id)
            .group_by(subjects.c.identifier)
            .order_by(func.count().desc(), subjects.c.identifier)
            .limit(1)
        ).first()
    if busiest:
        report = subject_report(engine, busiest.identifier, masked=True)
        console.print(
            f"subject with the most records: {report.subject['name']} "
            f"({report.subject['identifier']}), {len(report.records)} records",
            highlight=False,
        )
        console.print(f"next: jointcredit subjects show {busiest.identifier}", highlight=False)
    _sample_check(engine, listed, today)


def _sample_check(engine: Engine, listed: list[dict[str, Any]], today: dt.date) -> None:
    """Show the joint check on a listed company's legal representative buying an air ticket."""
    sample = next(
        (
            e
            for e in listed
            if e["persons"]
            and e["list_type"] == "judgment-defaulters"
            and e["decided_on"] <= today.isoformat()
            and "valid_until" not in e
        ),
        None,
    )
    if sample is None:
        return
    person = sample["persons"][0]["id_number"]
    result = check(engine, person, department="CAAC", matter="air-travel", as_of=today)
    console.print(
        f"\njoint check: the legal representative ({mask_identifier(person, 'resident-id')}) of "
        f"{sample['subject']['name']}, listed on {sample['list_type']}, buys an air ticket:",
        highlight=False,
    )
    for d in result.decisions:
        via = f" via {d.via['role']} of {d.via['organisation']}" if d.via else ""
        console.print(f"  {d.status} {d.kind} {d.measure}{via}: {d.text}", highlight=False)
        console.print(f"    legal basis: {d.legal_basis}", highlight=False)
    console.print(
        f"next: jointcredit check {person} --department CAAC --matter air-travel --json",
        highlight=False,
    )
