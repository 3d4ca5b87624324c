"""The national lists' own columns on the pages that show an entry, from a real server.

A live server on SQLite holds entries imported in the court, tax-violations and A-grade
formats. The portal's subject page and the API's public answers show each entry's own columns
under their Chinese labels — persons' names and identity numbers masked, personal columns left
out, no full resident identity number anywhere —; the subject's self-service record shows them
whole (numbers as stored: masked); a department's upload in a national format through the API
(``?format=``) and the console (the format chosen in the form) becomes proposals whose review
page shows the own columns, and the approved entry keeps them unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.api.server import LiveServer, live_server
from tests.importing.national_lists import (
    REPRESENTATIVE,
    court,
    masked,
    person,
    samr,
    tax_a_grade,
    tax_violations,
    write_csv,
)
from tests.importing.rows import uscc
from tests.web.console import Console
from tests.web.test_selfservice_pages import Me, demo_self_service

from jointcredit.identifiers.mask import mask_name, mask_resident_id
from jointcredit.services.imports import import_file

COMPANY, DEFAULTER = uscc(500), person(501)
TAXPAYER, REPRESENTATIVE_ID = uscc(600), person(600, "19750505")
GRADED = uscc(700)
#: Every full resident identity number the imported rows hold.
NUMBERS = {DEFAULTER, REPRESENTATIVE_ID, person(601, "19700303")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("national")
    for _ in demo_self_service():
        with live_server(f"sqlite:///{directory}/registry.sqlite3") as live:
            for name, sample in (
                ("court", court(500)),
                ("tax-violations", tax_violations(600)),
                ("tax-a-grade", tax_a_grade(700)),
            ):
                path = write_csv(directory / f"{name}.csv", sample.fmt, sample.good)
                summary = import_file(live.engine, "list-entry", path, list_format=name)
                assert summary.accepted == len(sample.good), summary.to_dict()
            yield live


def _clean(what: str, body: bytes) -> None:
    for number in NUMBERS:
        for form in {number, number.lower()}:
            assert form.encode() not in body, f"{what} shows the full number {form}"


def test_the_portal_shows_the_own_columns_masked(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as web:
        company = web.get(f"/subjects/{COMPANY}")
        assert company.status_code == 200, company.text
        page = company.text
        for label, value in (
            ("执行法院", "北京市东城区人民法院"),
            ("案号", "京0101执500号"),
            ("失信被执行人行为具体情形", "有履行能力而拒不履行生效法律文书确定义务"),
            ("法定代表人或者负责人姓名", "王**"),
        ):
            assert f'<dt lang="zh">{label}</dt>' in page and value in page, label
        assert "王测试" not in page
        assert "生效法律文书确定的义务</dt>" not in page  # may name other persons

        defaulter = web.get(f"/subjects/{DEFAULTER}")
        assert defaulter.status_code == 200, defaulter.text
        assert mask_resident_id(DEFAULTER) in defaulter.text
        assert f"<dd>{mask_name('张测试501')}</dd>" in defaulter.text
        assert "张测试501" not in defaulter.text
        assert '<dt lang="zh">性别</dt>' not in defaulter.text
        assert '<dt lang="zh">年龄</dt>' not in defaulter.text

        taxpayer = web.get(f"/subjects/{TAXPAYER}").text
        assert f"王**，男，居民身份证 {mask_resident_id(REPRESENTATIVE_ID)}" in taxpayer
        assert '<dt lang="zh">案件性质</dt>' in taxpayer and "虚开增值税专用发票" in taxpayer
        assert "主要违法事实</dt>" not in taxpayer

        graded = web.get(f"/subjects/{GRADED}").text
        assert '<dt lang="zh">评价年度</dt>' in graded and '<dt lang="zh">税务机关</dt>' in graded

        for path in (
            f"/subjects/{COMPANY}",
            f"/subjects/{DEFAULTER}",
            f"/subjects/{TAXPAYER}",
            f"/subjects/{person(601, '19700303')}",
            f"/subjects/{DEFAULTER}?format=csv",
            f"/api/v1/subjects/{DEFAULTER}/records",
            f"/api/v1/subjects/{TAXPAYER}/records",
            "/lists/black?limit=100",
            "/api/v1/search?q=测试",
        ):
            r = web.get(path)
            assert r.status_code == 200, (path, r.text[:300])
            _clean(path, r.content)


def test_the_public_api_gives_the_own_columns_as_the_portal_does(server: LiveServer) -> None:
    records = server.get(f"/subjects/{DEFAULTER}/records").json()["items"]
    [entry] = records
    details = entry["payload"]
    assert details["案号"].endswith("京0101执501号")
    assert details["身份证号码/组织机构代码"] == mask_resident_id(DEFAULTER)
    assert "性别" not in details and "format" not in details
    one = server.get(f"/records/{entry['ref']}").json()
    assert one["payload"] == details


def test_the_subject_sees_its_own_columns_whole(server: LiveServer) -> None:
    me = Me(server.url, DEFAULTER)
    try:
        page = me.record.text
    finally:
        me.close()
    for label in ("性别", "年龄", "执行法院", "案号", "生效法律文书确定的义务", "发布时间"):
        assert f'<dt lang="zh">{label}</dt>' in page, label
    assert "张测试501" in page and "被告偿还原告借款本金" in page
    # The own column keeps the number masked, as the court publishes it.
    assert f"<dd>{mask_resident_id(DEFAULTER)}</dd>" in page


# -- a department's upload: proposals, their review page, the approved entry ---------------------


def _upload(
    server: LiveServer, content: bytes, *, kind: str, list_format: str | None
) -> httpx.Response:
    params = {"format": list_format} if list_format else {}
    with server.client("initiator", "SPC") as api:
        return api.post(
            f"/imports/{kind}",
            params=params,
            files={"file": ("失信被执行人.csv", content, "text/csv")},
        )


def test_an_upload_in_the_court_format_is_proposed_and_approved_whole(
    server: LiveServer, tmp_path: Path
) -> None:
    sample = court(800)
    content = write_csv(tmp_path / "court.csv", sample.fmt, sample.rows).read_bytes()

    unknown = _upload(server, content, kind="list-entries", list_format="pdf")
    assert unknown.status_code == 422, unknown.text
    assert "generic, court, samr, tax-violations, tax-a-grade" in unknown.text
    penalties = _upload(server, content, kind="penalties", list_format="court")
    assert penalties.status_code == 422, penalties.text

    done = _upload(server, content, kind="list-entries", list_format="court")
    assert done.status_code == 200, done.text
    summary = done.json()
    assert summary["list_format"] == "court" and summary["accepted"] == len(sample.good)
    assert [(r["row"], r["field"]) for r in summary["rejected"]] == sample.rejected()
    first = summary["proposals"][0]

    reviewer = Console(server.url, server.engine, "court.reviewer", "reviewer", "SPC")
    try:
        review = reviewer.get(f"/console/review/{first}")
        assert review.status_code == 200
        assert '<dt lang="zh">执行依据文号</dt>' in review.text
        assert '<dt lang="zh">法定代表人或者负责人姓名</dt>' in review.text
    finally:
        reviewer.close()

    proposed = server.get(f"/proposals/{first}", "reviewer", "SPC").json()["payload"]
    approved = server.post(f"/proposals/{first}/approve", "reviewer", "SPC")
    assert approved.status_code == 200, approved.text
    record = server.get(f"/records/{approved.json()['record_id']}", "reviewer", "SPC").json()
    assert record["version"] == 1
    kept = {k: v for k, v in record["payload"].items() if not k.startswith("_")}
    assert kept == proposed
    assert kept["format"] == "court" and kept["执行法院"] == "北京市东城区人民法院"


def test_the_console_upload_offers_the_formats(server: LiveServer, tmp_path: Path) -> None:
    me = Console(server.url, server.engine, "samr.initiator", "initiator", "SAMR")
    try:
        form = me.get("/console/submit/upload?kind=list-entry").text
        assert '<select id="list-format" name="format"' in form
        for name in ("generic", "court", "samr", "tax-violations", "tax-a-grade"):
            assert f'<option value="{name}"' in form
        sample = samr(900)
        content = write_csv(tmp_path / "samr.csv", sample.fmt, sample.rows).read_bytes()
        report = me.post(
            "/console/submit/upload",
            {"kind": "list-entry", "format": "samr"},
            files={"file": ("严重违法失信名单.csv", content, "text/csv")},
        )
        assert report.status_code == 200, report.text
        assert re.search(r'id="count-accepted">2<', report.text)
        assert "列入日期" in report.text  # the bad rows' columns are named
        # Without the format the generic one applies: the file lacks its columns.
        generic = me.post(
            "/console/submit/upload",
            {"kind": "list-entry"},
            files={"file": ("严重违法失信名单.csv", content, "text/csv")},
        )
        assert generic.status_code == 422 and "list_type" in generic.text
    finally:
        me.close()


def test_the_representatives_full_number_stays_out_of_the_own_column(server: LiveServer) -> None:
    """The tax list's legal representative is a person reference (full number, masked by every
    view that masks persons); the own column keeps the number masked."""
    [entry] = server.get(f"/subjects/{TAXPAYER}/records", "reviewer", "SAT").json()["items"]
    assert entry["payload"][REPRESENTATIVE].endswith(mask_resident_id(REPRESENTATIVE_ID))
    assert masked(REPRESENTATIVE_ID) not in entry["payload"][REPRESENTATIVE]
    assert REPRESENTATIVE_ID not in str(entry["payload"])
