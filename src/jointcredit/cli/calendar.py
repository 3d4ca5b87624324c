"""``jointcredit calendar``: the holiday calendar deadlines are counted with — a year as it is
counted, and the check of an operator's holiday file (``JOINTCREDIT_HOLIDAYS_FILE``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from jointcredit.cli.common import err_console, handle_errors, print_json
from jointcredit.errors import ConfigurationError
from jointcredit.rules import holidays, workdays
from jointcredit.services import holidays as configured

app = typer.Typer(
    help="The holiday calendar of working-day deadlines: show a year, lint a holiday file.",
    no_args_is_help=True,
)

_Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _spans(days: tuple[tuple[dt.date, str], ...]) -> list[tuple[dt.date, dt.date, str]]:
    """Consecutive days of the same holiday as one span: a week of 春节 is one line."""
    out: list[tuple[dt.date, dt.date, str]] = []
    for day, name in days:
        if out and out[-1][2] == name and out[-1][1] + dt.timedelta(days=1) == day:
            out[-1] = (out[-1][0], day, name)
        else:
            out.append((day, day, name))
    return out


def _span_line(first: dt.date, last: dt.date, name: str) -> str:
    if first == last:
        text = f"  {first.isoformat()} {first:%a}"
    else:
        count = (last - first).days + 1
        text = f"  {first.isoformat()} – {last.isoformat()} ({count} days)"
    return f"{text}  {name}".rstrip()


def _source_line(year: workdays.YearCalendar) -> str:
    if year.source == "chinesecalendar":
        return f"{year.year}: {year.origin} (the State Council's notices, as the package has them)"
    if year.source == "file":
        return f"{year.year}: holiday file {year.origin}, notice {year.notice}"
    return (
        f"{year.year}: unknown, weekends only. The calendar knows {workdays.known_years_text()}; "
        "add the year to the file JOINTCREDIT_HOLIDAYS_FILE names once its notice is published"
    )


@app.command()
@handle_errors
def show(
    year: Annotated[int, typer.Argument(min=1900, max=9999, help="The year, e.g. 2027.")],
    as_json: _Json = False,
) -> None:
    """A year as deadlines count it: where its holidays come from (chinesecalendar, the holiday
    file and its notice, or unknown: weekends only), its days off, its make-up workdays (调休)
    and its number of working days."""
    configured.install()
    shown = workdays.year_calendar(year)
    if as_json:
        print_json(
            {
                "year": shown.year,
                "source": shown.source,
                "origin": shown.origin,
                "notice": shown.notice,
                "estimated": shown.source == "unknown",
                "holidays": [{"date": d.isoformat(), "name": n} for d, n in shown.holidays],
                "workdays": [{"date": d.isoformat(), "name": n} for d, n in shown.workdays],
                "working_days": shown.working_days,
            }
        )
        return
    lines = [_source_line(shown)]
    if shown.source != "unknown":
        lines.append(f"days off ({len(shown.holidays)}):")
        lines += [_span_line(*span) for span in _spans(shown.holidays)]
        lines.append(f"make-up workdays ({len(shown.workdays)}):")
        lines += [_span_line(d, d, n) for d, n in shown.workdays]
    estimated = " (estimated: weekends only)" if shown.source == "unknown" else ""
    lines.append(f"working days: {shown.working_days}{estimated}")
    for line in lines:
        typer.echo(line)


def _warnings(calendar: holidays.HolidayCalendar) -> list[str]:
    """What is legal but probably not meant: years the package knows (the file's days do not
    count there) and years left out between the known ones."""
    out = []
    for year, table in calendar.years.items():
        if year not in workdays.PACKAGE_YEARS:
            continue
        differ = workdays.package_disagrees(table)
        note = (
            f"; it counts {len(differ)} day(s) otherwise, first {differ[0].isoformat()}"
            if differ
            else ""
        )
        out.append(
            f"{year}: known to {workdays.PACKAGE}, whose days count: the file's are ignored{note}"
        )
    known = workdays.PACKAGE_YEARS | set(calendar.years)
    gaps = sorted(set(range(min(known), max(known))) - known)
    if gaps:
        out.append(
            f"{workdays.year_runs(gaps)}: in neither the file nor {workdays.PACKAGE}: "
            "deadlines across them are counted with weekends only"
        )
    return out


@app.command()
@handle_errors
def lint(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="The holiday file to check (default: the one JOINTCREDIT_HOLIDAYS_FILE names).",
            show_default=False,
        ),
    ] = None,
    as_json: _Json = False,
) -> None:
    """Check a holiday file: every error on a line of its own and exit status 1; else a
    one-line summary and 0. Warnings (a year the package knows, a year missing between known
    ones) do not fail."""
    path = file or configured.configured_file()
    if path is None:
        raise ConfigurationError(
            "no file given and JOINTCREDIT_HOLIDAYS_FILE is not set: name the file to check"
        )
    try:
        calendar = holidays.load(path)
    except holidays.HolidayFileError as exc:
        if as_json:
            print_json({"file": str(path), "errors": list(exc.problems), "warnings": []})
        else:
            for problem in exc.problems:
                typer.echo(f"{path}: {problem}")
            err_console.print(f"{len(exc.problems)} error(s)", highlight=False, markup=False)
        raise typer.Exit(1) from None
    warnings = _warnings(calendar)
    years: list[dict[str, Any]] = [
        {
            "year": t.year,
            "notice": t.notice,
            "holidays": len(t.holidays),
            "workdays": len(t.workdays),
        }
        for t in calendar.years.values()
    ]
    if as_json:
        print_json({"file": str(path), "errors": [], "warnings": warnings, "years": years})
        return
    for warning in warnings:
        err_console.print(f"{path}: warning: {warning}", highlight=False, markup=False)
    listed = ", ".join(f"{y['year']} ({y['notice']})" for y in years)
    typer.echo(
        f"{path}: no errors; {len(years)} year(s): {listed}; "
        f"{sum(y['holidays'] for y in years)} days off, "
        f"{sum(y['workdays'] for y in years)} make-up workdays"
    )
