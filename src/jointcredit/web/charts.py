"""The dashboard's charts: pygal drawings of the tracking statistics as standalone SVG.

Each chart is its own ``image/svg+xml`` response shown by an ``<img>``: the console's pages
allow no inline style or script, an SVG document served alone may carry its own ``<style>``.
pygal writes a configuration ``<script>`` and comments naming its web site into every drawing;
both are removed, so a chart holds no script and refers to nothing but the SVG namespaces.

Two sizes: ``wide`` (640 px, beside its table on a desktop) and ``narrow`` (330 px, drawn for
a phone's width so that it is shown at its own size, its text as large as the page's). Bars are
horizontal, the first row on top (rank 1 first); the value axis is 0–100 for shares and scores
and whole numbers for counts. pygal measures every character as 0.6 of the font size, a Chinese
one takes the whole: the left margin is widened by the difference, so no label is cut.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any, Literal

import pygal

from jointcredit.chart_style import STYLE, clean

#: The charts the dashboard draws, in page order.
CHARTS = ("ranking", "publication", "feedback", "handling", "matters")
Size = Literal["wide", "narrow"]
SIZES: tuple[Size, ...] = ("wide", "narrow")
#: Width of a drawing in pixels.
WIDTH: dict[Size, int] = {"wide": 640, "narrow": 330}
#: Characters of a bar's label; a longer name ends in "…" (the table beside has it whole).
LABEL_CHARS: dict[Size, int] = {"wide": 18, "narrow": 9}
#: Most labels on the value axis.
TICKS: dict[Size, int] = {"wide": 10, "narrow": 5}

#: The SVG responses' own policy: their inline ``<style>`` and nothing else.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"

#: Bars in a chart (and rows in the table beside it).
MAX_BARS = 30
_PARENTHESES = re.compile(r"[（(][^）)]*[）)]")
#: A printed value: pygal centres it on the bar's end, half over the bar; it starts there
#: instead, beside the bar, where a short bar's value does not cover the label.
_VALUE = re.compile(r'<text text-anchor="middle"( x="[^"]*" y="[^"]*" class="value[ "])')
#: pygal's margin around the plot (its default).
_MARGIN = 20
#: The shares each department chart draws.
_SHARES = {
    "publication": "publication_on_time_share",
    "feedback": "feedback_on_time_share",
    "handling": "handled_in_time_share",
}


def text_width(text: str, font_size: float) -> float:
    """About how wide ``text`` is drawn: a wide (Chinese) character takes the font size, any
    other 0.6 of it, as pygal counts every character."""
    return sum(
        font_size if unicodedata.east_asian_width(c) in "WF" else 0.6 * font_size for c in text
    )


def shorten(text: str, size: Size) -> str:
    """``text`` in at most :data:`LABEL_CHARS` characters, a cut one ending in "…"."""
    most = LABEL_CHARS[size]
    return text if len(text) <= most else text[: most - 1] + "…"


def count_axis(largest: float, size: Size) -> list[int]:
    """Whole-number labels for a count axis from 0 past ``largest``: steps of 1, 2 or 5 times a
    power of ten, at most :data:`TICKS` of them."""
    top = max(1, math.ceil(largest))
    power = 1
    while True:
        for step in (power, 2 * power, 5 * power):
            if math.ceil(top / step) + 1 <= TICKS[size]:
                return list(range(0, math.ceil(top / step) * step + 1, step))
        power *= 10


def _share_axis(size: Size) -> list[int]:
    return list(range(0, 101, 20 if size == "wide" else 50))


def department_rows(name: str, result: dict[str, Any]) -> list[dict[str, Any]]:
    """The departments chart ``name`` draws, in its order (the table beside it lists the same):
    the ranked ones for the ranking, otherwise those with the share, in the ranking's order."""
    rows: list[dict[str, Any]] = result["departments"]
    if name == "ranking":
        kept = [r for r in rows if r["rank"] is not None]
    else:
        kept = [r for r in rows if r[_SHARES[name]] is not None]
    return kept[:MAX_BARS]


def matter_rows(result: dict[str, Any]) -> list[tuple[str, int]]:
    """The matters the checks chart draws, most checked first."""
    return list(result["checks_by_matter"].items())[:MAX_BARS]


def _bars(
    title: str,
    labels: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    size: Size,
    axis: list[int],
    percent: bool,
) -> str:
    bars = len(labels) * len(series)
    font = STYLE.label_font_size
    longest = max(labels, key=len, default="")
    # pygal's own margin for the labels is 0.6 × font size per character of the longest.
    wider = max((text_width(label, font) for label in labels), default=0.0)
    extra = max(0.0, wider - 0.6 * font * len(longest))
    config: dict[str, Any] = {
        "js": [],
        "disable_xml_declaration": True,
        "style": STYLE,
        "title": title,
        "width": WIDTH[size],
        "height": max(200, 110 + (30 if size == "wide" else 26) * max(bars, 1)),
        "explicit_size": True,
        "show_legend": len(series) > 1,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": len(series),
        "print_values": True,
        "no_data_text": "—",
        "truncate_label": -1,
        "truncate_legend": -1,
        "margin": _MARGIN,
        "margin_left": _MARGIN + math.ceil(extra),
        # A value printed past a full bar ("100.0%") stays inside the drawing.
        "margin_right": _MARGIN + math.ceil(text_width("100.0%", STYLE.value_font_size)),
        "print_values_position": "top",
        "range": (0, axis[-1]),
        "y_labels": axis,
        "value_formatter": lambda v: f"{v:.0f}",
        "formatter": (
            (lambda v: "" if v is None else f"{v:.1f}%")
            if percent
            else (lambda v: "" if v is None else f"{v:g}")
        ),
    }
    chart = pygal.HorizontalBar(**config)
    if labels:  # without any, pygal writes its "no data" text
        # A horizontal bar chart draws its first label at the bottom: reversed, the first row
        # is on top.
        chart.x_labels = labels[::-1]
        for name, values in series:
            chart.add(name, values[::-1])
    return _VALUE.sub(r'<text text-anchor="start"\1', clean(chart.render()))


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _in_time(row: dict[str, Any], name: str) -> float | None:
    decided = row[f"{name}_in_time"] + row[f"{name}_late"]
    return round(100 * row[f"{name}_in_time"] / decided, 1) if decided else None


def draw(
    name: str,
    result: dict[str, Any],
    t: Callable[..., str],
    label: Callable[[str], str],
    matter_label: Callable[[str], str],
    size: Size = "wide",
) -> str:
    """The SVG of chart ``name`` (one of :data:`CHARTS`) for the statistics ``result``."""

    def short(code: str) -> str:
        # 「民航局（中国民用航空局）」→「民航局」: the long form is in the table beside the chart.
        return shorten(_PARENTHESES.sub("", label(code)) or label(code), size)

    if name == "matters":
        matters = matter_rows(result)
        return _bars(
            t("dash.chart.matters"),
            [shorten(matter_label(m), size) for m, _ in matters],
            [(t("dash.col.checks"), [float(n) for _, n in matters])],
            size=size,
            axis=count_axis(max((n for _, n in matters), default=1), size),
            percent=False,
        )
    if name not in CHARTS:
        raise KeyError(name)
    rows = department_rows(name, result)
    if name == "ranking":
        return _bars(
            t("dash.chart.ranking"),
            [f"{r['rank']}. {short(r['department'])}" for r in rows],
            [(t("dash.col.score"), [r["score"] for r in rows])],
            size=size,
            axis=_share_axis(size),
            percent=False,
        )
    if name == "handling":
        series = [
            (t("dash.col.objections"), [_in_time(r, "objections") for r in rows]),
            (t("dash.col.repairs"), [_in_time(r, "repairs") for r in rows]),
        ]
    else:
        column = "dash.col.on_time" if name == "publication" else "dash.col.feedback"
        series = [(t(column), [_pct(r[_SHARES[name]]) for r in rows])]
    return _bars(
        t(f"dash.chart.{name}"),
        [short(r["department"]) for r in rows],
        series,
        size=size,
        axis=_share_axis(size),
        percent=True,
    )


__all__ = [
    "CHARTS",
    "LABEL_CHARS",
    "MAX_BARS",
    "SIZES",
    "SVG_CSP",
    "WIDTH",
    "count_axis",
    "department_rows",
    "draw",
    "matter_rows",
    "shorten",
    "text_width",
]
