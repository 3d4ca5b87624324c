"""``jointcredit report``: the credit analysis report of a region and period (issue 7; 33号 §13)
as a self-contained HTML file or a PDF — records by kind and sector, the trend, the most frequent
violations, list entries and exits, repairs and the region's sub-divisions compared, with no
personal data (docs/reports.md).

The read is recorded in the audit log (``read-analysis``, acted by ``operator``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from jointcredit.access import OPERATOR
from jointcredit.cli.common import DatabaseOption, console, handle_errors
from jointcredit.errors import InvalidInputError
from jointcredit.reports import render
from jointcredit.services import analysis
from jointcredit.services.registry import open_registry
from jointcredit.services.tracking import parse_period


@handle_errors
def report(
    region: str = typer.Option(
        ..., "--region", help="Division code: 33 (a province), 3301 (a city) or 330102 (a county)."
    ),
    period: str = typer.Option(
        ..., "--period", help="2026Q3 (quarter), 2026-09 (month) or 2026 (year)."
    ),
    sector: str | None = typer.Option(
        None,
        "--sector",
        help="USCC registration department (9) or department and category (91 enterprises, "
        "92 individual businesses, 12 public institutions, 51 social groups).",
    ),
    output: Path = typer.Option(
        ..., "-o", help="The report file: FILE.html or FILE.pdf (the suffix chooses)."
    ),
    database: str | None = DatabaseOption,
) -> None:
    """Credit analysis report of a region and period (HTML or PDF): records by kind and
    sector, trend by month, most frequent violations, list entries and exits, repairs and the
    sub-divisions compared — from the registry alone, persons only counted."""
    # Every input is named before the database is opened.
    render.output_format(output)
    analysis.parse_region_code(region)
    parse_period(period)
    analysis.parse_sector(sector)
    if not output.parent.is_dir():
        raise InvalidInputError(f"-o: the folder of {str(output)!r} does not exist")
    figures = analysis.report(
        open_registry(database), by=OPERATOR, region=region, period=period, sector=sector
    )
    chosen = render.write(figures, output)
    summary = figures["summary"]
    console.print(
        f"{output}: {chosen.upper()} report, {figures['region']['name']} "
        f"({figures['region']['code']}), {figures['period']['label']}, "
        f"{summary['records']:,} records",
        highlight=False,
        soft_wrap=True,
    )
