"""The credit analysis report as a document: HTML from a Jinja2 template, PDF from that HTML.

Charts are pygal drawings in the dashboard's style (:mod:`jointcredit.web.charts`), inline SVG
without pygal's script and comments, so the file holds no script and refers to nothing but the
SVG namespaces: it opens offline, and WeasyPrint (which never runs scripts) draws the same
pages. Text is Chinese first with the English beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pygal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from jointcredit.chart_style import FONTS, STYLE, clean
from jointcredit.errors import InvalidInputError

#: File suffixes and the format each chooses.
FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf"}
_TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_BARS = 20


def output_format(path: str | Path) -> str:
    """``html`` or ``pdf`` by the file's suffix; anything else is refused, naming the file."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInputError(
            f"-o: {str(path)[:200]!r} must end in .html or .pdf (the suffix chooses the format)"
        )
    return FORMATS[suffix]


def money(fen: int) -> str:
    """Fen as yuan with two decimals and thousands separators: ``12,345.60``."""
    return f"{fen // 100:,}.{fen % 100:02d}"


def _number(value: int) -> str:
    return f"{value:,}"


def _config(title: str, bars: int) -> dict[str, Any]:
    return {
        "js": [],
        "disable_xml_declaration": True,
        "style": STYLE,
        "title": title,
        "width": 640,
        "height": max(200, 90 + 26 * max(bars, 1)),
        "explicit_size": True,
        "show_legend": False,
        "print_values": True,
        "no_data_text": "—",
        "truncate_label": 18,
        "formatter": lambda v: "" if v is None else f"{v:g}",
    }


def _bars(title: str, labels: list[str], series: list[tuple[str, list[int]]]) -> Markup:
    labels = labels[:MAX_BARS]
    config = _config(title, len(labels) * len(series))
    if len(series) > 1:
        config.update(show_legend=True, legend_at_bottom=True)
        config["height"] += 30
    top = max((v for _, values in series for v in values[:MAX_BARS]), default=0)
    if top <= 10:  # counts: whole-number ticks
        config["y_labels"] = list(range(top + 1))
    chart = pygal.HorizontalBar(**config)
    if labels:
        # pygal draws the first bar at the bottom: reversed, the largest is on top.
        chart.x_labels = labels[::-1]
        for name, values in series:
            chart.add(name, values[:MAX_BARS][::-1])
    return Markup(clean(chart.render(is_unicode=True)))


def _line(title: str, months: list[str], series: list[tuple[str, list[int]]]) -> Markup:
    config = _config(title, 8)
    config.update(
        show_legend=True, legend_at_bottom=True, print_values=False, x_label_rotation=30,
        show_minor_x_labels=True, dots_size=3,
    )  # fmt: skip
    top = max((v for _, values in series for v in values), default=0)
    if top <= 10:
        config["y_labels"] = list(range(top + 1))
    chart = pygal.Line(**config)
    chart.x_labels = months
    for name, values in series:
        chart.add(name, values)
    return Markup(clean(chart.render(is_unicode=True)))


def charts(figures: dict[str, Any]) -> dict[str, Markup]:
    """The report's drawings, by section (a section with nothing to draw has none)."""
    out: dict[str, Markup] = {}
    if figures["by_kind"]:
        rows = figures["by_kind"]
        out["kinds"] = _bars(
            "记录数（按类型） Records by kind",
            [r["name_zh"] for r in rows],
            [("记录 records", [r["records"] for r in rows])],
        )
    if figures["by_sector"]:
        rows = figures["by_sector"]
        out["sectors"] = _bars(
            "记录数（按行业） Records by sector",
            [f"{r['sector']} {r['name_zh']}" for r in rows],
            [("记录 records", [r["records"] for r in rows])],
        )
    trend = figures["trend"]
    if any(trend["total"]):
        from jointcredit.services.analysis import KIND_NAMES

        out["trend"] = _line(
            "按月趋势 Records by month",
            trend["months"],
            [(KIND_NAMES[k][0], v) for k, v in trend["series"].items()],
        )
    if figures["violations"]:
        rows = figures["violations"]
        out["violations"] = _bars(
            "主要违法行为 Most frequent violations",
            [r["violation"] or "（未填写）" for r in rows],
            [("处罚 penalties", [r["penalties"] for r in rows])],
        )
    if figures["lists"]:
        rows = figures["lists"]
        out["lists"] = _bars(
            "名单进入与退出 List entries and exits",
            [r["name_zh"] for r in rows],
            [
                ("进入 entries", [r["made"] for r in rows]),
                ("退出 exits", [r["ended"] for r in rows]),
            ],
        )
    if figures["repairs"]:
        rows = figures["repairs"]
        out["repairs"] = _bars(
            "信用修复 Credit repair",
            [r["name_zh"] for r in rows],
            [("申请 applied", [r["applied"] for r in rows]),
             ("通过 approved", [r["approved"] for r in rows])],
        )  # fmt: skip
    if figures["subdivisions"]["rows"]:
        rows = figures["subdivisions"]["rows"]
        out["regions"] = _bars(
            "区域比较 Records by sub-division",
            [r["name"] for r in rows],
            [("记录 records", [r["records"] for r in rows])],
        )
    return out


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(_TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = money
    env.filters["number"] = _number
    return env


def html(figures: dict[str, Any]) -> str:
    """The report as one self-contained HTML document."""
    from jointcredit.services.analysis import KIND_NAMES

    template = _environment().get_template("report.html")
    return template.render(
        f=figures,
        charts=charts(figures),
        kinds=[(k, *KIND_NAMES[k]) for k in KIND_NAMES],
        fonts=Markup(FONTS),
    )


def pdf(figures: dict[str, Any]) -> bytes:
    """The report as PDF (WeasyPrint; the fonts are the system's: fonts-noto-cjk on Debian)."""
    from weasyprint import HTML

    document = HTML(string=html(figures), base_url=None)
    result: bytes = document.write_pdf()
    return result


def write(figures: dict[str, Any], path: str | Path) -> str:
    """Write the report to ``path`` in the format its suffix chooses; the format."""
    chosen = output_format(path)
    target = Path(path)
    if chosen == "pdf":
        target.write_bytes(pdf(figures))
    else:
        target.write_text(html(figures), encoding="utf-8")
    return chosen


__all__ = ["FORMATS", "charts", "html", "money", "output_format", "pdf", "write"]
