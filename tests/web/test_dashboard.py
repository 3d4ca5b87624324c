"""The supervisor dashboard (/console/dashboard) on a live server with the tracking test
registry: the table, the charts as SVG without scripts or outside references, the CSV, who may
see it, and a browser's view with the images loaded."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.api.server import LiveServer, live_server
from tests.tracking.world import PERIOD, build
from tests.web.conftest import screenshots_dir
from tests.web.console import Console

from jointcredit.web.charts import CHARTS

#: The only URIs a chart may name: the SVG and XLink namespaces.
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("dashboard")
    with live_server(f"sqlite:///{directory}/registry.sqlite3") as live:
        build(live.engine, directory)
        yield live


@pytest.fixture(scope="module")
def supervisor(server: LiveServer) -> Iterator[Console]:
    client = Console(server.url, server.engine, "dash-super", "supervisor", "NDRC")
    yield client
    client.close()


def test_the_page_shows_the_table_and_the_charts(supervisor: Console) -> None:
    page = supervisor.get("/console/dashboard", params={"period": PERIOD})
    assert page.status_code == 200, page.text
    html = page.text
    assert "<table" in html and "公安部" in html and "生态环境部" in html
    assert "得分 = 100" in html  # the formula
    images = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', html)
    # No checks were made in the period: that chart says so instead of drawing empty axes.
    assert len(images) == len(CHARTS) - 1 and "matters.svg" not in html
    assert "本期没有可绘制的数据" in html
    for src, alt in images:
        assert alt and f"period={PERIOD}" in src
        chart = supervisor.get(src.replace("&amp;", "&"))
        assert chart.status_code == 200, chart.text
        assert chart.headers["content-type"].startswith("image/svg+xml")
        assert chart.headers["content-security-policy"] == (
            "default-src 'none'; style-src 'unsafe-inline'"
        )
        svg = chart.text
        assert svg.startswith("<svg") and "<script" not in svg.lower()
        assert set(re.findall(r"https?://[^\s\"'<>)]+", svg)) <= NAMESPACES
    # The current quarter holds the world's checks: their chart is drawn.
    matters = supervisor.get("/console/dashboard/charts/matters.svg")
    assert matters.status_code == 200 and matters.text.startswith("<svg")
    assert "<script" not in matters.text.lower()
    ranking = supervisor.get(f"/console/dashboard/charts/ranking.svg?period={PERIOD}").text
    assert "公安部" in ranking and "100" in ranking
    assert "style=" not in html.split("<main", 1)[1]  # no inline style in the page


def test_the_table_is_paged(supervisor: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    from jointcredit.web import dashboard

    monkeypatch.setattr(dashboard, "PAGE_SIZE", 2)  # the server runs in this process
    first = supervisor.get("/console/dashboard", params={"period": PERIOD}).text
    table = first.split('class="entries dash-table"', 1)[1].split("</table>", 1)[0]
    assert table.count('<th scope="row"') == 2 and "公安部" in table
    assert "第 1–2 个部门，共 5 个" in first and 'rel="next"' in first
    last = supervisor.get("/console/dashboard", params={"period": PERIOD, "offset": "4"}).text
    table = last.split('class="entries dash-table"', 1)[1].split("</table>", 1)[0]
    assert table.count('<th scope="row"') == 1 and "第 5–5 个部门，共 5 个" in last
    assert supervisor.get("/console/dashboard", params={"offset": "x"}).status_code == 422


def test_filters_csv_and_errors(supervisor: Console) -> None:
    page = supervisor.get("/console/dashboard", params={"period": PERIOD, "region": "330000"})
    assert page.status_code == 200 and "区划 33" in page.text and "公安部" not in page.text
    download = supervisor.get(
        "/console/dashboard/departments.csv", params={"period": PERIOD, "region": "33"}
    )
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert 'filename="departments-2026Q3-33.csv"' in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert [(r["department"], r["records"]) for r in rows] == [("MEE", "1")]
    wrong = supervisor.get("/console/dashboard", params={"period": "someday", "region": "33"})
    assert wrong.status_code == 422
    assert "period: &#39;someday&#39; is not a period" in wrong.text
    assert 'value="someday"' in wrong.text and 'value="33"' in wrong.text
    assert supervisor.get("/console/dashboard/charts/nothing.svg").status_code == 404


def test_only_supervisors_and_admins(server: LiveServer) -> None:
    implementer = Console(server.url, server.engine, "dash-impl", "implementer", "MPS")
    try:
        assert implementer.get("/console/dashboard").status_code == 403
        assert implementer.get("/console/dashboard/charts/ranking.svg").status_code == 403
        assert implementer.get("/console/dashboard/departments.csv").status_code == 403
    finally:
        implementer.close()


@pytest.mark.browser
def test_in_a_browser(server: LiveServer, browser: Any) -> None:
    # Signed in through the real form over HTTP; the browser carries that session's cookie.
    signed = Console(server.url, server.engine, "dash-browser", "supervisor", "NDRC")
    context, page = signed.browser_page(browser, server.url)
    try:
        page.goto(f"{server.url}/console/dashboard")
        page.get_by_label("统计期间").fill(PERIOD)
        page.get_by_role("button", name="查看").click()
        page.wait_for_url(f"**/console/dashboard?period={PERIOD}*")
        page.wait_for_load_state("load")
        images = page.locator("figure img")
        assert images.count() == len(CHARTS) - 1  # no checks in the period: no chart of them
        for i in range(images.count()):
            images.nth(i).scroll_into_view_if_needed()
            page.wait_for_function(
                "el => el.complete && el.naturalWidth > 0", arg=images.nth(i).element_handle()
            )
        widths = page.eval_on_selector_all("figure img", "els => els.map(e => e.naturalWidth)")
        assert all(w > 0 for w in widths), widths
        path: Path = screenshots_dir() / "console-dashboard.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
    finally:
        context.close()
        signed.close()
