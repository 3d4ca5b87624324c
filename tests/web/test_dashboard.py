"""The supervisor dashboard (/console/dashboard) on a live server with the tracking test
registry: the ranking first (rank 1 on top, the departments below the minimum of counted
records apart), the table, the charts as SVG without scripts or outside references (labels in
order, whole-number axes for counts), the CSV, who may see it, and a browser's view with the
images loaded.

The world is small: the ranking's minimum is 2 counted records here (MEE 3, SAT and SPC 2 are
ranked; MPS and CAAC, one message each, are not)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from tests.api.server import LiveServer, live_server
from tests.deadlines.helpers import penalty, utc
from tests.tracking.world import PERIOD, build
from tests.web.conftest import screenshots_dir
from tests.web.console import Console

from jointcredit.services import tracking
from jointcredit.web import charts
from jointcredit.web.charts import CHARTS

MINIMUM = 2
UNKNOWN = "延边朝鲜族自治州珲春市交通运输局"
#: The only URIs a chart may name: the SVG and XLink namespaces.
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("dashboard")
    # The server runs in this process: the service reads the minimum at each call.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tracking, "MIN_RECORDS", MINIMUM)
        with live_server(f"sqlite:///{directory}/registry.sqlite3") as live:
            build(live.engine, directory)
            # A data source the catalog does not know, named by its records: its name is its
            # code. Two records on time, so it is ranked, with a long name.
            for serial in (31, 32):
                penalty(
                    live.engine, serial, decided="2026-08-07", at=utc("2026-08-10"),
                    source=UNKNOWN,
                )  # fmt: skip
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
    assert "2. 生态环境部" in ranking and "公安部" not in ranking  # MPS: below the minimum
    assert "style=" not in html.split("<main", 1)[1]  # no inline style in the page


def test_the_table_is_paged(supervisor: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    from jointcredit.web import dashboard

    monkeypatch.setattr(dashboard, "PAGE_SIZE", 2)  # the server runs in this process
    first = supervisor.get("/console/dashboard", params={"period": PERIOD}).text
    table = first.split('class="entries dash-table"', 1)[1].split("</table>", 1)[0]
    assert table.count('<th scope="row"') == 2 and "生态环境部" in table
    assert "第 1–2 个部门，共 6 个" in first and 'rel="next"' in first
    last = supervisor.get("/console/dashboard", params={"period": PERIOD, "offset": "4"}).text
    table = last.split('class="entries dash-table"', 1)[1].split("</table>", 1)[0]
    assert table.count('<th scope="row"') == 2 and "第 5–6 个部门，共 6 个" in last
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


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _rows(html: str, table_class: str) -> list[list[str]]:
    """The body rows of the table of ``table_class``, each as its cells' texts."""
    table = html.split(f'class="entries {table_class}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody", 1)[1]
    return [
        [_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_the_ranking_comes_first_with_its_minimum(supervisor: Console) -> None:
    html = supervisor.get("/console/dashboard", params={"period": PERIOD}).text
    # The ranking (and its formula) before the table of every department.
    assert html.index('id="dash-ranking-title"') < html.index('id="dash-table-title"')
    assert "至少 2 条的部门方参与排名" in html and "至少 2 条的部门方参与排名" in _text(
        html.split('class="dash-formula"', 1)[1].split("</p>", 1)[0]
    )
    ranked = _rows(html, "dash-ranked")
    assert [(r[0], r[1], r[3]) for r in ranked] == [
        ("1", UNKNOWN, "2"), ("2", "生态环境部", "3"), ("3", "税务总局（国家税务总局）", "2"),
        ("3", "最高人民法院", "2"),
    ]  # fmt: skip
    scores = [float(r[2]) for r in ranked]
    assert scores == sorted(scores, reverse=True) and scores[2:] == [50.0, 50.0]
    # Below the minimum, listed apart with their scores: one message each.
    assert "未参与排名（计分记录少于 2 条）" in html
    assert _rows(html, "dash-unranked") == [
        ["公安部", "100.0", "1"],
        ["民航局（中国民用航空局）", "0.0", "1"],
    ]
    # In the table of every department: "not ranked", and one name per row (a name the
    # catalog does not know is its own code: not written twice).
    rows = {r[1]: r for r in _rows(html, "dash-table") if len(r) > 1}
    assert rows["公安部 MPS"][0] == "未排名" and rows["生态环境部 MEE"][0] == "2"
    assert rows[UNKNOWN][0] == "1"


def _axis(svg: str, axis: str) -> list[tuple[float, str]]:
    """(position, text) of the labels on a chart's axis: pygal's horizontal bars have the bars'
    labels on ``y`` (position: how far down) and the values on ``x`` (how far right)."""
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    labels = []
    for group in root.iter(f"{ns}g"):
        if group.get("class", "").split()[:2] == ["axis", axis]:
            for text in group.iter(f"{ns}text"):
                where = float(text.get("y" if axis == "y" else "x", "0"))
                labels.append((where, text.text or ""))
    return sorted(labels)


@pytest.mark.parametrize("size", ["wide", "narrow"])
def test_charts_put_rank_1_on_top_and_count_in_whole_numbers(
    supervisor: Console, size: str
) -> None:
    query = {"period": PERIOD, "size": size}
    ranking = supervisor.get("/console/dashboard/charts/ranking.svg", params=query).text
    labels = [text for _, text in _axis(ranking, "y")]
    longest = charts.LABEL_CHARS[size]  # type: ignore[index]  # cut with "…" past it
    assert labels == [
        "1. " + charts.shorten(UNKNOWN, size),  # type: ignore[arg-type]
        "2. 生态环境部", "3. 税务总局", "3. 最高人民法院",
    ]  # fmt: skip
    assert (size == "narrow") == labels[0].endswith("…") and len(labels[0]) <= longest + 3
    values = [text for _, text in _axis(ranking, "x")]
    assert values == (
        ["0", "20", "40", "60", "80", "100"] if size == "wide" else ["0", "50", "100"]
    )
    # Shares: the same departments' order as the table beside it, first on top.
    publication = supervisor.get("/console/dashboard/charts/publication.svg", params=query).text
    assert [t for _, t in _axis(publication, "y")][:2] == [
        charts.shorten(UNKNOWN, size),  # type: ignore[arg-type]
        "生态环境部",
    ]
    # Counts: two checks in the current quarter (no period: the current one), whole numbers
    # on the axis, never 0.5.
    matters = supervisor.get("/console/dashboard/charts/matters.svg", params={"size": size}).text
    counts = [text for _, text in _axis(matters, "x")]
    assert counts == ["0", "1", "2"], counts
    # A printed value starts beside its bar, where it does not cover the label.
    assert re.search(
        r'<text text-anchor="start" x="[^"]+" y="[^"]+" class="value">2</text>', matters
    )
    assert (
        supervisor.get("/console/dashboard/charts/ranking.svg", params={"size": "huge"}).status_code
        == 422
    )


@pytest.mark.parametrize(
    ("largest", "size", "axis"),
    [(0, "wide", [0, 1]), (2, "wide", [0, 1, 2]), (9, "wide", list(range(10))),
     (11, "wide", [0, 2, 4, 6, 8, 10, 12]), (7, "narrow", [0, 2, 4, 6, 8]),
     (1234, "narrow", [0, 500, 1000, 1500])],
)  # fmt: skip
def test_count_axes_are_whole_numbers(largest: int, size: str, axis: list[int]) -> None:
    assert charts.count_axis(largest, size) == axis  # type: ignore[arg-type]
    assert len(axis) <= charts.TICKS[size]  # type: ignore[index]
