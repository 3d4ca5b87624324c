"""The dashboard in a real browser (Debian's chromium) at a desktop's and a phone's width: rank 1
first, each name whole in the tables, the phone's chart drawn for its width (shown at its own
size, not shrunk), labelled numbers, nothing wider than the screen, and no chart text outside
its drawing. Screenshots: dashboard-desktop.png, dashboard-phone.png."""

from __future__ import annotations

from typing import Any

import pytest
from tests.tracking.world import PERIOD
from tests.web.conftest import screenshots_dir
from tests.web.console import Console
from tests.web.test_dashboard import UNKNOWN, server, supervisor  # noqa: F401  (fixtures)

from jointcredit.web import charts
from jointcredit.web.i18n import translator

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
#: The ranked departments' names as the table beside the ranking chart gives them.
RANKED = [UNKNOWN, "生态环境部", "税务总局（国家税务总局）", "最高人民法院"]

#: The texts of the SVG document on the page that fall outside its drawing (left, top, right,
#: bottom edges), with their boxes.
OUTSIDE = """svg => {
  const frame = svg.getBoundingClientRect();
  return [...svg.querySelectorAll('text')]
    .filter(t => t.textContent.trim() && getComputedStyle(t).display !== 'none'
                 && !t.closest('.tooltip'))
    .map(t => [t.textContent, t.getBoundingClientRect()])
    .filter(([, r]) => r.left < frame.left - 0.5 || r.top < frame.top - 0.5
                       || r.right > frame.right + 0.5 || r.bottom > frame.bottom + 0.5)
    .map(([text, r]) => `${text}: ${Math.round(r.left - frame.left)}..`
                        + `${Math.round(r.right - frame.left)} of ${Math.round(frame.width)}`);
}"""


def _loaded(page: Any) -> None:
    """Every chart on the page loaded (they are lazy: each scrolled into view first)."""
    images = page.locator("figure img")
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
        page.wait_for_function(
            "el => el.complete && el.naturalWidth > 0", arg=images.nth(i).element_handle()
        )


@pytest.mark.parametrize("name", ["desktop", "phone"])
def test_the_dashboard_reads_at_each_width(server: Any, browser: Any, name: str) -> None:  # noqa: F811
    signed = Console(server.url, server.engine, f"dash-{name}", "supervisor", "NDRC")
    context, page = signed.browser_page(browser, server.url)
    try:
        page.set_viewport_size(SIZES[name])
        page.goto(f"{server.url}/console/dashboard?period={PERIOD}")
        _loaded(page)
        # Nothing wider than the screen: no sideways scrolling.
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= page.evaluate("innerWidth"), width
        # The minimum is on the page, the ranking first, rank 1 on top, each name whole.
        assert "至少 2 条的部门方参与排名" in page.locator("#dash-minimum").inner_text()
        rows = page.locator("table.dash-ranked tbody tr")
        assert rows.count() == len(RANKED)
        assert rows.nth(0).locator("td").nth(0).inner_text().strip().endswith("1")
        assert [rows.nth(i).locator("th").inner_text() for i in range(len(RANKED))] == RANKED
        unranked = page.locator("table.dash-unranked tbody th").all_inner_texts()
        assert unranked == ["公安部", "民航局（中国民用航空局）"]
        # The ranking's chart: the phone's drawing on a phone, shown at its own size (its
        # text as large as drawn); the desktop's beside its table.
        chart = page.locator("figure img").first
        shown = chart.evaluate(
            "img => [img.currentSrc, img.naturalWidth, img.getBoundingClientRect().width]"
        )
        narrow = name == "phone"
        assert ("size=narrow" in shown[0]) == narrow, shown
        assert shown[1] == charts.WIDTH["narrow" if narrow else "wide"], shown
        assert shown[2] >= shown[1] - 1, shown  # not shrunk
        if narrow:
            # Each number in the tables says what it is (the column's name before it).
            before = page.locator("table.dash-ranked td").first.evaluate(
                "td => getComputedStyle(td, '::before').content"
            )
            assert "名次" in before, before
        path = screenshots_dir() / f"dashboard-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
    finally:
        context.close()
        signed.close()


def test_chart_texts_stay_inside_their_drawings(server: Any, browser: Any) -> None:  # noqa: F811
    signed = Console(server.url, server.engine, "dash-svg", "supervisor", "NDRC")
    context, page = signed.browser_page(browser, server.url)
    try:
        for size in charts.SIZES:
            for name in charts.CHARTS:
                period = "" if name == "matters" else PERIOD  # checks: the current quarter
                page.goto(
                    f"{server.url}/console/dashboard/charts/{name}.svg?period={period}&size={size}"
                )
                svg = page.locator("svg").first
                assert svg.evaluate(OUTSIDE) == [], (name, size)
    finally:
        context.close()
        signed.close()


def test_long_names_are_not_cut(browser: Any) -> None:
    """Thirty departments with long Chinese names (pygal alone measures them 40 % too narrow
    and cuts them at the left edge): every label inside the drawing, at both sizes."""
    names = {
        f"D{i}": f"{'新疆维吾尔自治区伊犁哈萨克自治州'[: 4 + i % 12]}第{i}市场监督管理局"
        for i in range(1, 31)
    }
    rows = [
        {"department": code, "rank": i, "score": 100.0 - i, "publication_on_time_share": 0.5}
        for i, code in enumerate(names, 1)
    ]
    result = {"departments": rows, "checks_by_matter": {}}
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    page = context.new_page()
    try:
        for size in charts.SIZES:
            svg = charts.draw(
                "ranking", result, translator("zh"), names.__getitem__, str, size=size
            )
            page.set_content(f"<!doctype html><body style='margin:0'>{svg}</body>")
            assert page.locator("svg").first.evaluate(OUTSIDE) == [], size
            labels = page.locator("svg .axis.y text").all_text_contents()
            assert len(labels) == 30 and all(
                len(label) <= charts.LABEL_CHARS[size] + 4 for label in labels
            )
    finally:
        context.close()
