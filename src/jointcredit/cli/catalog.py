"""``jointcredit catalog``: lint the measure catalog, list its measures, print its version."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from jointcredit.catalog import Catalog, Measure, Problem, Status, default_paths, load_catalog
from jointcredit.catalog.loader import lint_report
from jointcredit.cli.common import console, err_console, handle_errors, print_json
from jointcredit.cli.tables import CliTable
from jointcredit.identifiers import divisions

app = typer.Typer(
    help="The measure catalog: departments, matters, list types and measures.",
    no_args_is_help=True,
)

_Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _shown(path: Path) -> str:
    """A path as short as it is unambiguous: relative to the working directory when inside."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _inside(file: Path, roots: list[Path]) -> bool:
    resolved = file.resolve()
    return any(resolved == r or r in resolved.parents for r in (p.resolve() for p in roots))


@app.command()
def lint(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH",
            help="Catalog files or directories to check, together with the configured catalog "
            "(default: the configured catalog itself).",
            show_default=False,
        ),
    ] = None,
    only: Annotated[
        bool,
        typer.Option(
            "--only", help="Check PATHS alone, without the shipped and configured catalog."
        ),
    ] = False,
    no_warnings: Annotated[bool, typer.Option("--no-warnings", help="Report errors only.")] = False,
    as_json: _Json = False,
) -> None:
    """Check the catalog: one line per problem, `file:line: severity code: message`.

    Exit status 1 when there is an error, 0 otherwise (warnings do not fail). With PATHS, the
    problems of those files are reported; the configured catalog is loaded too, because an
    operator's file refers to its list types and departments.
    """
    given = list(paths or [])
    if given and only:
        scope = given
    elif given:
        scope = [*default_paths(), *given]
    else:
        scope = list(default_paths())
    report = lint_report(scope)
    problems: list[Problem] = [
        p
        for p in report.problems
        if (not given or only or _inside(p.file, given)) and not (no_warnings and not p.is_error)
    ]
    errors = sum(p.is_error for p in problems)
    if as_json:
        print_json(
            {
                "version": str(report.version),
                "files": len(report.files),
                "errors": errors,
                "warnings": len(problems) - errors,
                "problems": [{**p.to_dict(), "file": _shown(p.file)} for p in problems],
            }
        )
    else:
        for p in problems:
            typer.echo(f"{_shown(p.file)}:{p.line}: {p.severity} {p.code}: {p.message}")
        err_console.print(
            f"{errors} error(s), {len(problems) - errors} warning(s); catalog {report.version}",
            highlight=False,
            markup=False,
        )
    if errors:
        raise typer.Exit(1)


def _departments(m: Measure) -> str:
    shown = ", ".join(m.implementing_departments) or "—"
    if m.implementing_departments_inferred:
        # Guesses of the transcriber: visibly marked, never in the same voice as the facts.
        guess = escape(", ".join(m.implementing_departments_inferred))
        shown += f"\n[dim]inferred, unverified: {guess}[/dim]"
    return shown


def _region(code: str) -> str:
    return f"{code} {divisions.name(code) or ''}".rstrip()


def _regions(catalog: Catalog, m: Measure) -> str:
    """Where a measure applies when its document or a list of its is regional: only at checks
    by departments inside that region."""
    doc = catalog.documents[m.document]
    shown = []
    if doc.region is not None:
        shown.append(f"{_region(doc.region)} (document)")
    for code in m.list_types:
        region = catalog.list_types[code].region
        if region is not None:
            shown.append(f"{_region(region)} (list {code})")
    if not shown:
        return ""
    return "; ".join(shown) + ": only at checks by departments there"


def _measure_table(catalog: Catalog, m: Measure) -> CliTable:
    """One measure as a two-column table: a wide table of every field does not fit a terminal,
    and the texts are what the reader came for."""
    doc = catalog.documents[m.document]
    title = escape(m.id)
    if doc.status is Status.SUPERSEDED and doc.superseded_by:
        issued = catalog.documents[doc.superseded_by].issued
        title += f" [yellow](superseded by {escape(doc.superseded_by)} from {issued})[/yellow]"
    table = CliTable(title=title, title_justify="left", show_header=False, expand=True)
    table.add_column(style="bold")
    table.add_column(cjk=True)
    if m.trigger is not None:
        clean = m.trigger.clean_record
        applies = (
            f"clean record for {clean.period} (breaks on: {', '.join(clean.negative)}; "
            f"subject known: {'yes' if clean.subject_known else 'no'})"
        )
    else:
        applies = ", ".join(m.list_types)
    table.add_row("kind", f"{m.kind}, {m.binding}, {m.category}")
    table.add_row("applies on", escape(applies))
    regions = _regions(catalog, m)
    if regions:
        table.add_row("region", escape(regions))
    table.add_row("targets", escape(", ".join(m.targets)))
    table.add_row("matters", escape(", ".join(m.matters)))
    table.add_row("departments", _departments(m))
    carried = tuple(
        dict.fromkeys(
            d
            for lt in (m.list_types or (None,))
            for d in catalog.implementers(m, lt, inferred=False)
        )
    )
    if carried and carried != m.implementing_departments:
        # Successors and counterparts: who is due to apply it today, where it applies.
        table.add_row("implemented by", escape(", ".join(carried)))
    table.add_row("legal basis", escape(m.legal_basis))
    if m.title_zh:
        table.add_row("heading", escape(m.title_zh))
    table.add_row("text", escape(m.text))
    if m.text_en and m.text_en != m.text:
        table.add_row("", f"[dim]{escape(m.text_en)}[/dim]")
    if m.unverified:
        table.add_row("unverified", f"[dim]{escape(', '.join(m.unverified))}[/dim]")
    return table


@app.command()
@handle_errors
def show(
    list_type: Annotated[
        str | None, typer.Option("--list-type", "-l", help="Only measures of this list type.")
    ] = None,
    department: Annotated[
        str | None,
        typer.Option("--department", help="Only measures this department implements."),
    ] = None,
    matter: Annotated[
        str | None, typer.Option("--matter", "-m", help="Only measures checked at this matter.")
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            metavar="YYYY-MM-DD",
            help="Only measures in force on this day (superseded documents drop out).",
        ),
    ] = None,
    include_inferred: Annotated[
        bool,
        typer.Option(
            "--include-inferred",
            help="With --department, also measures where the department is only inferred.",
        ),
    ] = False,
    as_json: _Json = False,
) -> None:
    """List measures: id, kind, binding, targets, matters, departments, legal basis, text."""
    day = None
    if on is not None:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            raise typer.BadParameter(f"{on!r} is not a date (YYYY-MM-DD)") from None
    catalog = load_catalog()
    measures = catalog.select(
        list_type=list_type,
        department=department,
        matter=matter,
        on=day,
        include_inferred=include_inferred,
    )
    if as_json:
        print_json(
            {
                "version": str(catalog.version),
                "measures": [
                    m.to_dict() | {"document_region": catalog.documents[m.document].region}
                    for m in measures
                ],
            }
        )
        return
    console.print(
        f"{len(measures)} measure(s) — catalog {catalog.version}", highlight=False, markup=False
    )
    for m in measures:
        console.print(_measure_table(catalog, m))


@app.command()
@handle_errors
def version(as_json: _Json = False) -> None:
    """Print the catalog version that check results carry: content digest and file count."""
    catalog = load_catalog()
    if as_json:
        print_json(
            {
                "version": str(catalog.version),
                "digest": catalog.version.digest,
                "file_count": catalog.version.files,
                "files": [_shown(f) for f in catalog.files],
            }
        )
    else:
        typer.echo(str(catalog.version))
