"""The dashboard by region (issue 15) on a live server with the two-province catalog: region
headings with the divisions' names, departments under them in the hierarchy's order, the node's
region as the first view; and a browser's look at it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.api.server import LiveServer, live_server
from tests.tracking import regions
from tests.tracking.regions import build, period
from tests.web.conftest import screenshots_dir
from tests.web.console import Console

from jointcredit.settings import get_settings

regional = regions.regional


@pytest.fixture
def server(regional: None, db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(db_url) as live:
        build(live.engine, tmp_path)
        yield live


def _table(html: str) -> str:
    return html.split('class="entries dash-table"', 1)[1].split("</table>", 1)[0]


def test_headings_and_departments_under_them(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    supervisor = Console(server.url, server.engine, "dash-regions", "supervisor", "NDRC")
    try:
        page = supervisor.get("/console/dashboard", params={"period": period()})
        assert page.status_code == 200, page.text
        table = _table(page.text)
        headings = re.findall(r'<th scope="rowgroup"[^>]*>(.*?)</th>', table, re.S)
        texts = [re.sub(r"<[^>]+>", "", h).strip(" \n") for h in headings]
        assert [t.split("本地区合计")[0].split() for t in texts] == [
            ["中央部门"],
            ["江苏省", "320000"],
            ["浙江省", "330000"],
            ["└", "杭州市", "330100"],
            ["└", "西湖区", "330106"],
        ]
        # The county one step further in than the city (an ideographic space per level).
        assert texts[4].startswith("\u3000└") and texts[3].startswith("└")
        # Each department in its region's group, in the hierarchy's order.
        order = [table.index(f'<span class="code">{c}</span>')
                 for c in ("SAMR", "JS-AMR", "ZJ-AMR", "HZ-AMR", "XH-AMR")]  # fmt: skip
        assert order == sorted(order)
        zhejiang = table.split("浙江省", 1)[1].split("江苏省")[0]
        assert "ZJ-AMR" in zhejiang and "本地区合计：报送记录 5" in zhejiang
        assert "含已撤销的 SAIC" in table and "含已撤销的 ZJ-AIC" in table

        # A provincial node's first view is its province; an emptied field is every region.
        monkeypatch.setenv("JOINTCREDIT_REGION", "330000")
        get_settings.cache_clear()
        first = supervisor.get("/console/dashboard", params={"period": period()})
        assert 'value="330000"' in first.text and "区划 33" in first.text
        table = _table(first.text)
        assert "浙江省" in table and "江苏省" not in table and "SAMR" not in table
        assert "region=330000" in first.text  # the charts and the CSV say the same
        every = supervisor.get("/console/dashboard", params={"period": period(), "region": ""})
        assert "江苏省" in _table(every.text) and "全部地区" in every.text
    finally:
        supervisor.close()


@pytest.mark.browser
def test_in_a_browser(server: LiveServer, browser: Any, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("one look is enough: the page is the same on both databases")
    signed = Console(server.url, server.engine, "dash-regions-browser", "supervisor", "NDRC")
    context, page = signed.browser_page(browser, server.url)
    try:
        page.goto(f"{server.url}/console/dashboard?period={period()}&region=33")
        table = page.locator("table.dash-table")
        groups = table.locator("tbody")
        assert groups.count() == 3
        province = groups.nth(0)
        assert "浙江省" in province.locator('th[scope="rowgroup"]').inner_text()
        assert "ZJ-AMR" in province.locator('th[scope="row"]').inner_text()
        county = groups.nth(2)
        assert "西湖区" in county.locator('th[scope="rowgroup"]').inner_text()
        assert "XH-AMR" in county.locator('th[scope="row"]').inner_text()
        path: Path = screenshots_dir() / "console-dashboard-regions.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
    finally:
        context.close()
        signed.close()
