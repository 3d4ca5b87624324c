"""Reports (举报) in the console, in a real browser: a reviewer opens the queue, assigns a report
to a colleague, starts the investigation, adds a note, closes it as referred to another
department and finds it under "closed" with its history; the pages' labels in Chinese and in
English are the vocabulary's. Screenshots of the list and detail pages of every kind of case go
to :func:`tests.web.conftest.screenshots_dir`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from tests.importing.rows import uscc
from tests.web.conftest import Portal, screenshots_dir
from tests.web.console import account, browser_sign_in
from tests.web.test_console_queues import record_id, tax_entry

from jointcredit.access import OPERATOR
from jointcredit.choices.cases import TIPOFF_STATUSES
from jointcredit.services import objections, repairs, tipoffs

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


@dataclass
class Scene:
    portal: Portal
    report: int
    objection: int
    repair: int


@pytest.fixture(scope="module")
def scene(sqlite_portal: Portal, tmp_path_factory: pytest.TempPathFactory) -> Scene:
    engine = sqlite_portal.server.engine
    for username, role, department in (
        ("zhou.sat", "reviewer", "SAT"),
        ("qian.sat", "reviewer", "SAT"),
        ("wang.spc", "reviewer", "SPC"),
    ):
        account(engine, username, role, department, name=f"测试{username}")
    made = tipoffs.submit(
        engine,
        by=OPERATOR,
        department="SAT",
        subject=uscc(601),
        subject_name="测试601有限公司",
        category="偷逃税款",
        description="涉嫌通过个人账户收取货款，隐匿收入。",
        reporter=tipoffs.Reporter("测试举报人", "13900000000"),
    )
    objection = objections.open_objection(
        engine, record_id(engine, 131), reason="主体称已履行", by=OPERATOR
    )
    tax = tax_entry(engine, tmp_path_factory.mktemp("browser-cases"), 903)
    applied = repairs.apply(
        engine, tax, commitment="承诺依法纳税", obligations_met=True, by=OPERATOR
    )
    return Scene(sqlite_portal, made["id"], objection["id"], applied["id"])


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", java_script_enabled=False)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    try:
        yield tab
    finally:
        context.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(screenshots_dir() / name), full_page=True)


def test_a_reviewer_handles_a_report_to_its_close(scene: Scene, page: Any) -> None:
    browser_sign_in(page, scene.portal.url, "zhou.sat")
    page.get_by_role("link", name="举报处理").first.click()
    page.wait_for_url("**/console/reports")
    assert page.locator("nav .tabs [aria-current=page]").inner_text() == "待分派"
    row = page.locator(".queue > li").filter(has_text=uscc(601))
    assert "待分派" in row.inner_text()
    shot(page, "console-reports.png")
    row.get_by_role("link").first.click()
    page.wait_for_url(f"**/console/reports/{scene.report}")
    assert page.locator(".history li").count() == 1

    page.get_by_label("承办人").select_option("qian.sat")
    page.get_by_label("分派说明").fill("请于五个工作日内核实")
    page.get_by_role("button", name="分派", exact=True).click()
    page.wait_for_url(re.compile(r"done=queues\.report\.assigned"))
    assert "举报已分派" in page.locator(".flash").inner_text()
    assert "已分派" in page.locator("h1").inner_text()

    page.get_by_role("button", name="开始调查核实").click()
    page.wait_for_url(re.compile(r"done=queues\.report\.investigating"))
    assert "调查核实中" in page.locator("h1").inner_text()

    page.locator("#case_note").fill("已调取银行流水")
    page.get_by_role("button", name="添加办理意见").click()
    page.wait_for_url(re.compile(r"done=queues\.note\.added"))
    assert "办理意见已记录" in page.locator(".flash").inner_text()
    shot(page, "console-report.png")

    # Referred without the department: the problem beside its field, the choice kept.
    page.get_by_role("radio", name="已移交").check()
    page.get_by_label("办结说明").fill("涉嫌犯罪，移送公安机关")
    page.get_by_role("button", name="办结", exact=True).click()
    assert page.locator("#referred_to-error").inner_text().startswith("referred_to:")
    assert page.get_by_role("radio", name="已移交").is_checked()
    page.get_by_label("移交部门").select_option("MPS")
    page.get_by_role("button", name="办结", exact=True).click()
    page.wait_for_url(re.compile(r"done=queues\.report\.closed"))
    assert "举报已办结" in page.locator(".flash").inner_text()
    assert "已办结" in page.locator("h1").inner_text()
    steps = page.locator(".history li")
    assert steps.count() == 5  # received, assigned, investigating, note, closed
    assert "办结" in steps.nth(4).inner_text() and "涉嫌犯罪" in steps.nth(4).inner_text()
    assert page.locator("form.close").count() == 0

    page.get_by_role("link", name=re.compile("返回举报列表")).click()
    page.get_by_role("link", name="已办结", exact=True).click()
    page.wait_for_url("**/console/reports?status=closed")
    closed = page.locator(".queue > li").filter(has_text=uscc(601))
    assert "已办结" in closed.inner_text()
    closed.get_by_role("link").first.click()
    assert page.locator(".history li").count() == 5


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_tabs_speak_each_language(scene: Scene, page: Any, lang: str) -> None:
    browser_sign_in(page, scene.portal.url, "zhou.sat")
    page.goto(f"{scene.portal.url}/console/reports?lang={lang}")
    tabs = page.locator("nav .tabs a").all_inner_texts()
    assert tabs[:3] == [TIPOFF_STATUSES.label(s, lang) for s in TIPOFF_STATUSES.open_values]
    assert tabs[-1] == ("全部" if lang == "zh" else "All")
    assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
    shot(page, f"console-reports-{lang}.png")


def test_objection_pages(scene: Scene, page: Any) -> None:
    """The list and detail page of objections, as the verifying reviewer sees them."""
    browser_sign_in(page, scene.portal.url, "wang.spc")
    page.goto(f"{scene.portal.url}/console/objections")
    shot(page, "console-cases-objections.png")
    page.goto(f"{scene.portal.url}/console/objections/{scene.objection}")
    assert page.locator("form.resolve").count() == 1
    assert page.locator("form.case-note").count() == 1
    shot(page, "console-cases-objection.png")


def test_repair_pages(scene: Scene, page: Any) -> None:
    """The list and detail page of repairs, as the deciding reviewer sees them."""
    browser_sign_in(page, scene.portal.url, "zhou.sat")
    page.goto(f"{scene.portal.url}/console/repairs")
    shot(page, "console-cases-repairs.png")
    page.goto(f"{scene.portal.url}/console/repairs/{scene.repair}")
    assert page.locator("form.decide").count() == 1
    shot(page, "console-cases-repair.png")
