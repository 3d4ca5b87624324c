"""Self-service in a real browser (Debian's chromium, no JavaScript): a company signs in with
its demo code, sees its record, files an objection on its black-list entry (the check then says
"suspended"), applies for repair of its penalty and follows the application; and the sign-in
and record pages at a phone's width. Screenshots: me-sign-in, me-record, me-objection,
me-sign-in-mobile, me-record-mobile."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from tests.web.conftest import Portal, screenshots_dir
from tests.web.data import COMPANY
from tests.web.test_selfservice_pages import (
    COMPANY_ENTRY,
    COMPANY_PENALTY,
    check,
    code_of,
    demo_self_service,
    record_id,
)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}


@pytest.fixture(scope="module", autouse=True)
def _demo() -> Iterator[None]:
    yield from demo_self_service()


def _context(browser: Any, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport, locale="zh-CN", java_script_enabled=False)
    context.set_default_timeout(10_000)
    return context


def _sign_in(page: Any, url: str, identifier: str) -> None:
    page.goto(f"{url}/me")
    page.get_by_label("统一社会信用代码或身份证号码").fill(identifier)
    page.get_by_label("演示验证码").fill(code_of(identifier))
    page.get_by_role("button", name="进入").click()
    page.wait_for_url(re.compile(r"/me/record$"))


def test_a_company_objects_and_applies_for_repair(sqlite_portal: Portal, browser: Any) -> None:
    folder = screenshots_dir()
    engine = sqlite_portal.server.engine
    entry = record_id(engine, COMPANY_ENTRY)
    penalty = record_id(engine, COMPANY_PENALTY)
    context = _context(browser, DESKTOP)
    page = context.new_page()
    try:
        check(sqlite_portal, COMPANY)  # NDRC looks the company up: the record page says so
        page.goto(f"{sqlite_portal.url}/me")
        assert page.locator("h1").inner_text() == "信用自助服务"
        page.screenshot(path=str(folder / "me-sign-in.png"), full_page=True)
        _sign_in(page, sqlite_portal.url, COMPANY)
        assert page.locator("h1").inner_text() == "北京测试1科技有限公司"
        assert page.get_by_role("heading", name="被查询记录").is_visible()
        assert "企业债券" in page.locator("#lookups").inner_text()
        assert COMPANY_ENTRY in page.locator(f"#record-{entry}").inner_text()
        page.screenshot(path=str(folder / "me-record.png"), full_page=True)

        # The objection, from the form on the black-list entry (a <details>, no script).
        card = page.locator(f"#record-{entry}")
        card.locator("summary").click()
        card.get_by_label("异议理由").fill("该案已于上月执行完毕，请核查")
        card.get_by_role("button", name="提交异议").click()
        page.wait_for_url(re.compile(r"/me/objections/\d+\?done=me.objection_filed$"))
        assert "核查期间，相关联合惩戒措施暂停执行" in page.locator(".flash").inner_text()
        assert "核查中" in page.locator("main").inner_text()
        page.screenshot(path=str(folder / "me-objection.png"), full_page=True)
        suspended = {d["status"] for d in check(sqlite_portal, COMPANY) if d["entry"] == entry}
        assert suspended == {"suspended"}

        # Repair of the penalty, then its progress page.
        page.get_by_role("link", name="我的信用记录", exact=True).click()
        page.wait_for_url(re.compile(r"/me/record"))
        card = page.locator(f"#record-{penalty}")
        card.locator("summary").click()
        card.get_by_label("信用承诺").fill("本企业承诺依法诚信经营，如有违反自愿接受惩戒")
        card.get_by_label("本主体已纠正失信行为，并已全部履行决定所确定的义务").check()
        card.get_by_role("button", name="提交修复申请").click()
        page.wait_for_url(re.compile(r"/me/repairs/\d+\?done=me.repair_filed$"))
        main = page.locator("main").inner_text()
        assert "信用修复申请已提交" in main and "待受理" in main and "办理过程" in main
        # And back on the record page, both items are listed with their state.
        page.get_by_role("link", name="返回我的信用记录").click()
        listed = page.locator("#objections").inner_text() + page.locator("#repairs").inner_text()
        assert "核查中" in listed and "待受理" in listed
    finally:
        context.close()


def test_the_record_at_a_phones_width(sqlite_portal: Portal, browser: Any) -> None:
    context = _context(browser, MOBILE)
    page = context.new_page()
    try:
        page.goto(f"{sqlite_portal.url}/me")
        assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
        page.screenshot(path=str(screenshots_dir() / "me-sign-in-mobile.png"), full_page=True)
        _sign_in(page, sqlite_portal.url, COMPANY)
        # Nothing wider than the screen: no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
        page.screenshot(path=str(screenshots_dir() / "me-record-mobile.png"), full_page=True)
        page.get_by_role("button", name="退出").click()
        page.wait_for_url(re.compile(r"/me\?done=me.signed_out$"))
        assert "您已安全退出" in page.locator("main").inner_text()
    finally:
        context.close()
