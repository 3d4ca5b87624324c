"""Templates, static files and the helpers pages share: language, formatting, headers."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from jointcredit.clock import CHINA, utc
from jointcredit.store.tables import ROLES
from jointcredit.web import i18n

LANG_COOKIE = "lang"
_YEAR = 365 * 24 * 3600

#: Static files by name with their media type; read once, served from memory.
_STATIC_TYPES = {
    "site.css": "text/css; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}


@cache
def static_file(name: str) -> tuple[bytes, str, str] | None:
    """(content, media type, ETag) of a shipped static file, or None."""
    media = _STATIC_TYPES.get(name)
    if media is None:
        return None
    content = resources.files("jointcredit.web").joinpath("static", name).read_bytes()
    return content, media, '"' + hashlib.sha256(content).hexdigest()[:16] + '"'


def static_url(name: str) -> str:
    """The URL of a static file with its content digest: a changed file gets a new URL, so
    browsers may keep every version for a year."""
    found = static_file(name)
    assert found is not None, name
    return f"/static/{name}?v={found[2].strip(chr(34))[:10]}"


def static_response(name: str, if_none_match: str | None) -> Response | None:
    found = static_file(name)
    if found is None:
        return None
    content, media, etag = found
    headers = {"Cache-Control": f"public, max-age={_YEAR}, immutable", "ETag": etag}
    if if_none_match == etag:
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=media, headers=headers)


# -- formatting ----------------------------------------------------------------------------------


def day(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _moment(value: Any) -> dt.datetime | None:
    """A datetime or an ISO 8601 timestamp (as the services write them; naive means UTC)."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return utc(value) if isinstance(value, dt.datetime) else None


def beijing(value: Any) -> str:
    """A moment as China's time to the minute: ``2026-11-29 13:09`` (staff and subjects read
    China time; the services keep UTC)."""
    moment = _moment(value)
    if moment is None:
        return "" if value is None else str(value)
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def china_date(value: Any) -> str:
    """The day in China of a moment: ``2026-11-29``."""
    moment = _moment(value)
    if moment is None:
        return "" if value is None else str(value)
    return moment.astimezone(CHINA).date().isoformat()


def actor(value: str | None, t: Callable[..., str]) -> str:
    """How history names who acted (``Principal.actor``), for people: ``reviewer:wang.li`` →
    ``wang.li（审核）``, ``key:12`` → the department system's key 12, ``operator`` → the
    platform's operator."""
    if not value:
        return ""
    role, _, name = value.partition(":")
    if role == "key" and name:
        return t("actor.key", id=name)
    if role == "subject":
        return t("actor.subject")
    if role == "operator":
        return f"{name}（{t('actor.operator')}）" if name else t("actor.operator")
    if name:
        return f"{name}（{t('role.' + role)}）"
    return t("role." + role) if role in ROLES else value


def catalog_name(lang: str, table: str) -> Callable[..., str]:
    """``name(code, fallback=None)``: the name in ``lang`` of an entry of the catalog's
    ``table`` (``departments``, ``list_types``, ``matters``); for a code the catalog does not
    know, ``fallback`` or the code itself."""
    from jointcredit.catalog import load_catalog

    entries = getattr(load_catalog(), table)

    def name(code: Any, fallback: str | None = None) -> str:
        found = entries.get(code or "")
        if found is None:
            return fallback or str(code or "")
        return str(found.name_en if lang == "en" else found.name_zh)

    return name


def yuan(fen: int | None, t: Callable[..., str]) -> str:
    if fen is None:
        return ""
    return t("money.yuan", amount=f"{fen // 100:,}.{fen % 100:02d}")


def query_with(request: Request, **changes: Any) -> str:
    """``?…`` of the current query with ``changes`` (None removes a key): links relative to
    the page, so a page never writes its own path — a person's page is at their full number."""
    params = {k: v for k, v in request.query_params.items()}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else "?"


#: The deepest page a console list goes to: deeper pages cost a scan and help nobody.
PAGE_MAX = 100_000


def page_number(value: str | int | None) -> int:
    """A list's page number as asked for, from 1 to :data:`PAGE_MAX`; 1 for anything else."""
    try:
        number = int(value or "1")
    except ValueError:
        return 1
    return max(1, min(number, PAGE_MAX))


def pages(request: Request, number: int, more: bool) -> dict[str, Any]:
    """A list page's ``page_no`` and the links to the ``previous`` and ``next`` pages (the same
    query with another page), None where there is none."""
    return {
        "page_no": number,
        "previous": query_with(request, page=number - 1 if number > 2 else None)
        if number > 1
        else None,
        "next": query_with(request, page=number + 1) if more else None,
    }


# -- templates -----------------------------------------------------------------------------------


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("jointcredit.web", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static_url"] = static_url
    env.globals["beijing"] = beijing
    env.globals["china_date"] = china_date
    env.filters["day"] = day
    return env


def language(request: Request) -> str:
    return i18n.choose(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
    lang: str | None = None,
    keep_query: bool = True,
) -> HTMLResponse:
    """The page ``template`` in the request's language; a ``?lang=`` choice is kept in a
    cookie, so every later page speaks it too. The language switch keeps the page's query
    unless ``keep_query`` is false (a query that must not be written into the page)."""
    lang = lang or language(request)
    t = i18n.translator(lang)
    other = "en" if lang == "zh" else "zh"
    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            lang=lang,
            html_lang=i18n.HTML_LANG[lang],
            t=t,
            switch_href=query_with(request, lang=other) if keep_query else f"?lang={other}",
            switch_lang=i18n.HTML_LANG[other],
            path=request.url.path,
            yuan=lambda fen: yuan(fen, t),
            actor=lambda value: actor(value, t),
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status)
    asked = request.query_params.get("lang")
    if asked in i18n.LANGUAGES and asked != request.cookies.get(LANG_COOKIE):
        response.set_cookie(LANG_COOKIE, asked, max_age=_YEAR, samesite="lax", httponly=True)
    return response


__all__ = [
    "LANG_COOKIE",
    "beijing",
    "catalog_name",
    "china_date",
    "day",
    "environment",
    "language",
    "query_with",
    "render",
    "static_response",
    "static_url",
    "yuan",
]
