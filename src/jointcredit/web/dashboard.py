"""The supervisor dashboard (``/console/dashboard``): the department tracking statistics of
:mod:`jointcredit.services.tracking` as a table, charts and a CSV download.

Filters are a plain GET form (period, region); every URL of the page carries them, so a chart
or the CSV shows exactly what the table shows. Charts are SVG documents of their own
(``/console/dashboard/charts/{name}.svg``, drawn by :mod:`jointcredit.web.charts`) with a
policy that allows only their inline style; each has its numbers in a table beside it. Every
read goes through the service as the signed-in member, which checks ``statistics`` and audits.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from jointcredit.errors import InvalidInputError, NotFoundError
from jointcredit.services import tracking
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
    period = (request.query_params.get("period") or "").strip()[:40]
    region = (request.query_params.get("region") or "").strip()[:40]
    return period, region


def _query(period: str, region: str) -> str:
    values = {"period": period}
    if region:
        values["region"] = region
    return urlencode(values)


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
    return console_page(
        request,
        session,
        "console/dashboard.html",
        {
            "result": result,
            "error": None,
            "period": period,
            "region": region,
            "query": _query(period, region),
            "charts": charts.CHARTS,
            "matter_label": _matter_label(lang),
            "page_size": PAGE_SIZE,
            "offset": _offset(request, len(result["departments"])),
            # The tables beside the charts hold what the charts draw.
            "chart_rows": charts.MAX_BARS,
        },
    )


@router.get(BASE + "/charts/{name}.svg")
def chart(request: Request, name: str) -> Response:
    session = require_staff(request, "statistics")
    if name not in charts.CHARTS:
        raise NotFoundError(f"no chart {name!r}")
    period, region = _filters(request)
    result = tracking.departments(
        engine_of(request),
        by=session.principal,
        period=period or tracking.current_quarter(),
        region=region or None,
    )
    lang = language(request)
    svg = charts.draw(name, result, translator(lang), department_label(lang), _matter_label(lang))
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
