"""The portal in a real browser (Debian's chromium through Playwright) on the live server:
the core journeys by mouse and keyboard, and screenshots of the main pages for review.

Screenshots go to JOINTCREDIT_SCREENSHOTS, else test-artifacts/screenshots/ in the repository.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.web.conftest import Portal, screenshots_dir
from tests.web.data import COMPANY, PERSON

from jointcredit.identifiers.mask import mask_resident_id

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", java_script_enabled=False)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    try:
        yield tab
    finally:
        context.close()


def test_search_from_the_home_page_to_a_subject(sqlite_portal: Portal, page: Any) -> None:
    page.goto(sqlite_portal.url + "/")
    page.get_by_label("名称或统一社会信用代码").fill("测试1科技")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")
    assert page.locator("h1").inner_text() == "查询结果"
    page.get_by_role("link", name="北京测试1科技有限公司").click()
    page.wait_for_url(f"**/subjects/{COMPANY}")
    assert page.locator("h1").inner_text() == "北京测试1科技有限公司"
    assert page.get_by_role("heading", name="失信黑名单").is_visible()
    assert page.get_by_role("heading", name="行政处罚").is_visible()


def test_a_person_is_shown_masked(sqlite_portal: Portal, page: Any) -> None:
    page.goto(sqlite_portal.url + "/")
    page.get_by_label("名称或统一社会信用代码").fill(PERSON)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**/subjects/*")
    text = page.locator("body").inner_text()
    assert mask_resident_id(PERSON) in text
    assert PERSON not in page.content()


def test_language_switch(sqlite_portal: Portal, page: Any) -> None:
    page.goto(sqlite_portal.url + "/lists/red")
    page.get_by_role("link", name="Switch to English").click()
    page.wait_for_url("**lang=en*")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Red list"
    page.get_by_role("link", name="Home").click()  # the choice is kept
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("Name or Unified Social Credit Code").is_visible()


def test_keyboard_reaches_the_search_box_through_the_skip_link(
    sqlite_portal: Portal, page: Any
) -> None:
    page.goto(sqlite_portal.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "跳到主要内容"
    assert page.locator("a.skip").is_visible()  # visible once focused
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type(COMPANY)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/subjects/{COMPANY}")


def test_list_filters_pagination_and_csv(sqlite_portal: Portal, page: Any) -> None:
    total = sqlite_portal.filled.black_shown
    page.goto(sqlite_portal.url + "/lists/black")
    assert f"共 {total} 条" in page.locator(".total").inner_text()
    page.get_by_label("名单类型").select_option("consumption-restricted")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**list_type=consumption-restricted*")
    assert "共 0 条" in page.locator(".total").inner_text()
    page.get_by_role("link", name="清除条件").click()
    page.get_by_role("link", name="下一页").click()
    page.wait_for_url("**offset=20*")
    assert f"共 {total} 条，当前显示第 21–40 条" in page.locator(".total").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载本页（CSV）").click()
    path = download.value.path()
    rows = path.read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 1 + 20


@pytest.mark.parametrize(("name", "viewport"), [("desktop", DESKTOP), ("mobile", MOBILE)])
def test_screenshots(sqlite_portal: Portal, browser: Any, name: str, viewport: Any) -> None:
    folder = screenshots_dir()
    context = browser.new_context(viewport=viewport, locale="zh-CN", java_script_enabled=False)
    tab = context.new_page()
    pages = {
        "home": "/",
        "search": "/search?q=测试",
        "subject": f"/subjects/{COMPANY}",
        "person": f"/subjects/{PERSON}",
        "red-list": "/lists/red",
        "black-list": "/lists/black",
        "black-list-en": "/lists/black?lang=en",
        "not-found": "/subjects/91110101JC99999999?lang=zh",
    }
    try:
        for label, path in pages.items():
            tab.goto(sqlite_portal.url + path)
            target = folder / f"{label}-{name}.png"
            tab.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 5_000
    finally:
        context.close()
