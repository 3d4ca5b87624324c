"""The console's submission pages and review queue over HTTP: one record or list entry through
a form (problems next to their fields, nothing typed lost), a file with its rejects report and
CSV, the four-eyes review of list entries, CSRF and roles."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.check.entries import entry
from tests.importing.rows import penalty_row, uscc, write_csv
from tests.web.conftest import Portal
from tests.web.console import Console

from jointcredit import clock
from jointcredit.access import Principal
from jointcredit.catalog import load_catalog
from jointcredit.importing.formats import PENALTIES
from jointcredit.rules.workdays import add_workdays, workdays_between
from jointcredit.services import proposals
from jointcredit.web.console_submit import groups_of
from jointcredit.web.i18n import ZH

DEPARTMENT = "SPC"
NDRC = load_catalog().departments["NDRC"].name_zh
OURS = load_catalog().departments[DEPARTMENT].name_zh


@pytest.fixture(scope="module")
def staff(sqlite_portal: Portal) -> Iterator[dict[str, Console]]:
    url, engine = sqlite_portal.url, sqlite_portal.server.engine
    people = {
        "initiator": Console(url, engine, "li.ming", "initiator", DEPARTMENT),
        "reviewer": Console(url, engine, "wang.fang", "reviewer", DEPARTMENT),
        "implementer": Console(url, engine, "sun.li", "implementer", DEPARTMENT),
    }
    yield people
    for person in people.values():
        person.close()


def _penalty_form(serial: int, **fields: str) -> dict[str, str]:
    """A penalty as the form sends it: every field, the data source left to the department."""
    return {"kind": "penalty", **penalty_row(serial, CF_SJLY="", **fields)}


def _entry_form(serial: int, **fields: str) -> dict[str, str]:
    """A court's black-list entry as the list-entry form sends it."""
    e = entry(serial, valid_until="2099-12-31")
    form = {
        "kind": "list-entry",
        "list_type": e["list_type"],
        "document_number": e["document_number"],
        "decided_on": e["decided_on"],
        "legal_basis": e["legal_basis"],
        "valid_from": "",
        "valid_until": e["valid_until"],
        "subject.name": e["subject"]["name"],
        "subject.kind": e["subject"]["kind"],
        "subject.uscc": e["subject"]["uscc"],
        "subject.id_number": "",
    }
    return form | fields


def _field(page: str, field_id: str) -> str:
    """The ``<div class="field">`` that holds the input ``field_id``."""
    found = re.search(
        rf'<div class="field[^"]*">\s*<label for="{re.escape(field_id)}".*?</div>', page, re.S
    )
    assert found, f"no field {field_id}"
    return found.group(0)


def _main(page: str) -> str:
    """The page's main part, for a failing assertion's message."""
    found = re.search(r"<main.*?</main>", page, re.S)
    return found.group(0) if found else page


def _location(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_every_form_input_has_a_label_and_every_label_a_text(staff: dict[str, Console]) -> None:
    for kind in ("penalty", "licensing", "list-entry"):
        page = staff["initiator"].get(f"/console/submit?kind={kind}")
        assert page.status_code == 200, page.text
        ids = re.findall(r'<(?:input|select|textarea) id="([^"]+)"', page.text)
        assert len(ids) > 10
        for field_id in ids:
            assert f'<label for="{field_id}"' in page.text, field_id
        for group in groups_of(kind, DEPARTMENT, "zh"):
            assert group.legend in ZH
            for field in group.fields:
                assert field.label in ZH and (field.hint is None or field.hint in ZH), field
        assert 'aria-current="page"' in page.text
    upload = staff["initiator"].get("/console/submit/upload")
    assert upload.status_code == 200
    assert '<label for="upload-file"' in upload.text
    assert 'enctype="multipart/form-data"' in upload.text


def test_a_penalty_is_stored_and_the_flash_names_it(staff: dict[str, Console]) -> None:
    me = staff["initiator"]
    done = _location(me.post("/console/submit", _penalty_form(701)))
    assert done.startswith("/console/submit?kind=penalty&stored=")
    assert "outcome=accepted" in done
    record = re.search(r"stored=(\d+)", done)
    assert record
    page = me.get(done)
    assert page.status_code == 200
    assert f"记录编号 {record.group(1)}（第 1 版，新记录）" in page.text
    assert 'class="flash"' in page.text
    # The same again changes nothing, and says so.
    again = me.get(_location(me.post("/console/submit", _penalty_form(701))))
    assert f"与记录编号 {record.group(1)}" in again.text and "未作改动" in again.text


def test_a_bad_field_comes_back_next_to_its_input_with_everything_typed(
    staff: dict[str, Console],
) -> None:
    me = staff["initiator"]
    typed = _penalty_form(
        702, CF_NR_FK="-13.69", CF_XDR_MC="北京输入保留测试有限公司", BZ="备注<原样>"
    )
    r = me.post("/console/submit", typed)
    assert r.status_code == 422, r.text
    fine = _field(r.text, "f-CF_NR_FK")
    assert 'aria-invalid="true"' in fine
    # The validator's reason in the page's language (Chinese by default).
    assert 'id="f-CF_NR_FK-error"' in fine and "“-13.69”是负数" in fine
    try:
        english = me.post("/console/submit?lang=en", typed)
    finally:
        me.get("/console/submit?lang=zh")  # the choice is kept in a cookie: the default again
    assert english.status_code == 422
    assert "&#39;-13.69&#39; is negative" in _field(english.text, "f-CF_NR_FK")
    assert 'value="-13.69"' in fine
    # The summary at the top links to the field.
    assert '<a href="#f-CF_NR_FK">' in r.text
    # Everything else typed is still there, escaped.
    assert 'value="北京输入保留测试有限公司"' in r.text
    assert "备注&lt;原样&gt;</textarea>" in r.text
    assert f'value="{uscc(702)}"' in r.text
    assert re.search(r'<option value="法人及非法人组织" selected>', r.text)
    # Another department's record: refused, the reason at the data source field.
    other = me.post("/console/submit", _penalty_form(703) | {"CF_SJLY": NDRC})
    assert other.status_code == 403
    assert 'id="f-CF_SJLY-error"' in _field(other.text, "f-CF_SJLY")


def test_a_list_entry_is_proposed_and_approved_by_a_second_reviewer(
    sqlite_portal: Portal, staff: dict[str, Console]
) -> None:
    initiator, reviewer = staff["initiator"], staff["reviewer"]
    name = "测试721有限公司"
    where = _location(initiator.post("/console/submit", _entry_form(721)))
    assert re.fullmatch(r"/console/review/\d+\?done=submit\.done\.proposed", where)
    shown = initiator.get(where)
    assert shown.status_code == 200
    assert "已提交，等待本部门另一名审核人员审核" in shown.text and name in shown.text
    assert "待审核" in shown.text
    # Nothing is listed until it is approved.
    assert name not in sqlite_portal.get("/lists/black?limit=100").text

    queue = reviewer.get("/console/review")
    assert queue.status_code == 200
    assert where.split("?")[0] in queue.text and name in queue.text
    assert "还剩 5 个工作日" in queue.text or "即将到期" in queue.text

    # The proposer may not approve it: the refusal is shown on the proposal's page.
    path = where.split("?")[0]
    own = initiator.post(f"{path}/approve", {"note": ""})
    assert own.status_code == 403
    assert "未能通过此申请" in own.text and "may not review" in own.text
    detail = reviewer.get(path)
    assert 'action="' + path + '/approve"' in detail.text
    assert 'action="' + path + '/approve"' not in initiator.get(path).text

    approved = reviewer.post(f"{path}/approve", {"note": "核实无误"})
    assert _location(approved) == f"{path}?done=review.done.approve"
    after = reviewer.get(_location(approved))
    assert "已审核通过" in after.text and "核实无误" in after.text
    assert "li.ming" in after.text and "wang.fang" in after.text  # the history names both
    assert name in sqlite_portal.get("/lists/black?limit=100").text
    # Twice is refused with the service's reason, not an error page.
    twice = reviewer.post(f"{path}/approve", {})
    assert twice.status_code == 409 and "it cannot be approved again" in twice.text


def test_return_needs_a_reason_then_resubmit_and_withdraw(staff: dict[str, Console]) -> None:
    initiator, reviewer = staff["initiator"], staff["reviewer"]
    path = _location(initiator.post("/console/submit", _entry_form(722))).split("?")[0]
    empty = reviewer.post(f"{path}/return", {"note": "  "})
    assert empty.status_code == 422
    assert 'id="note-return-error"' in empty.text
    returned = reviewer.get(_location(reviewer.post(f"{path}/return", {"note": "请补充依据"})))
    assert "已退回" in returned.text and "请补充依据" in returned.text
    # The initiator changes the entry and resubmits it.
    edit = initiator.get(f"{path}/resubmit")
    assert edit.status_code == 200 and 'value="测试722有限公司"' in edit.text
    bad = initiator.post(
        f"{path}/resubmit",
        _entry_form(722, **{"subject.uscc": "91110101XXXXXXXXXX"}) | {"content": "entry"},
    )
    assert bad.status_code == 422 and 'id="f-subject-uscc-error"' in bad.text
    fixed = _entry_form(722, legal_basis="法释〔2017〕7号第一条") | {"content": "entry"}
    again = initiator.get(_location(initiator.post(f"{path}/resubmit", fixed)))
    assert "已重新提交审核" in again.text and "法释〔2017〕7号第一条" in again.text
    gone = initiator.get(_location(initiator.post(f"{path}/withdraw", {"note": "不再列入"})))
    assert "已撤回" in gone.text
    assert initiator.get("/console/review?status=withdrawn").text.count(path + '"') == 1


def _csv_upload(directory: Path) -> bytes:
    # In a file the data source department is not filled in: it names the department.
    good = penalty_row(711, CF_SJLY=OURS)
    bad = penalty_row(712, CF_SJLY=OURS, CF_NR_FK="-1")
    return write_csv(directory / "penalties.csv", [good, bad], PENALTIES).read_bytes()


def _check_report(me: Console, content: bytes) -> None:
    r = me.post(
        "/console/submit/upload",
        {"kind": "penalty"},
        files={"file": ("二月 penalties.csv", content, "text/csv")},
    )
    assert r.status_code == 200, r.text
    assert re.search(r'id="count-accepted">1<', r.text), _main(r.text)
    assert re.search(r'id="count-rejected">1<', r.text)
    rows = re.findall(r"<tbody>(.*?)</tbody>", r.text, re.S)
    assert rows and "第 2 行" in rows[0] and "CF_NR_FK" in rows[0] and "“-1”是负数" in rows[0]
    rejects = re.search(r'name="rejects" value="([^"]*)"', r.text)
    file = re.search(r'name="file" value="([^"]*)"', r.text)
    assert rejects and file
    download = me.post(
        "/console/submit/upload/rejects.csv",
        {"rejects": html.unescape(rejects.group(1)), "file": html.unescape(file.group(1))},
    )
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    assert ".rejects.csv" in download.headers["content-disposition"]
    text = download.content.decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0] == ["行号", "字段", "原因"]
    assert table[1] == ["2", "CF_NR_FK", "“-1”是负数"]
    assert len(table) == 2


def test_an_upload_shows_accepted_and_rejected_rows_with_a_csv(
    staff: dict[str, Console], tmp_path: Path
) -> None:
    _check_report(staff["initiator"], _csv_upload(tmp_path))
    # A file that cannot be read at all comes back to the form with the reason.
    me = staff["initiator"]
    wrong = me.post(
        "/console/submit/upload",
        {"kind": "penalty"},
        files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")},
    )
    assert wrong.status_code == 422 and "文件未能导入" in wrong.text
    none = me.post("/console/submit/upload", {"kind": "penalty"})
    assert none.status_code == 422 and "请选择要上传的文件" in none.text


def test_an_english_page_gives_the_rejects_reasons_in_english(
    staff: dict[str, Console], tmp_path: Path
) -> None:
    me = staff["initiator"]
    try:
        r = me.post(
            "/console/submit/upload?lang=en",
            {"kind": "penalty"},
            files={"file": ("penalties.csv", _csv_upload(tmp_path), "text/csv")},
        )
    finally:
        me.get("/console/submit?lang=zh")
    assert r.status_code == 200, r.text
    rows = re.findall(r"<tbody>(.*?)</tbody>", r.text, re.S)
    assert rows and "&#39;-1&#39; is negative" in rows[0] and "负数" not in rows[0]


def test_an_upload_on_each_database(portal: Portal, tmp_path: Path) -> None:
    me = Console(portal.url, portal.server.engine, "zhao.upload", "initiator", DEPARTMENT)
    try:
        _check_report(me, _csv_upload(tmp_path))
    finally:
        me.close()


def test_a_form_without_its_token_is_refused(staff: dict[str, Console]) -> None:
    me = staff["initiator"]
    for path in ("/console/submit", "/console/submit/upload", "/console/review/1/approve"):
        forged = me.http.post(path, data=_penalty_form(731))
        assert forged.status_code == 403, path
    other_site = me.http.post(
        "/console/submit",
        data={"csrf": me.csrf, **_penalty_form(731)},
        headers={"Origin": "https://evil.example"},
    )
    assert other_site.status_code == 403


def test_a_role_without_submit_may_not_submit(staff: dict[str, Console]) -> None:
    for role in ("reviewer", "implementer"):
        me = staff[role]
        assert me.get("/console/submit").status_code == 403
        assert me.get("/console/submit/upload").status_code == 403
        assert me.post("/console/submit", _penalty_form(732)).status_code == 403
    # An implementer does not read proposals either; the menu does not offer what it may not.
    assert staff["implementer"].get("/console/review").status_code == 403
    assert 'href="/console/submit"' not in staff["reviewer"].get("/console").text


def _submitted_on(engine: Any, serial: int, day: dt.date) -> int:
    at = dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.UTC)
    made = proposals.submit(
        engine,
        proposals.Request("create", entry=entry(serial, valid_until="2099-12-31")),
        by=Principal("initiator", DEPARTMENT, name="earlier"),
        now=at,
    )
    return int(made["id"])


def test_the_queue_marks_overdue_and_due_soon(
    sqlite_portal: Portal, staff: dict[str, Console]
) -> None:
    engine, today = sqlite_portal.server.engine, clock.today()
    late = _submitted_on(engine, 741, today - dt.timedelta(days=30))
    day = today
    while workdays_between(today, add_workdays(day, 5).day) > 1:
        day -= dt.timedelta(days=1)
    soon = _submitted_on(engine, 742, day)
    page = staff["reviewer"].get("/console/review").text
    marked = re.findall(
        r'<li class="([\w-]+)">\s*<h2 class="queue-title"><a href="/console/review/(\d+)"', page
    )
    items = {pid: cls for cls, pid in marked}
    assert items[str(late)] == "overdue" and items[str(soon)] == "due-soon"
    assert 'class="badge overdue">已超期' in page and 'class="badge due-soon">' in page
    # Open first: the overdue one leads the queue.
    first = re.search(r'href="/console/review/(\d+)"', page)
    assert first and first.group(1) == str(late)
    # Filters by status.
    approved = staff["reviewer"].get("/console/review?status=approved")
    assert approved.status_code == 200 and f'/console/review/{late}"' not in approved.text
    assert staff["reviewer"].get("/console/review?status=nonsense").status_code == 422


def test_a_proposal_takes_notes_and_documents(
    sqlite_portal: Portal, staff: dict[str, Console]
) -> None:
    pid = _submitted_on(sqlite_portal.server.engine, 905, dt.date.today())
    path = f"/console/review/{pid}"
    initiator, reviewer = staff["initiator"], staff["reviewer"]
    page = reviewer.get(path).text
    # The reviewer notes; the proposing department attaches (both are its staff).
    assert f'action="{path}/note"' in page and f'action="{path}/attachments"' in page
    assert f'action="{path}/note"' not in initiator.get(path).text
    empty = reviewer.post(f"{path}/note", {"note": ""})
    assert empty.status_code == 422 and "未能记录办理意见" in empty.text
    noted = reviewer.post(f"{path}/note", {"note": "已核对判决书原件"})
    assert noted.status_code == 303 and noted.headers["location"].endswith("done=review.done.note")
    judgment = b"%PDF-1.7\n% synthetic judgment\n"
    sent = initiator.post(f"{path}/attachments", files={"file": ("判决书.pdf", judgment)})
    assert sent.status_code == 303, sent.text
    after = reviewer.get(sent.headers["location"]).text
    assert "附件已上传。" in after and "判决书.pdf" in after and "已核对判决书原件" in after
    link = re.search(rf'href="({path}/attachments/\d+)" download', after)
    assert link is not None and reviewer.get(link.group(1)).content == judgment
    wrong = initiator.post(f"{path}/attachments", files={"file": ("x.pdf", b"<html>")})
    assert wrong.status_code == 422 and "is not a PDF" in wrong.text
