"""The dashboard's charts: pygal drawings of the tracking statistics as standalone SVG.

Each chart is its own ``image/svg+xml`` response shown by an ``<img>``: the console's pages
allow no inline style or script, an SVG document served alone may carry its own ``<style>``.
pygal writes a configuration ``<script>`` and comments naming its web site into every drawing;
both are removed, so a chart holds no script and refers to nothing but the SVG namespaces.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pygal
from pygal.style import Style

#: The charts the dashboard draws, in page order.
CHARTS = ("ranking", "publication", "feedback", "handling", "matters")

#: Fonts that hold Chinese, then whatever the system has.
FONTS = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", '
    '"PingFang SC", sans-serif'
)
STYLE = Style(
    font_family=FONTS,
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#52606d",
    colors=("#1d4f91", "#c2410c", "#15803d", "#7c3aed", "#0e7490"),
    title_font_size=16,
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=11,
    legend_font_size=12,
)
#: The SVG responses' own policy: their inline ``<style>`` and nothing else.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"

_SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
MAX_BARS = 30
_PARENTHESES = re.compile(r"[（(][^）)]*[）)]")


def _config(title: str, bars: int) -> dict[str, Any]:
    return {
        "js": [],
        "disable_xml_declaration": True,
        "style": STYLE,
        "title": title,
        "width": 640,
        "height": max(220, 90 + 30 * max(bars, 1)),
        "explicit_size": True,
        "show_legend": False,
        "print_values": True,
        "no_data_text": "—",
        "truncate_label": 16,
    }


def clean(svg: str) -> str:
    """The drawing without pygal's script and comments."""
    return _COMMENT.sub("", _SCRIPT.sub("", svg))


def _bars(
    title: str,
    labels: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    percent: bool,
    horizontal: bool = True,
) -> str:
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    config = _config(title, len(labels) * (len(series) if horizontal else 1))
    if len(series) > 1:
        config["show_legend"] = True
        config["legend_at_bottom"] = True
    if percent:
        config["range"] = (0, 100)
        config["formatter"] = lambda v: "" if v is None else f"{v:.1f}%"
    else:
        config["formatter"] = lambda v: "" if v is None else f"{v:g}"
    chart = kind(**config)
    if labels:  # without any, pygal writes its "no data" text
        chart.x_labels = labels
        for name, values in series:
            chart.add(name, values)
    return clean(chart.render())


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _shares(
    rows: list[dict[str, Any]], key: str, label: Callable[[str], str]
) -> tuple[list[str], list[float | None]]:
    kept = [r for r in rows if r[key] is not None][:MAX_BARS]
    return [label(r["department"]) for r in kept], [_pct(r[key]) for r in kept]


def _in_time(row: dict[str, Any], name: str) -> float | None:
    decided = row[f"{name}_in_time"] + row[f"{name}_late"]
    return round(100 * row[f"{name}_in_time"] / decided, 1) if decided else None


def draw(
    name: str,
    result: dict[str, Any],
    t: Callable[..., str],
    label: Callable[[str], str],
    matter_label: Callable[[str], str],
) -> str:
    """The SVG of chart ``name`` (one of :data:`CHARTS`) for the statistics ``result``."""
    rows: list[dict[str, Any]] = result["departments"]

    def short(code: str) -> str:
        # 「民航局（中国民用航空局）」→「民航局」: the long form is in the table beside the chart,
        # and pygal measures CJK labels too narrow, so a long one is cut at the edge.
        return _PARENTHESES.sub("", label(code)) or label(code)

    if name == "ranking":
        ranked = [r for r in rows if r["score"] is not None][:MAX_BARS]
        return _bars(
            t("dash.chart.ranking"),
            [f"{r['rank']}. {short(r['department'])}" for r in ranked],
            [(t("dash.col.score"), [r["score"] for r in ranked])],
            percent=False,
        )
    if name == "publication":
        labels, values = _shares(rows, "publication_on_time_share", short)
        return _bars(
            t("dash.chart.publication"), labels, [(t("dash.col.on_time"), values)], percent=True
        )
    if name == "feedback":
        labels, values = _shares(rows, "feedback_on_time_share", short)
        return _bars(
            t("dash.chart.feedback"), labels, [(t("dash.col.feedback"), values)], percent=True
        )
    if name == "handling":
        kept = [r for r in rows if r["handled_in_time_share"] is not None][:MAX_BARS]
        return _bars(
            t("dash.chart.handling"),
            [short(r["department"]) for r in kept],
            [
                (t("dash.col.objections"), [_in_time(r, "objections") for r in kept]),
                (t("dash.col.repairs"), [_in_time(r, "repairs") for r in kept]),
            ],
            percent=True,
        )
    if name == "matters":
        matters = list(result["checks_by_matter"].items())[:MAX_BARS]
        return _bars(
            t("dash.chart.matters"),
            [matter_label(m) for m, _ in matters],
            [(t("dash.col.checks"), [float(n) for _, n in matters])],
            percent=False,
        )
    raise KeyError(name)


__all__ = ["CHARTS", "FONTS", "MAX_BARS", "STYLE", "SVG_CSP", "clean", "draw"]
