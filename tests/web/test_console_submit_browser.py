"""Submitting and reviewing in a real browser (Debian's chromium, no JavaScript): an upload with
a bad row and its rejects report, by mouse and by keyboard; a list entry proposed by one member,
approved by another, then on the public black list. Screenshots for review."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.importing.rows import penalty_row, write_csv
from tests.web.conftest import Portal, screenshots_dir
from tests.web.console import account, browser_sign_in

from jointcredit.catalog import load_catalog
from jointcredit.importing.formats import PENALTIES

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
DEPARTMENT = "SPC"
OURS = load_catalog().departments[DEPARTMENT].name_zh


@pytest.fixture(scope="module")
def people(sqlite_portal: Portal) -> Portal:
    engine = sqlite_portal.server.engine
    account(engine, "qian.upload", "initiator", DEPARTMENT, "钱上传")
    account(engine, "zhou.propose", "initiator", DEPARTMENT, "周提出")
    account(engine, "wu.review", "reviewer", DEPARTMENT, "吴审核")
    return sqlite_portal


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    made = browser.new_context(viewport=DESKTOP, locale="zh-CN", java_script_enabled=False)
    try:
        yield made
    finally:
        made.close()


def _tab(context: Any, url: str, username: str) -> Any:
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    browser_sign_in(tab, url, username)
    tab.locator(".whoami").wait_for()  # signed in: the sign-in page's address matched too
    return tab


def _file(directory: Path, serial: int) -> Path:
    rows = [
        penalty_row(serial, CF_SJLY=OURS),
        penalty_row(serial + 1, CF_SJLY=OURS, CF_NR_FK="-2.5"),
    ]
    return write_csv(directory / f"penalties-{serial}.csv", rows, PENALTIES)


def test_an_upload_with_a_bad_row_shows_its_rejects(
    people: Portal, context: Any, tmp_path: Path
) -> None:
    folder = screenshots_dir()
    tab = _tab(context, people.url, "qian.upload")
    tab.goto(people.url + "/console/submit")
    tab.screenshot(path=str(folder / "console-submit.png"), full_page=True)
    tab.get_by_role("link", name="上传文件").click()
    tab.get_by_label("行政处罚（30 项）").check()
    tab.get_by_label("选择文件").set_input_files(str(_file(tmp_path, 751)))
    tab.get_by_role("button", name="上传并校验").click()
    tab.get_by_role("heading", name="导入结果").wait_for()
    assert tab.locator("#count-accepted").inner_text() == "1"
    assert tab.locator("#count-rejected").inner_text() == "1"
    row = tab.locator("table.rejects tbody tr").first
    assert "第 2 行" in row.inner_text() and "CF_NR_FK" in row.inner_text()
    tab.screenshot(path=str(folder / "console-rejects.png"), full_page=True)
    with tab.expect_download() as download:
        tab.get_by_role("button", name="下载退回明细（CSV）").click()
    assert download.value.suggested_filename.endswith(".rejects.csv")
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert "CF_NR_FK" in text and "是负数" in text


def test_the_upload_form_works_with_the_keyboard(
    people: Portal, context: Any, tmp_path: Path
) -> None:
    tab = _tab(context, people.url, "qian.upload")
    tab.goto(people.url + "/console/submit/upload")
    tab.focus("#kind-penalty")
    tab.keyboard.press("ArrowDown")  # radio buttons: arrows choose
    assert tab.locator("#kind-licensing").is_checked()
    tab.keyboard.press("ArrowUp")
    assert tab.locator("#kind-penalty").is_checked()
    tab.keyboard.press("Tab")  # the list format: it matters for list entries only
    assert tab.evaluate("document.activeElement.id") == "list-format"
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.id") == "upload-file"
    # The file chooser is the system's own dialog: the file is given as a person picks it.
    tab.locator("#upload-file").set_input_files(str(_file(tmp_path, 761)))
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.textContent").strip() == "上传并校验"
    tab.keyboard.press("Enter")
    tab.get_by_role("heading", name="导入结果").wait_for()
    assert tab.locator("#count-rejected").inner_text() == "1"


def test_a_list_entry_proposed_by_one_is_approved_by_another(
    people: Portal, context: Any, browser: Any
) -> None:
    name = "浏览器测试771有限公司"
    proposer = _tab(context, people.url, "zhou.propose")
    proposer.goto(people.url + "/console/submit?kind=list-entry")
    proposer.get_by_label("名单类型").select_option("judgment-defaulters")
    proposer.get_by_label("列入决定文书号").fill("（2024）京0101执771号")
    proposer.get_by_label("决定日期").fill("2024-03-05")
    proposer.get_by_label("列入依据").fill(
        "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条"
    )
    proposer.get_by_label("有效期至").fill("2099-12-31")
    proposer.get_by_label("名称或姓名").fill(name)
    proposer.get_by_label("主体类型").select_option("legal-person")
    proposer.get_by_label("统一社会信用代码").fill(_uscc(771))
    proposer.get_by_role("button", name="提交审核").click()
    proposer.wait_for_url(re.compile(r"/console/review/\d+\?done="))
    assert "等待本部门另一名审核人员审核" in proposer.locator(".flash").inner_text()
    path = proposer.url.split("?")[0]

    other = browser.new_context(viewport=DESKTOP, locale="zh-CN", java_script_enabled=False)
    try:
        reviewer = _tab(other, people.url, "wu.review")
        reviewer.goto(people.url + "/console/review")
        reviewer.screenshot(path=str(screenshots_dir() / "console-review.png"), full_page=True)
        reviewer.locator(f'a[href="{path.split(people.url)[-1]}"]').click()
        reviewer.get_by_label("审核意见（可选）").fill("核实无误")
        reviewer.get_by_role("button", name="审核通过").click()
        reviewer.wait_for_url("**done=review.done.approve")
        assert "已审核通过" in reviewer.locator(".flash").inner_text()
    finally:
        other.close()

    public = context.new_page()
    public.goto(people.url + "/lists/black?limit=100")
    assert public.get_by_text(name).is_visible()


def _uscc(serial: int) -> str:
    from tests.importing.rows import uscc

    return uscc(serial)
