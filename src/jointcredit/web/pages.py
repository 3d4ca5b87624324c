"""The public portal's pages: home, search, a subject, the red and black lists, about.

Every page is server-rendered HTML that works without JavaScript (there is none) and reads
public data only, through :mod:`jointcredit.services.public` and the search service. Links
that stay on a page are relative (``?offset=…``), so a person's page — reached at their full
identity number — never writes that number into its HTML.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Engine
from starlette.responses import RedirectResponse, Response

from jointcredit.catalog import ListKind, load_catalog
from jointcredit.errors import InvalidInputError, NotFoundError
from jointcredit.identifiers import divisions
from jointcredit.identifiers.mask import mask_resident_id, mask_text
from jointcredit.identifiers.normalize import normalize
from jointcredit.services import public
from jointcredit.store.public import ListQuery
from jointcredit.web import i18n
from jointcredit.web.render import catalog_name, language, query_with, render, static_response, yuan

router = APIRouter(include_in_schema=False)

_KINDS = {"red": ListKind.RED, "black": ListKind.BLACK}
#: What reads as a resident identity number is never echoed into a page (shoulder surfing,
#: screenshots): only its masked form.
_PERSONAL = re.compile(r"[0-9]{17}[0-9X]|[0-9]{15}")
_SEARCH_PAGE = 20


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _names(lang: str) -> dict[str, Any]:
    """Catalog names of list types and departments in ``lang`` for the templates."""
    return {
        "list_type_name": catalog_name(lang, "list_types"),
        "department_name": catalog_name(lang, "departments"),
    }


def _provinces() -> list[tuple[str, str]]:
    return sorted(
        (code[:2], name) for code, name in divisions.current().items() if code.endswith("0000")
    )


def _int(value: str | None, default: int, name: str) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidInputError(f"{name}: a whole number") from None


@router.get("/static/{name}")
async def static(name: str, request: Request) -> Response:
    response = static_response(name, request.headers.get("if-none-match"))
    if response is None:
        raise NotFoundError(f"no static file {name}")
    return response


@router.get("/")
async def home(request: Request) -> Response:
    return render(request, "home.html", {})


@router.get("/about")
async def about(request: Request) -> Response:
    return render(request, "about.html", {})


@router.get("/search")
def search_page(request: Request, q: str = "", offset: str | None = None) -> Response:
    from jointcredit.services import search  # the search service: its own module and indexes

    start = _int(offset, 0, "offset")
    query = q.strip()
    if not query:
        return render(request, "search.html", {"query": "", "echo": "", "result": None})
    code = normalize(query)
    number = bool(_PERSONAL.fullmatch(code))
    masked = mask_text(query)
    # A query that holds an identity number among other words is not written back either.
    personal = number or masked != query
    result = search.search(_engine(request), query, limit=_SEARCH_PAGE, offset=start)
    only = result.hits[0] if len(result.hits) == 1 and start == 0 else None
    if only is not None and only.reason == "identifier":
        # One subject has this code: its page is the answer. The redirect keeps a person's
        # number in the address the user typed, never in a page.
        return RedirectResponse(f"/subjects/{code}", status_code=303)
    return render(
        request,
        "search.html",
        {
            "query": "" if personal else query,
            "echo": mask_resident_id(code) if number else masked,
            "personal": personal,
            "number": number,
            "result": result,
            # Page links carry the query: none for one that holds a person's number.
            "previous": query_with(request, offset=max(start - _SEARCH_PAGE, 0) or None)
            if start > 0 and not personal
            else None,
            "next": query_with(request, offset=start + _SEARCH_PAGE)
            if result.has_more and not personal
            else None,
        },
        keep_query=not personal,
    )


def _csv_response(text: str, filename: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _subject_csv(page: public.SubjectPage, lang: str) -> Response:
    t = i18n.translator(lang)
    names = _names(lang)
    header = [
        t("csv.header.kind"),
        t("field.list_type"),
        t("field.issuing_authority"),
        t("field.document_number"),
        t("field.decision_date"),
        t("field.valid_from"),
        t("field.valid_until"),
        t("field.publish_until"),
        t("field.legal_basis"),
        t("field.fine"),
    ]
    rows = []
    for kind in ("red-list", "black-list", "penalty", "licensing", "commitment"):
        for r in page.records.get(kind, []):
            rows.append(
                [
                    t(f"record.{kind}"),
                    names["list_type_name"](r["list_type"]) if r["list_type"] else "",
                    names["department_name"](r["department"], r["issuing_authority"]),
                    r["document_number"],
                    r["decision_date"],
                    r["valid_from"],
                    r["valid_until"],
                    r["publish_until"],
                    r["legal_basis"],
                    yuan(r["fine_fen"], t) if r["fine_fen"] is not None else "",
                ]
            )
    subject = page.subject
    head = [[t("field.subject"), subject["name"]], [t("field.identifier"), subject["identifier"]]]
    text = public.csv_text(header, [*([h + [""] * 8 for h in head]), *rows])
    return _csv_response(text, "subject.csv")


@router.get("/subjects/{identifier}")
def subject(request: Request, identifier: str, format: str | None = None) -> Response:
    page = public.subject_page(_engine(request), identifier)
    lang = language(request)
    if format == "csv":
        return _subject_csv(page, lang)
    return render(
        request,
        "subject.html",
        {"page": page, "csv_href": query_with(request, format="csv", lang=None), **_names(lang)},
        lang=lang,
    )


def _list_query(request: Request, kind: str) -> ListQuery:
    catalog = load_catalog()
    wanted = _KINDS.get(kind)
    if wanted is None:
        raise NotFoundError(f"no list {kind!r}")
    p = request.query_params
    return public.list_query(
        kind,
        list_type=p.get("list_type"),
        region=p.get("region"),
        department=p.get("department"),
        decided_from=p.get("from"),
        decided_to=p.get("to"),
        list_types=[c for c, lt in catalog.list_types.items() if lt.kind == wanted],
    )


def _list_csv(page: public.ListPage, lang: str) -> Response:
    t = i18n.translator(lang)
    names = _names(lang)
    header = [
        t("field.subject"),
        t("field.kind"),
        t("field.identifier"),
        t("field.region"),
        t("field.list_type"),
        t("field.department"),
        t("field.document_number"),
        t("field.decision_date"),
        t("field.valid_from"),
        t("field.valid_until"),
        t("field.legal_basis"),
    ]
    rows = [
        [
            e["subject"]["name"],
            t("kind." + e["subject"]["kind"]),
            e["subject"]["identifier"],
            (e["subject"]["region"] or {}).get("name", ""),
            names["list_type_name"](e["list_type"]),
            names["department_name"](e["department"], e["issuing_authority"]),
            e["document_number"],
            e["decision_date"],
            e["valid_from"],
            e["valid_until"] or t("field.open_ended"),
            e["legal_basis"],
        ]
        for e in page.items
    ]
    name = f"{page.query.kind}-list-{page.today.isoformat()}-{page.offset + 1}.csv"
    return _csv_response(public.csv_text(header, rows), name)


@router.get("/lists/{kind}")
def list_page(request: Request, kind: str) -> Response:
    query = _list_query(request, kind)
    p = request.query_params
    limit = _int(p.get("limit"), public.PAGE_SIZE, "limit")
    offset = _int(p.get("offset"), 0, "offset")
    csv = p.get("format") == "csv"
    page = public.list_page(
        _engine(request), query, limit=limit, offset=offset, with_departments=not csv
    )
    lang = language(request)
    if csv:
        return _list_csv(page, lang)
    catalog = load_catalog()
    list_types = sorted(
        (c for c, lt in catalog.list_types.items() if lt.kind == _KINDS[kind]),
    )
    context = {
        "kind": kind,
        "page": page,
        "list_types": list_types,
        "provinces": _provinces(),
        "form": {k: p.get(k, "") for k in ("list_type", "region", "department", "from", "to")},
        "csv_href": query_with(request, format="csv", lang=None),
        "previous": None
        if page.previous_offset is None
        else query_with(request, offset=page.previous_offset or None, lang=None),
        "next": None
        if page.next_offset is None
        else query_with(request, offset=page.next_offset, lang=None),
        **_names(lang),
    }
    return render(request, "list.html", context, lang=lang)


__all__ = ["router"]
