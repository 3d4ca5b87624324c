"""The console's case pages for any kind, over HTTP: reports (举报) handled end to end — the
queue's tabs, assign, investigate, note, close as referred — with each problem beside its field
(422), a step the state no longer allows (409) and another department's report not found (404);
working notes on objections and repairs; tabs and labels read from the vocabulary in both
languages; self-service offering what the kind allows and keeping working notes inside.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from tests.importing.rows import uscc
from tests.web.conftest import Portal
from tests.web.console import Console
from tests.web.data import COMPANY
from tests.web.test_console_queues import item_of, record_id
from tests.web.test_selfservice_pages import COMPANY_PENALTY, Me, demo_self_service
from tests.web.test_selfservice_pages import record_id as record_of

from jointcredit.access import OPERATOR
from jointcredit.choices.cases import TIPOFF_OUTCOMES, TIPOFF_STATUSES, step_label
from jointcredit.services import objections, tipoffs
from jointcredit.web.console_cases import labels
from jointcredit.web.console_queues import OBJECTIONS, REPAIRS
from jointcredit.web.console_tipoffs import REPORTS


def report(engine: object, department: str, serial: int, text: str) -> int:
    made = tipoffs.submit(
        engine,  # type: ignore[arg-type]
        by=OPERATOR,
        department=department,
        subject=uscc(serial),
        subject_name=f"测试{serial}有限公司",
        category="虚假宣传",
        description=text,
        reporter=tipoffs.Reporter("测试举报人", "13800000000"),
    )
    return int(made["id"])


@dataclass
class Desk:
    portal: Portal
    ours: int  # a report to SAT, handled through the pages
    second: int  # another report to SAT, left received
    theirs: int  # a report to CAAC


@pytest.fixture(scope="module")
def desk(sqlite_portal: Portal) -> Desk:
    engine = sqlite_portal.server.engine
    return Desk(
        sqlite_portal,
        report(engine, "SAT", 501, "涉嫌虚开增值税发票，金额较大。"),
        report(engine, "SAT", 502, "涉嫌偷逃税款。"),
        report(engine, "CAAC", 503, "航空公司涉嫌虚假宣传。"),
    )


@pytest.fixture(scope="module")
def staff(desk: Desk) -> Iterator[dict[str, Console]]:
    """Two SAT reviewers, a CAAC reviewer, an SPC reviewer, an NDRC initiator."""
    url, engine = desk.portal.url, desk.portal.server.engine
    made = {
        "sat": Console(url, engine, "zhou.sat", "reviewer", "SAT"),
        "sat2": Console(url, engine, "qian.sat", "reviewer", "SAT"),
        "caac": Console(url, engine, "sun.caac", "reviewer", "CAAC"),
        "spc": Console(url, engine, "wang.spc", "reviewer", "SPC"),
        "ndrc": Console(url, engine, "chen.ndrc", "initiator", "NDRC"),
    }
    try:
        yield made
    finally:
        for console in made.values():
            console.close()


def tab_names(html: str) -> list[str]:
    return re.findall(r'<li><a href="\?status=[\w-]+"[^>]*>([^<]+)</a></li>', html)


def history(html: str) -> str:
    return html.split('<ol class="history"')[1].split("</ol>")[0]


def test_the_reports_queue_has_the_kinds_tabs_and_its_departments_reports(
    desk: Desk, staff: dict[str, Console]
) -> None:
    page = staff["sat"].get("/console/reports")
    assert page.status_code == 200, page.text
    assert tab_names(page.text) == ["待分派", "已分派", "调查核实中", "已逾期", "已办结", "全部"]
    assert 'aria-current="page">待分派' in page.text
    row = item_of(page.text, f'href="/console/reports/{desk.ours}"')
    assert uscc(501) in row and "测试501有限公司" in row and "涉嫌虚开增值税发票" in row
    assert "办理期限" in row and 'class="badge' in row
    assert f'action="/console/reports/{desk.ours}/reporter"' in row
    assert f"/console/reports/{desk.theirs}" not in page.text
    assert staff["sat"].get("/console/reports?status=closed").text.count("<li class=") == 0
    # A role that reads no reports.
    assert staff["ndrc"].get("/console/reports").status_code == 403


def test_a_report_is_assigned_investigated_noted_and_closed_as_referred(
    desk: Desk, staff: dict[str, Console]
) -> None:
    sat, path = staff["sat"], f"/console/reports/{desk.ours}"
    page = sat.get(path)
    assert page.status_code == 200, page.text
    assert '<select id="handler" name="handler"' in page.text
    assert 'value="zhou.sat"' in page.text and 'value="qian.sat"' in page.text
    assert f'action="{path}/assign"' in page.text and f'action="{path}/close"' in page.text
    assert f'action="{path}/investigate"' not in page.text  # not yet assigned
    assert f'action="{path}/note"' in page.text
    assert history(page.text).count("<li>") == 1 and "收到举报" in history(page.text)

    missing = sat.post(f"{path}/assign", {"handler": ""})
    assert missing.status_code == 422
    assert '<p class="error-text" id="handler-error">请选择承办人。</p>' in missing.text
    stranger = sat.post(f"{path}/assign", {"handler": "sun.caac"})
    assert stranger.status_code == 422
    assert re.search(r'id="handler-error">handler: .*not an active staff account', stranger.text)
    assigned = sat.post(f"{path}/assign", {"handler": "qian.sat", "note": "请核实"})
    assert assigned.status_code == 303, assigned.text
    assert assigned.headers["location"] == f"{path}?done=queues.report.assigned"
    page = sat.get(assigned.headers["location"]).text
    assert "举报已分派。" in page and "已分派" in page and "qian.sat" in page
    assert f'action="{path}/investigate"' in page

    started = sat.post(f"{path}/investigate", {})
    assert started.status_code == 303
    assert "已开始调查核实。" in sat.get(started.headers["location"]).text
    no_note = sat.post(f"{path}/note", {"note": " "})
    assert no_note.status_code == 422 and 'id="case_note-error">请填写办理意见。' in no_note.text
    noted = staff["sat2"].post(f"{path}/note", {"note": "已调取开票记录"})
    assert noted.status_code == 303
    assert "办理意见已记录。" in sat.get(noted.headers["location"]).text

    unreferred = sat.post(f"{path}/close", {"outcome": "referred", "note": "属海关职责"})
    assert unreferred.status_code == 422
    assert re.search(
        r'id="referred_to-error">referred_to: name the catalog department', unreferred.text
    )
    assert (
        'value="referred" checked' in unreferred.text and "属海关职责</textarea>" in unreferred.text
    )
    own = sat.post(f"{path}/close", {"outcome": "referred", "referred_to": "SAT", "note": "x"})
    assert own.status_code == 422 and 'id="referred_to-error">referred_to:' in own.text
    closed = sat.post(
        f"{path}/close", {"outcome": "referred", "referred_to": "MPS", "note": "涉嫌犯罪，移送公安"}
    )
    assert closed.status_code == 303, closed.text
    page = sat.get(closed.headers["location"]).text
    assert "举报已办结。" in page and "已办结" in page and "已移交" in page
    steps = history(page)
    for word in ("收到举报", "分派", "开始调查核实", "办理意见", "办结", "已调取开票记录"):
        assert word in steps, word
    assert steps.count("<li>") == 5
    assert f'action="{path}/close"' not in page and f'action="{path}/assign"' not in page

    # The state allows no further step: the page again, with why (409).
    late = sat.post(f"{path}/investigate", {})
    assert late.status_code == 409 and 'class="alert" role="alert"' in late.text
    listed = sat.get("/console/reports?status=closed").text
    assert f'href="{path}"' in listed
    assert f'href="{path}"' not in sat.get("/console/reports").text


def test_another_departments_report_is_not_found(desk: Desk, staff: dict[str, Console]) -> None:
    caac = staff["caac"]
    path = f"/console/reports/{desk.second}"
    assert caac.get(path).status_code == 404
    assert caac.post(f"{path}/assign", {"handler": "sun.caac"}).status_code == 404
    assert caac.post(f"{path}/close", {"outcome": "substantiated", "note": "x"}).status_code == 404
    assert caac.post(f"{path}/note", {"note": "x"}).status_code == 404
    assert caac.get("/console/reports/999999").status_code == 404
    # Without the form's token: refused before anything.
    forged = staff["sat"].http.post(f"{path}/assign", data={"handler": "zhou.sat"})
    assert forged.status_code == 403


def test_english_tabs_and_labels_come_from_the_vocabulary(
    desk: Desk, staff: dict[str, Console]
) -> None:
    page = staff["sat"].get("/console/reports?lang=en").text
    assert tab_names(page) == [
        "Received",
        "Assigned",
        "Under investigation",
        "Overdue",
        "Closed",
        "All",
    ]
    detail = staff["sat"].get(f"/console/reports/{desk.second}?lang=en").text
    assert "Substantiated" in detail and "Referred" in detail and "Received" in detail
    staff["sat"].get("/console/reports?lang=zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_desks_labels_are_the_choices(lang: str) -> None:
    for case_desk in (OBJECTIONS, REPAIRS, REPORTS):
        kind = case_desk.queue.kind
        words = labels(case_desk, lang)
        for value in kind.statuses.values:
            assert words["status_label"](value) == kind.statuses.label(value, lang)
            assert words["tab_label"](value) == kind.statuses.label(value, lang)
        for action in kind.machine.transitions:
            assert words["step_label"](action) == step_label(kind.name, action, lang)
        # A time limit of each open status is named (no key shows through).
        for status in kind.open_statuses:
            assert "queues." not in words["due_label"]({"status": status})
    words = labels(REPORTS, lang)
    for value in TIPOFF_OUTCOMES.values:
        assert words["outcome_label"](value) == TIPOFF_OUTCOMES.label(value, lang)
    assert set(REPORTS.queue.kind.tabs) >= set(TIPOFF_STATUSES.values)


def test_notes_on_objections_and_repairs(desk: Desk, staff: dict[str, Console]) -> None:
    engine = desk.portal.server.engine
    opened = objections.open_objection(
        engine, record_id(engine, 121), reason="同名主体", by=OPERATOR
    )
    spc, path = staff["spc"], f"/console/objections/{opened['id']}"
    page = spc.get(path).text
    assert f'action="{path}/note"' in page and f'action="{path}/resolve"' in page
    noted = spc.post(f"{path}/note", {"note": "已联系认定部门"})
    assert noted.status_code == 303
    after = spc.get(noted.headers["location"]).text
    assert "办理意见已记录。" in after and "已联系认定部门" in history(after)
    assert "待核查" in after  # unchanged
    # An initiator has no handler's permission; another department's reviewer sees nothing.
    assert staff["ndrc"].post(f"{path}/note", {"note": "x"}).status_code == 403
    assert staff["sat"].post(f"{path}/note", {"note": "x"}).status_code == 404


def test_documents_of_a_case_in_the_console(desk: Desk, staff: dict[str, Console]) -> None:
    sat = staff["sat"]
    path = f"/console/reports/{desk.second}"
    page = sat.get(path).text
    assert "暂无附件。" in page and f'action="{path}/attachments"' in page
    # The reporter opens from the report's page too (with the department's passphrase).
    assert f'action="{path}/reporter"' in page and 'type="password"' in page
    pdf = b"%PDF-1.7\n% synthetic findings\n"
    sent = sat.post(f"{path}/attachments", files={"file": ("核查笔录.pdf", pdf)})
    assert sent.status_code == 303, sent.text
    after = sat.get(sent.headers["location"]).text
    assert "附件已上传。" in after and "核查笔录.pdf" in after and "添加附件" in history(after)
    link = re.search(rf'href="({path}/attachments/\d+)" download', after)
    assert link is not None
    got = sat.get(link.group(1))
    assert got.status_code == 200 and got.content == pdf
    assert got.headers["content-type"] == "application/pdf"
    # A file that is not what it says, and no file at all: beside the field, nothing kept.
    wrong = sat.post(f"{path}/attachments", files={"file": ("x.pdf", b"MZ\x90")})
    assert wrong.status_code == 422 and "is not a PDF" in wrong.text
    assert sat.post(f"{path}/attachments").status_code == 422
    # Another department neither sees nor adds documents.
    assert staff["caac"].get(link.group(1)).status_code == 404
    assert (
        staff["caac"].post(f"{path}/attachments", files={"file": ("a.pdf", pdf)}).status_code == 404
    )


# -- self-service ------------------------------------------------------------------------------


@pytest.fixture
def me_company(desk: Desk) -> Iterator[Me]:
    gen = demo_self_service()
    next(gen)
    me = Me(desk.portal.url, COMPANY)
    try:
        yield me
    finally:
        me.close()
        next(gen, None)


def test_self_service_offers_the_kinds_steps_and_keeps_notes_inside(
    desk: Desk, me_company: Me
) -> None:
    engine = desk.portal.server.engine
    penalty = record_of(engine, COMPANY_PENALTY)
    filed = me_company.post("/me/objections", {"record": penalty, "reason": "处罚已撤销"})
    assert filed.status_code == 303, filed.text
    objection_id = int(filed.headers["location"].split("/")[3].split("?")[0])
    path = f"/me/objections/{objection_id}"
    page = me_company.get(path).text
    assert f'action="{path}/withdraw"' in page and "核查中" in page
    objections.QUEUE.note(engine, objection_id, note="内部：待调取原始卷宗", by=OPERATOR)
    page = me_company.get(path).text
    assert "内部：待调取原始卷宗" not in page and "办理意见" not in page
    objections.resolve(engine, objection_id, outcome="rejected", note="处罚有效", by=OPERATOR)
    page = me_company.get(path).text
    assert f'action="{path}/withdraw"' not in page
    assert "异议不成立" in page and "不予通过" in page  # the public words


def test_the_subject_attaches_its_evidence(desk: Desk, me_company: Me) -> None:
    engine = desk.portal.server.engine
    penalty = record_of(engine, COMPANY_PENALTY)
    filed = me_company.post("/me/objections", {"record": penalty, "reason": "罚款已缴纳"})
    assert filed.status_code == 303, filed.text
    path = filed.headers["location"].split("?")[0]
    assert "暂无材料。" in me_company.get(path).text
    voucher = b"%PDF-1.4\n% synthetic payment voucher\n"
    sent = me_company.post(f"{path}/attachments", files={"file": ("缴款凭证.pdf", voucher)})
    assert sent.status_code == 303, sent.text
    page = me_company.get(sent.headers["location"]).text
    assert "材料已上传。" in page and "缴款凭证.pdf" in page
    link = re.search(rf'href="({path}/attachments/\d+)" download', page)
    assert link is not None and me_company.get(link.group(1)).content == voucher
    refused = me_company.post(f"{path}/attachments", files={"file": ("a.pdf", b"<html>")})
    assert refused.status_code == 422 and "is not a PDF" in refused.text
    # Another subject's case, and a path that is no kind of case: not found.
    others = objections.open_objection(
        engine, record_id(engine, 122), reason="同名主体", by=OPERATOR
    )
    other = f"/me/objections/{others['id']}/attachments"
    assert me_company.post(other, files={"file": ("a.pdf", voucher)}).status_code == 404
    assert me_company.post("/me/tipoffs/1/attachments").status_code == 404


def test_reports_pages_on_each_database(portal: Portal) -> None:
    """The reports' queue, tabs and steps on SQLite and PostgreSQL."""
    engine = portal.server.engine
    made = report(engine, "SAT", 511, "涉嫌隐匿收入。")
    sat = Console(portal.url, engine, "zhou.sat", "reviewer", "SAT")
    try:
        path = f"/console/reports/{made}"
        assert f'href="{path}"' in sat.get("/console/reports").text
        assert sat.post(f"{path}/assign", {"handler": "zhou.sat"}).status_code == 303
        assert f'href="{path}"' in sat.get("/console/reports?status=assigned").text
        closed = sat.post(f"{path}/close", {"outcome": "unsubstantiated", "note": "经查不实"})
        assert closed.status_code == 303, closed.text
        page = sat.get(closed.headers["location"]).text
        assert "举报不实" in page and history(page).count("<li>") == 3
        assert f'href="{path}"' in sat.get("/console/reports?status=closed").text
        assert f'href="{path}"' not in sat.get("/console/reports?status=overdue").text
    finally:
        sat.close()
