"""``jointcredit import``: the departments' files into the registry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from jointcredit.cli.common import (
    DatabaseOption,
    console,
    err_console,
    handle_errors,
    print_json,
    progress_bar,
)
from jointcredit.cli.tables import CliTable
from jointcredit.importing.list_formats import FORMATS, GENERIC
from jointcredit.importing.readers import detect_format
from jointcredit.messages import render
from jointcredit.services.imports import (
    ImportKind,
    ImportSummary,
    checked_list_format,
    import_file_audited,
    list_jobs,
)
from jointcredit.services.registry import open_registry

app = typer.Typer(help="Import departments' files (CSV, XLSX, JSON Lines).", no_args_is_help=True)

FileArgument = typer.Argument(..., exists=False, help="CSV (UTF-8/GB18030), XLSX or JSON Lines.")
JsonOption = typer.Option(False, "--json", help="Print one JSON object with the summary.")
EncodingOption = typer.Option(
    None, "--encoding", help="CSV encoding (default: detected; utf-8, utf-8-sig or gb18030)."
)
RejectsOption = typer.Option(
    None, "--rejects", help="Where to write rejected rows (default: FILE.rejects.csv beside it)."
)
TodayOption = typer.Option(
    None,
    "--today",
    help="Date that decisions may not lie after (default: today).",
    formats=["%Y-%m-%d"],
)


def _run(
    kind: ImportKind,
    file: Path,
    as_json: bool,
    encoding: str | None,
    rejects: Path | None,
    today: dt.datetime | None,
    database: str | None,
    list_format: str | None = None,
) -> None:
    # An unknown format is refused before the registry is opened or the file read.
    list_format = checked_list_format(kind, list_format)
    engine = open_registry(database)
    with progress_bar(f"importing {file.name}", in_bytes=detect_format(file) != "xlsx") as bar:
        summary = import_file_audited(
            engine,
            kind,
            file,
            encoding=encoding,
            rejects_path=rejects,
            today=today.date() if today else None,
            progress=bar,
            list_format=list_format,
        )
    if as_json:
        print_json(summary.to_dict())
    else:
        _print(summary)


def _print(s: ImportSummary) -> None:
    what = f"{s.kind} ({s.list_format} format)" if s.list_format else s.kind
    table = CliTable(title=f"{what} import of {s.file}", show_header=False)
    table.add_column()
    table.add_column()
    for label, value in (
        ("rows read", s.rows),
        ("accepted (new)", s.accepted),
        ("updated (new version)", s.updated),
        ("duplicates (unchanged)", s.duplicates),
        ("rejected rows", s.rejected_rows),
        ("seconds", f"{s.seconds:.2f}"),
        ("import job", s.job_id),
    ):
        table.add_row(label, str(value))
    console.print(table)
    for warning in s.to_dict()["warnings"]:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False, markup=False)
    if s.messages is not None:
        console.print(f"  push messages written for the departments concerned: {s.messages}")
    for item in s.rejected[:20]:
        reason = render(item["error"])  # JOINTCREDIT_LANG / --lang
        console.print(f"  row {item['row']}, {item['field']}: {reason}", highlight=False)
    if s.rejected_rows:
        more = len(s.rejected) - 20
        if more > 0 or s.rejected_truncated:
            console.print(f"  … and more: all rejected rows are in {s.rejects_file}")
        else:
            console.print(f"  rejected rows written to {s.rejects_file}")


def _command(kind: ImportKind, name: str, doc: str) -> None:
    """Register ``jointcredit import NAME``: the same options for every kind of file."""

    @handle_errors
    def command(
        file: Path = FileArgument,
        as_json: bool = JsonOption,
        encoding: str | None = EncodingOption,
        rejects: Path | None = RejectsOption,
        today: dt.datetime | None = TodayOption,
        database: str | None = DatabaseOption,
    ) -> None:
        _run(kind, file, as_json, encoding, rejects, today, database)

    command.__doc__ = doc
    app.command(name)(command)


_command(
    "licensing",
    "licensing",
    "Import administrative licensing decisions (the national 28-field format, or the 2016 "
    "template: told by the header).",
)
_command(
    "penalty",
    "penalties",
    "Import administrative penalty decisions (the national 30-field format, or the 2016 "
    "template: told by the header).",
)


@app.command("list-entries")
@handle_errors
def list_entries(
    file: Path = FileArgument,
    list_format: str = typer.Option(
        GENERIC,
        "--format",
        help="The file's format: generic (default: the columns of docs/list-entries.md), or a "
        "national list's own: " + ", ".join(f"{f.name} ({f.title_zh})" for f in FORMATS.values()),
    ),
    as_json: bool = JsonOption,
    encoding: str | None = EncodingOption,
    rejects: Path | None = RejectsOption,
    today: dt.datetime | None = TodayOption,
    database: str | None = DatabaseOption,
) -> None:
    """Import red- and black-list entries: the generic format (JSON Lines, or CSV with the same
    columns), or a national list's own format (--format court|samr|tax-violations|tax-a-grade:
    the list's published columns, kept with the entry)."""
    _run("list-entry", file, as_json, encoding, rejects, today, database, list_format)


@app.command("jobs")
@handle_errors
def jobs(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list of the jobs."),
    limit: int = typer.Option(50, "--limit", min=1, help="How many jobs, newest first."),
    status: str | None = typer.Option(
        None, "--status", help="Only jobs in this state: running, finished, failed, interrupted."
    ),
    database: str | None = DatabaseOption,
) -> None:
    """List the latest import jobs with their counts. A running job whose process has died
    (killed, crashed) is marked interrupted first, with the rows it had committed."""
    found = list_jobs(open_registry(database), limit=limit, status=status)
    if as_json:
        print_json(found)
        return
    table = CliTable(title="import jobs")
    for column in ("id", "kind", "status", "rows", "committed", "rejected", "started", "source"):
        table.add_column(column)
    for job in found:
        table.add_row(
            str(job["id"]),
            job["kind"],
            job["status"],
            str(job["rows"]),
            str(job["committed"]),
            str(job["rejected"]),
            (job["started_at"] or "")[:19],
            job["source"],
        )
    console.print(table)
