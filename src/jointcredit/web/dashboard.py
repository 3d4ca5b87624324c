"""The supervisor dashboard (``/console/dashboard``): the department tracking statistics of
:mod:`jointcredit.services.tracking` as a table, charts and a CSV download.

Filters are a plain GET form (period, region); every URL of the page carries them, so a chart
or the CSV shows exactly what the table shows. The region starts as the node's own
(``JOINTCREDIT_REGION``); an emptied field shows every region. The table lists the departments
by region (national bodies, each province, its cities, their counties, with the regions' totals
in their headings); the ranking is its column, the charts and the CSV. Charts are SVG
documents of their own (``/console/dashboard/charts/{name}.svg``, drawn by
:mod:`jointcredit.web.charts`; ``size=narrow`` draws one for a phone's width, which a
``<picture>`` picks there) with a policy that allows only their inline style; each has its
numbers in a table beside it. The ranking comes first: its chart and table (rank 1 on top),
the departments below the ranking's minimum of counted records listed apart, then the formula.
Every read goes through the service as the signed-in member, which checks ``statistics`` and
audits.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from jointcredit.errors import InvalidInputError, NotFoundError
from jointcredit.identifiers import divisions
from jointcredit.services import tracking
from jointcredit.settings import get_settings
from jointcredit.web import charts
from jointcredit.web.i18n import translator
from jointcredit.web.render import catalog_name, language
from jointcredit.web.session import console_page, department_label, engine_of, require_staff

router = APIRouter(include_in_schema=False)

BASE = "/console/dashboard"
#: Departments per page of the table (a province has thousands of issuing bodies; the CSV has
#: them all).
PAGE_SIZE = 50


def _filters(request: Request) -> tuple[str, str]:
    """Period and region as asked. No ``region`` at all (the first visit) is the node's own
    (``JOINTCREDIT_REGION``); an empty one is every region."""
    period = (request.query_params.get("period") or "").strip()[:40]
    asked = request.query_params.get("region")
    if asked is None:
        return period, get_settings().region or ""
    return period, asked.strip()[:40]


def _query(period: str, region: str) -> str:
    # ``region`` even when empty: on a regional node an empty one means every region, so the
    # charts, the CSV and the pager show what the table shows.
    return urlencode({"period": period, "region": region})


def _lines(result: dict[str, Any], offset: int, size: int) -> list[dict[str, Any]]:
    """The table's lines on a page, in the hierarchy's order: a region's heading (``group``)
    before its departments (``row``). A page starting inside a region repeats its heading
    (``continued``); the regions enclosing a region on the page head it even when they have
    no department there, so that each page reads as a hierarchy."""
    rows = {r["department"]: r for r in result["departments"]}
    groups = result["regions"]
    placed = [(i, code) for i, g in enumerate(groups) for code in g["departments"]]
    page = placed[offset : offset + size]
    wanted = {i for i, _ in page}
    index = {g["region"]: i for i, g in enumerate(groups) if g["region"] is not None}
    for i in list(wanted):
        region = groups[i]["region"]
        for outer in divisions.enclosing(region)[:-1] if region else ():
            wanted.add(index[outer])
    first = {i: g["departments"][0] for i, g in enumerate(groups) if g["departments"]}
    lines: list[dict[str, Any]] = []
    for i, g in enumerate(groups):
        if i not in wanted:
            continue
        mine = [code for j, code in page if j == i]
        continued = bool(mine) and first.get(i) != mine[0]
        lines.append({"group": g, "row": None, "continued": continued})
        lines.extend({"group": None, "row": rows[code], "continued": False} for code in mine)
    return lines


def _unranked(result: dict[str, Any]) -> dict[str, Any]:
    """The departments with a score but too few counted records to be ranked (the first of
    them, by score, and how many there are)."""
    rows = [r for r in result["departments"] if r["score"] is not None and r["rank"] is None]
    return {"rows": rows[: charts.MAX_BARS], "total": len(rows)}


def _matter_label(lang: str) -> Any:
    return catalog_name(lang, "matters")


def _offset(request: Request, total: int) -> int:
    try:
        asked = int(request.query_params.get("offset") or 0)
    except ValueError:
        raise InvalidInputError("offset: a whole number") from None
    return max(0, min(asked, max(total - 1, 0))) // PAGE_SIZE * PAGE_SIZE


@router.get(BASE)
def dashboard(request: Request) -> Response:
    session = require_staff(request, "statistics")
    period, region = _filters(request)
    period = period or tracking.current_quarter()
    try:
        result = tracking.departments(
            engine_of(request), by=session.principal, period=period, region=region or None
        )
    except InvalidInputError as exc:
        return console_page(
            request,
            session,
            "console/dashboard.html",
            {"result": None, "error": str(exc), "period": period, "region": region},
            status=422,
        )
    lang = language(request)
    offset = _offset(request, len(result["departments"]))
    return console_page(
        request,
        session,
        "console/dashboard.html",
        {
            "result": result,
            "lines": _lines(result, offset, PAGE_SIZE),
            "error": None,
            "period": period,
            "region": region,
            "query": _query(period, region),
            "charts": charts.CHARTS,
            "matter_label": _matter_label(lang),
            "page_size": PAGE_SIZE,
            "offset": offset,
            # The tables beside the charts hold what the charts draw, in their order.
            "chart_rows": {
                name: charts.department_rows(name, result) for name in charts.CHARTS[:-1]
            },
            "matters": charts.matter_rows(result),
            "unranked": _unranked(result),
        },
    )


@router.get(BASE + "/charts/{name}.svg")
def chart(request: Request, name: str) -> Response:
    session = require_staff(request, "statistics")
    if name not in charts.CHARTS:
        raise NotFoundError(f"no chart {name!r}")
    size = request.query_params.get("size") or "wide"
    if size not in charts.SIZES:
        raise InvalidInputError(f"size: {size[:20]!r} is not one of {', '.join(charts.SIZES)}")
    period, region = _filters(request)
    result = tracking.departments(
        engine_of(request),
        by=session.principal,
        period=period or tracking.current_quarter(),
        region=region or None,
    )
    lang = language(request)
    svg = charts.draw(
        name,
        result,
        translator(lang),
        department_label(lang),
        _matter_label(lang),
        size,
    )
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={
            "Content-Security-Policy": charts.SVG_CSP,
            "Cache-Control": "no-store",
        },
    )


@router.get(BASE + "/departments.csv")
def csv_download(request: Request) -> Response:
    session = require_staff(request, "statistics")
    period, region = _filters(request)
    result = tracking.departments(
        engine_of(request),
        by=session.principal,
        period=period or tracking.current_quarter(),
        region=region or None,
    )
    name = f"departments-{result['period']['label']}"
    if result["region"]:
        name += f"-{result['region']}"
    return Response(
        # With a BOM, so that spreadsheet programs read the Chinese names as UTF-8.
        "\ufeff" + tracking.csv_text(result),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"',
            "Cache-Control": "no-store",
        },
    )


__all__ = ["router"]
