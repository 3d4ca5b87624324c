"""The console's queues in a real browser (Debian's chromium, no JavaScript): a reviewer works
the objection queue by keyboard, a repair decided in the browser ends a measure the check
applied, an objection opened in the browser suspends one, and feedback is given on a pushed
entry. Screenshots of the three queues go to :func:`tests.web.conftest.screenshots_dir`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from tests.feedback.helpers import MEASURE, pushed, utc
from tests.importing.rows import uscc
from tests.web.conftest import Portal, screenshots_dir
from tests.web.console import account, browser_sign_in
from tests.web.test_console_queues import record_id, tax_entry

from jointcredit import clock
from jointcredit.access import OPERATOR
from jointcredit.services import objections, repairs

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
#: A measure on the tax black list and its matter; one on the court list and its matter.
TAX_MEASURE, TAX_MATTER = "mou-2016-2798/04", "credit-granting"
COURT_MEASURE, COURT_MATTER = "mou-2016-141/01", "enterprise-bond-issuance"


@dataclass
class Scene:
    portal: Portal
    repair: int
    objection: int
    court_record: int


@pytest.fixture(scope="module")
def scene(sqlite_portal: Portal, tmp_path_factory: pytest.TempPathFactory) -> Scene:
    engine = sqlite_portal.server.engine
    for username, role, department in (
        ("wang.spc", "reviewer", "SPC"),
        ("zhou.sat", "reviewer", "SAT"),
        ("chen.ndrc", "initiator", "NDRC"),
        ("li.mps", "implementer", "MPS"),
    ):
        account(engine, username, role, department)
    tax = tax_entry(engine, tmp_path_factory.mktemp("browser-queues"), 902)
    applied = repairs.apply(
        engine, tax, commitment="承诺依法纳税，已补缴税款", obligations_met=True, by=OPERATOR
    )
    late = objections.open_objection(
        engine, record_id(engine, 111), reason="早已履行", by=OPERATOR, now=utc("2025-01-06")
    )
    pushed(engine, record_id(engine, 112), {"MPS"}, at=clock.now())
    pushed(engine, record_id(engine, 113), {"MPS"}, at=utc("2025-01-15"))
    return Scene(sqlite_portal, applied["id"], late["id"], record_id(engine, 110))


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", java_script_enabled=False)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    try:
        yield tab
    finally:
        context.close()


def statuses(scene: Scene, subject: str, matter: str, measure: str) -> list[str]:
    """What the check (an NDRC implementer's key) answers for ``measure``."""
    answer = scene.portal.server.get(
        "/check", "implementer", "NDRC", params={"subject": subject, "matter": matter}
    )
    assert answer.status_code == 200, answer.text
    return [d["status"] for d in answer.json()["decisions"] if d["measure"] == measure]


def test_a_reviewer_resolves_an_objection_by_keyboard(scene: Scene, page: Any) -> None:
    browser_sign_in(page, scene.portal.url, "wang.spc")
    page.get_by_role("link", name="异议处理").first.click()
    page.wait_for_url("**/console/objections")
    assert page.locator("h1").inner_text() == "异议处理"
    late = page.locator(".queue > li.overdue").filter(has_text=uscc(111))
    assert late.locator(".badge.overdue").inner_text().startswith("已逾期")
    page.screenshot(path=str(screenshots_dir() / "console-objections.png"), full_page=True)

    late.get_by_role("link").first.click()
    page.wait_for_url(f"**/console/objections/{scene.objection}")
    assert page.locator(".history li").count() == 1
    # Keyboard only: focus the first outcome, move to "rejected", write the note, submit.
    page.get_by_role("radio", name=re.compile("异议成立")).focus()
    page.keyboard.press("Space")
    assert page.get_by_role("radio", name=re.compile("异议成立")).is_checked()
    page.keyboard.press("ArrowDown")
    assert page.get_by_role("radio", name=re.compile("不予支持")).is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "note"
    page.keyboard.type("经核查，名单信息无误")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "提交核查结论"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"done=queues\.objection\.resolved"))
    assert "核查结论已提交" in page.locator(".flash").inner_text()
    assert page.locator(".history li").count() == 2
    assert page.locator("form.resolve").count() == 0


def test_a_missing_note_is_shown_next_to_its_field(scene: Scene, page: Any) -> None:
    browser_sign_in(page, scene.portal.url, "zhou.sat")
    page.goto(f"{scene.portal.url}/console/repairs/{scene.repair}")
    page.get_by_role("radio", name="准予修复").check()
    page.get_by_role("button", name="提交决定").click()
    assert page.locator("#note-error").inner_text() == "请填写办理说明。"
    assert page.get_by_role("radio", name="准予修复").is_checked()  # kept
    assert page.locator("#note").get_attribute("aria-invalid") == "true"


def test_a_repair_decided_in_the_browser_ends_the_measure(scene: Scene, page: Any) -> None:
    subject = uscc(902)
    assert statuses(scene, subject, TAX_MATTER, TAX_MEASURE) == ["applied"]

    browser_sign_in(page, scene.portal.url, "zhou.sat")
    page.get_by_role("link", name="信用修复").first.click()
    page.wait_for_url("**/console/repairs")
    item = page.locator(".queue > li").filter(has_text=subject)
    assert "待受理" in item.inner_text()
    page.screenshot(path=str(screenshots_dir() / "console-repairs.png"), full_page=True)
    item.get_by_role("link").first.click()
    page.wait_for_url(f"**/console/repairs/{scene.repair}")
    page.get_by_role("button", name="受理", exact=True).click()
    page.wait_for_url(re.compile(r"done=queues\.repair\.accepted"))
    assert "已受理待决定" in page.locator("h1").inner_text()
    page.get_by_role("radio", name="准予修复").check()
    page.get_by_label("决定理由").fill("已补缴税款并作出信用承诺，符合修复条件")
    page.get_by_role("button", name="提交决定").click()
    page.wait_for_url(re.compile(r"done=queues\.repair\.decided"))
    assert "准予修复" in page.locator("h1").inner_text()
    assert page.locator(".history li").count() == 3  # applied, accepted, approved

    assert statuses(scene, subject, TAX_MATTER, TAX_MEASURE) == []


def test_staff_open_an_objection_and_the_check_suspends(scene: Scene, page: Any) -> None:
    subject = uscc(110)
    assert statuses(scene, subject, COURT_MATTER, COURT_MEASURE) == ["applied"]

    browser_sign_in(page, scene.portal.url, "chen.ndrc")
    page.goto(f"{scene.portal.url}/console/objections")
    page.get_by_label("信用信息编号").fill(str(scene.court_record))
    page.get_by_label("异议理由").fill("主体称已全部履行判决义务")
    page.get_by_role("button", name="登记异议").click()
    page.wait_for_url(re.compile(r"/console/objections/\d+\?done="))
    assert "异议已登记" in page.locator(".flash").inner_text()
    assert "待核查" in page.locator("h1").inner_text()

    assert statuses(scene, subject, COURT_MATTER, COURT_MEASURE) == ["suspended"]


def test_feedback_on_a_pushed_entry_in_the_browser(scene: Scene, page: Any) -> None:
    browser_sign_in(page, scene.portal.url, "li.mps")
    page.get_by_role("link", name="推送与反馈").first.click()
    page.wait_for_url("**/console/pushed")
    late = page.locator(".queue > li.overdue").filter(has_text="测试113有限公司")
    assert late.locator(".badge.overdue").is_visible()
    page.screenshot(path=str(screenshots_dir() / "console-pushed.png"), full_page=True)

    fresh = page.locator(".queue > li").filter(has_text="测试112有限公司")
    fresh.get_by_role("link", name=re.compile("填写反馈")).click()
    page.get_by_label("措施").select_option(MEASURE)
    page.get_by_role("radio", name="已实施", exact=True).check()
    page.get_by_label("实施事项").select_option("exit-control")
    page.get_by_label("本部门案件编号").fill("公边控〔2026〕3号")
    page.get_by_role("button", name="提交反馈").click()
    page.wait_for_url(re.compile(r"done=queues\.feedback\.saved"))
    assert "反馈已提交" in page.locator(".flash").inner_text()
    page.get_by_role("link", name=re.compile("返回推送列表")).click()
    done = page.locator(".queue > li").filter(has_text="测试112有限公司")
    assert done.locator(".badge.done").inner_text() == "已反馈"
