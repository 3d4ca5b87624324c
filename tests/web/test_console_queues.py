"""The console's queues over HTTP: entries pushed to a department and its feedback, objections
and credit repair, with their working-day deadlines; CSRF, roles and other departments' items.

The registry is the portal's (:mod:`tests.web.data`) plus, made through the services: messages
pushed to MPS (one today, one long past its feedback due day), an objection opened long ago
(overdue), one due within two working days, and a repair application on a tax black-list entry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.check.entries import entry, write_entries
from tests.feedback.helpers import MATTER, MEASURE, pushed, utc
from tests.importing.rows import uscc
from tests.web.conftest import Portal
from tests.web.console import Console

from jointcredit import clock
from jointcredit.access import OPERATOR
from jointcredit.rules.workdays import add_workdays, workdays_between
from jointcredit.services import objections, repairs
from jointcredit.services.imports import import_file
from jointcredit.settings import get_settings
from jointcredit.store.tables import credit_records

TAX = "major-tax-violation-parties"


def record_id(engine: Engine, serial: int) -> int:
    """The record of the list entry made by ``tests.check.entries.entry(serial)``."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(credit_records.c.id).where(
                    credit_records.c.document_number == f"（2024）京0101执{serial}号"
                )
            ).scalar_one()
        )


def tax_entry(engine: Engine, directory: Path, serial: int) -> int:
    """A tax black-list entry of SAT in effect since January 2025 (so repairable now)."""
    path = write_entries(
        directory / f"tax-{serial}.jsonl",
        [entry(serial, TAX, department="SAT", decided_on="2025-01-06")],
    )
    summary = import_file(engine, "list-entry", path)
    assert summary.accepted == 1, summary.to_dict()
    return record_id(engine, serial)


def soon_start() -> dt.datetime:
    """A moment whose objection (``JOINTCREDIT_OBJECTION_DAYS``) is due within two working
    days from today, but not yet past."""
    today = clock.today()
    days = get_settings().objection_days
    day = today
    for _ in range(400):
        due = add_workdays(day, days).day
        if due >= today and workdays_between(today, due) <= 1:
            return dt.datetime.combine(day, dt.time(2), tzinfo=dt.UTC)
        day -= dt.timedelta(days=1)
    raise AssertionError("no start day found")


@dataclass
class Queues:
    portal: Portal
    fresh: int  # a message pushed to MPS today
    late: int  # a message pushed to MPS long ago, its feedback overdue
    caac: int  # a message pushed to CAAC
    overdue_objection: int
    soon_objection: int
    repair: int
    tax_record: int


@pytest.fixture(scope="module")
def queues(sqlite_portal: Portal, tmp_path_factory: pytest.TempPathFactory) -> Queues:
    engine = sqlite_portal.server.engine
    directory = tmp_path_factory.mktemp("queues")
    fresh = pushed(engine, record_id(engine, 101), {"MPS", "CAAC"}, at=clock.now())
    late = pushed(engine, record_id(engine, 102), {"MPS"}, at=utc("2025-01-15"))
    overdue = objections.open_objection(
        engine, record_id(engine, 103), reason="早已履行", by=OPERATOR, now=utc("2025-01-06")
    )
    soon = objections.open_objection(
        engine, record_id(engine, 104), reason="同名主体", by=OPERATOR, now=soon_start()
    )
    tax = tax_entry(engine, directory, 901)
    applied = repairs.apply(
        engine, tax, commitment="承诺依法纳税", obligations_met=True, by=OPERATOR
    )
    return Queues(
        sqlite_portal,
        fresh["MPS"],
        late["MPS"],
        fresh["CAAC"],
        overdue["id"],
        soon["id"],
        applied["id"],
        tax,
    )


@pytest.fixture(scope="module")
def staff(queues: Queues) -> Iterator[dict[str, Console]]:
    """Signed-in members: an MPS implementer, SPC and SAT reviewers, an NDRC initiator, a
    CAAC implementer."""
    url, engine = queues.portal.url, queues.portal.server.engine
    made = {
        "mps": Console(url, engine, "li.mps", "implementer", "MPS"),
        "spc": Console(url, engine, "wang.spc", "reviewer", "SPC"),
        "sat": Console(url, engine, "zhou.sat", "reviewer", "SAT"),
        "ndrc": Console(url, engine, "chen.ndrc", "initiator", "NDRC"),
        "caac": Console(url, engine, "sun.caac", "implementer", "CAAC"),
    }
    try:
        yield made
    finally:
        for console in made.values():
            console.close()


def item_of(html: str, anchor: str) -> str:
    """The ``<li>`` of a queue that holds ``anchor``."""
    for part in html.split("<li class=")[1:]:
        if anchor in part:
            return part.split("</li>")[0]
    raise AssertionError(f"{anchor!r} is in no queue item")


def test_pushed_items_take_feedback_and_show_answered(
    queues: Queues, staff: dict[str, Console]
) -> None:
    mps = staff["mps"]
    page = mps.get("/console/pushed")
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    fresh = item_of(page.text, f'id="m{queues.fresh}"')
    assert "测试101有限公司" in fresh and uscc(101) in fresh and "列入" in fresh
    assert "填写反馈" in fresh and "已反馈" not in fresh
    late = item_of(page.text, f'id="m{queues.late}"')
    assert late.startswith('"overdue"') and 'class="badge overdue"' in late and "已逾期" in late
    assert "2025-04-15" in late  # the quarter's due day

    form = mps.get(f"/console/pushed/{queues.fresh}")
    assert form.status_code == 200
    assert '<label for="measure"' in form.text and f'value="{MEASURE}"' in form.text
    stored = mps.post(
        f"/console/pushed/{queues.fresh}/feedback",
        {
            "measure": MEASURE,
            "applied": "yes",
            "matter": MATTER,
            "acted_on": clock.today().isoformat(),
            "case_reference": "公边控〔2026〕12号",
        },
    )
    assert stored.status_code == 303, stored.text
    shown = mps.get(stored.headers["location"])
    assert "反馈已提交" in shown.text and "已反馈" in shown.text
    assert "公边控〔2026〕12号" in shown.text
    listed = item_of(mps.get("/console/pushed").text, f'id="m{queues.fresh}"')
    assert 'class="badge done"' in listed and "已反馈" in listed
    # CAAC's message about the same entry is still unanswered: only MPS reported.
    caac = item_of(staff["caac"].get("/console/pushed").text, f'id="m{queues.caac}"')
    assert "填写反馈" in caac


def test_a_wrong_feedback_form_comes_back_with_its_errors_and_input(
    queues: Queues, staff: dict[str, Console]
) -> None:
    answer = staff["mps"].post(
        f"/console/pushed/{queues.late}/feedback",
        {
            "measure": MEASURE,
            "applied": "no",
            "matter": "",
            "acted_on": "2999-01-01",
            "case_reference": "公边〔2025〕7号",
            "reason": "",
        },
    )
    assert answer.status_code == 422
    text = answer.text
    assert "请选择在哪一事项中实施了该措施" in text
    assert "未实施时请说明原因" in text
    assert 'value="公边〔2025〕7号"' in text  # kept
    assert 'value="2999-01-01"' in text
    assert re.search(r'id="matter" name="matter" required aria-invalid="true"', text)
    # The service's own check: a day in the future.
    answer = staff["mps"].post(
        f"/console/pushed/{queues.late}/feedback",
        {"measure": MEASURE, "applied": "yes", "matter": MATTER, "acted_on": "2999-01-01"},
    )
    assert answer.status_code == 422
    assert "请填写今天或以前的日期" in answer.text
    english = staff["mps"].post(
        f"/console/pushed/{queues.late}/feedback?lang=en",
        {"measure": MEASURE, "applied": "yes", "matter": MATTER, "acted_on": "2999-01-01"},
    )
    assert "is in the future" in english.text
    # Nothing was stored: the item is still overdue.
    late = item_of(staff["mps"].get("/console/pushed?lang=zh").text, f'id="m{queues.late}"')
    assert 'class="badge overdue"' in late and "已逾期" in late


def test_the_objection_queue_shows_due_days_and_highlights(
    queues: Queues, staff: dict[str, Console]
) -> None:
    page = staff["spc"].get("/console/objections")
    assert page.status_code == 200, page.text
    assert 'aria-current="page">待核查' in page.text
    late = item_of(page.text, f'href="/console/objections/{queues.overdue_objection}"')
    assert late.startswith('"overdue"') and 'class="badge overdue"' in late
    assert uscc(103) in late and "2025-01-06" in late  # opened
    soon = item_of(page.text, f'href="/console/objections/{queues.soon_objection}"')
    assert soon.startswith('"due-soon"') and 'class="badge due-soon"' in soon
    assert "即将到期" in soon
    due = objections.shown(queues.portal.server.engine, queues.soon_objection, by=OPERATOR)["due"]
    assert due in soon
    # The objection of the portal's data (opened by the operator) is there with its due day.
    first = objections.listed(queues.portal.server.engine, by=OPERATOR, limit=100)[-1]
    assert first["due"] in item_of(page.text, f'href="/console/objections/{first["id"]}"')
    overdue_tab = staff["spc"].get("/console/objections?status=overdue").text
    assert f'/console/objections/{queues.overdue_objection}"' in overdue_tab
    assert f'/console/objections/{queues.soon_objection}"' not in overdue_tab


def test_staff_open_an_objection_and_the_reviewer_resolves_it(
    queues: Queues, staff: dict[str, Console]
) -> None:
    ndrc, spc = staff["ndrc"], staff["spc"]
    record = record_id(queues.portal.server.engine, 105)
    missing = ndrc.post("/console/objections", {"record_id": "abc", "reason": ""})
    assert missing.status_code == 422
    assert "请填写信用信息编号" in missing.text and "请说明该信息哪里有误" in missing.text
    unknown = ndrc.post("/console/objections", {"record_id": "999999", "reason": "有误"})
    assert unknown.status_code == 422 and "没有编号为 999999 的信用信息" in unknown.text
    assert 'value="999999"' in unknown.text and "有误</textarea>" in unknown.text
    opened = ndrc.post("/console/objections", {"record_id": str(record), "reason": "已全部履行"})
    assert opened.status_code == 303, opened.text
    detail = ndrc.get(opened.headers["location"])
    assert "异议已登记" in detail.text and "待核查" in detail.text
    objection_id = int(opened.headers["location"].split("/")[-1].split("?")[0])
    assert 'action="/console/objections/' + str(objection_id) + '/resolve"' not in detail.text
    again = ndrc.post("/console/objections", {"record_id": str(record), "reason": "再次"})
    assert again.status_code == 422 and "already has an open objection" in again.text

    page = spc.get(f"/console/objections/{objection_id}")
    assert f'action="/console/objections/{objection_id}/resolve"' in page.text
    assert 'class="history"' in page.text
    no_note = spc.post(f"/console/objections/{objection_id}/resolve", {"outcome": "rejected"})
    assert no_note.status_code == 422 and "请填写办理说明" in no_note.text
    assert 'value="rejected" checked' in no_note.text
    done = spc.post(
        f"/console/objections/{objection_id}/resolve",
        {"outcome": "rejected", "note": "经核查，信息无误"},
    )
    assert done.status_code == 303
    after = spc.get(done.headers["location"]).text
    assert "核查结论已提交" in after and "不予支持" in after and "经核查，信息无误" in after
    assert after.count("<li>") >= 2  # the history: opened, rejected
    assert f'action="/console/objections/{objection_id}/resolve"' not in after


def test_a_repair_is_accepted_and_decided(queues: Queues, staff: dict[str, Console]) -> None:
    sat = staff["sat"]
    page = sat.get("/console/repairs")
    assert page.status_code == 200
    assert 'aria-current="page">待受理' in page.text
    item = item_of(page.text, f'href="/console/repairs/{queues.repair}"')
    assert uscc(901) in item and "受理期限" in item and 'class="badge' in item
    refuse = sat.post(f"/console/repairs/{queues.repair}/accept", {"step": "refuse"})
    assert refuse.status_code == 422 and "不予受理时请说明理由" in refuse.text
    accepted = sat.post(f"/console/repairs/{queues.repair}/accept", {"step": "accept"})
    assert accepted.status_code == 303
    assert "申请已受理" in sat.get(accepted.headers["location"]).text
    decided = sat.post(
        f"/console/repairs/{queues.repair}/decide",
        {"decision": "approve", "note": "已纠正失信行为并履行义务"},
    )
    assert decided.status_code == 303, decided.text
    detail = sat.get(decided.headers["location"]).text
    assert "修复决定已提交" in detail and "准予修复" in detail
    assert "已纠正失信行为并履行义务" in detail
    assert f'action="/console/repairs/{queues.repair}/decide"' not in detail
    with queues.portal.server.engine.connect() as conn:
        status = conn.execute(
            select(credit_records.c.status).where(credit_records.c.id == queues.tax_record)
        ).scalar_one()
    assert status == "repaired"
    approved = sat.get("/console/repairs?status=approved").text
    assert f'href="/console/repairs/{queues.repair}"' in approved


def test_forms_without_the_session_token_are_refused(
    queues: Queues, staff: dict[str, Console]
) -> None:
    spc = staff["spc"]
    forged = spc.http.post(
        f"/console/objections/{queues.overdue_objection}/resolve",
        data={"outcome": "upheld", "note": "x"},
    )
    assert forged.status_code == 403
    forged = staff["mps"].http.post(
        f"/console/pushed/{queues.late}/feedback",
        data={"csrf": "forged", "measure": MEASURE, "applied": "yes", "matter": MATTER},
    )
    assert forged.status_code == 403
    forged = staff["ndrc"].http.post("/console/objections", data={"record_id": "1", "reason": "x"})
    assert forged.status_code == 403
    assert "待核查" in spc.get(f"/console/objections/{queues.overdue_objection}").text


def test_roles_without_the_permission_are_refused(
    queues: Queues, staff: dict[str, Console]
) -> None:
    assert staff["spc"].get("/console/pushed").status_code == 403  # a reviewer reads no feed
    assert (
        staff["ndrc"]
        .post(
            f"/console/objections/{queues.overdue_objection}/resolve",
            {"outcome": "upheld", "note": "x"},
        )
        .status_code
        == 403
    )
    assert (
        staff["mps"]
        .post(f"/console/repairs/{queues.repair}/decide", {"decision": "approve", "note": "x"})
        .status_code
        == 403
    )
    # A reviewer of another department may not resolve SPC's objection.
    assert staff["sat"].post(
        f"/console/objections/{queues.overdue_objection}/resolve",
        {"outcome": "upheld", "note": "x"},
    ).status_code in (403, 404)


def test_another_departments_items_are_not_found(queues: Queues, staff: dict[str, Console]) -> None:
    caac = staff["caac"]
    assert caac.get(f"/console/pushed/{queues.late}").status_code == 404
    assert (
        caac.post(
            f"/console/pushed/{queues.late}/feedback",
            {"measure": MEASURE, "applied": "yes", "matter": MATTER},
        ).status_code
        == 404
    )
    assert caac.get(f"/console/objections/{queues.overdue_objection}").status_code == 404
    assert caac.get(f"/console/repairs/{queues.repair}").status_code == 404
    assert (
        f"/console/objections/{queues.overdue_objection}"
        not in caac.get("/console/objections?status=all").text
    )
    assert caac.get("/console/objections/999999").status_code == 404


def test_english_pages(queues: Queues, staff: dict[str, Console]) -> None:
    page = staff["spc"].get("/console/objections?lang=en")
    assert page.status_code == 200
    assert "Objections" in page.text and "Overdue by" in page.text
    assert 'lang="en"' in page.text
    assert staff["spc"].get("/console/objections?lang=zh").status_code == 200


def test_pushed_entries_and_feedback_on_each_database(portal: Portal) -> None:
    """The pushed list's queries (answered or not, the feedback meeting a message) on SQLite
    and PostgreSQL."""
    engine = portal.server.engine
    sent = pushed(engine, record_id(engine, 106), {"MPS"}, at=utc("2025-01-15"))["MPS"]
    mps = Console(portal.url, engine, "li.mps", "implementer", "MPS")
    try:
        late = item_of(mps.get("/console/pushed").text, f'id="m{sent}"')
        assert 'class="badge overdue"' in late
        stored = mps.post(
            f"/console/pushed/{sent}/feedback",
            {"measure": MEASURE, "applied": "no", "matter": MATTER, "reason": "经核实为同名主体"},
        )
        assert stored.status_code == 303, stored.text
        assert "经核实为同名主体" in mps.get(f"/console/pushed/{sent}").text
        done = item_of(mps.get("/console/pushed").text, f'id="m{sent}"')
        assert 'class="badge done"' in done and "overdue" not in done
    finally:
        mps.close()
