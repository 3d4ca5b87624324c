"""Self-service pages at /me over HTTP: sign-in with a demo code (the same message for every
failure), the whole record with who looked it up, objections (the check then says
"suspended") and repair applications, another subject's items not found, CSRF on every form,
sign-out, and the idle limit."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from tests.web.conftest import Portal
from tests.web.data import COMPANY, DISPUTED, PERSON, REPRESENTATIVE, uscc

from jointcredit.catalog import load_catalog
from jointcredit.identifiers.mask import mask_resident_id
from jointcredit.services import selfservice
from jointcredit.settings import get_settings
from jointcredit.store.tables import credit_records, objections

MATTER = "enterprise-bond-issuance"
COMPANY_ENTRY = "（2024）京0101执1号"  # its black-list entry (court list)
COMPANY_PENALTY = "京东市监罚〔2024〕1号"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_PRE = re.compile(r'name="pre" value="([^"]+)"')


# -- helpers the browser test shares --------------------------------------------------------------


def demo_self_service() -> Iterator[None]:
    """Self-service on with the demo sign-in for the in-process server (settings are cached by
    ``get_settings()``: cleared on the way in and out)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JOINTCREDIT_SELF_SERVICE_AUTHENTICATOR", "demo")
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


def code_of(identifier: str) -> str:
    return selfservice.demo_authenticator().code(identifier)


def record_id(engine: Engine, document_number: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(credit_records.c.id).where(
                    credit_records.c.document_number == document_number
                )
            ).scalar_one()
        )


def check(portal: Portal, identifier: str) -> list[dict[str, Any]]:
    """The joint check's decisions, asked with an implementer's key (NDRC)."""
    asked = portal.server.get(
        "/check", "implementer", params={"subject": identifier, "matter": MATTER}
    )
    assert asked.status_code == 200, asked.text
    decisions: list[dict[str, Any]] = asked.json()["decisions"]
    return decisions


class Me:
    """An HTTP client signed in to self-service as one subject through the real form."""

    def __init__(self, url: str, identifier: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30, follow_redirects=False)
        page = self.http.get("/me")
        pre = _PRE.search(page.text)
        assert pre, page.text
        signed = self.http.post(
            "/me/sign-in",
            data={"identifier": identifier, "code": code_of(identifier), "pre": pre.group(1)},
        )
        assert signed.status_code == 303, signed.text
        assert signed.headers["location"] == "/me/record"
        self.record = self.http.get("/me/record")
        assert self.record.status_code == 200, self.record.text
        found = _CSRF.search(self.record.text)
        assert found, "the page has no CSRF field"
        self.csrf = found.group(1)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(path, **kw)

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
        """A form post carrying this session's CSRF token."""
        return self.http.post(path, data={"csrf": self.csrf, **(data or {})}, **kw)

    def close(self) -> None:
        self.http.close()


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _demo() -> Iterator[None]:
    yield from demo_self_service()


@pytest.fixture
def me_company(sqlite_portal: Portal) -> Iterator[Me]:
    me = Me(sqlite_portal.url, COMPANY)
    try:
        yield me
    finally:
        me.close()


# -- tests ---------------------------------------------------------------------------------------


def test_the_sign_in_form_asks_the_authenticators_questions(sqlite_portal: Portal) -> None:
    page = sqlite_portal.get("/me")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert '<label for="q-identifier">统一社会信用代码或身份证号码</label>' in page.text
    assert 'id="q-code" name="code" type="password"' in page.text
    assert "jc_me_pre=" in page.headers["set-cookie"] and "Path=/me" in page.headers["set-cookie"]
    english = sqlite_portal.get("/me?lang=en")
    assert "Credit code or ID number" in english.text
    # Without a session, a page of it sends to sign-in.
    assert sqlite_portal.get("/me/record").headers["location"] == "/me"


def test_every_failed_sign_in_gets_the_same_message(sqlite_portal: Portal) -> None:
    with httpx.Client(base_url=sqlite_portal.url) as http:
        pre = _PRE.search(http.get("/me").text)
        assert pre
        answers = (
            {"identifier": COMPANY, "code": "AAAAAA"},  # wrong code
            {"identifier": uscc(999), "code": code_of(uscc(999))},  # right code, unknown subject
            {"identifier": COMPANY},  # no code
        )
        texts = []
        for given in answers:
            refused = http.post("/me/sign-in", data={**given, "pre": pre.group(1)})
            assert refused.status_code == 401
            assert "jc_me=" not in refused.headers.get("set-cookie", "")
            texts.append(re.search(r'role="alert"><p>([^<]+)<', refused.text).group(1))  # type: ignore[union-attr]
        assert len(set(texts)) == 1 and "身份核验未通过" in texts[0]
        assert f'value="{COMPANY}"' in refused.text  # the identifier kept, the code not
        # Without the sign-in page's own token (a form posted from another site).
        forged = http.post(
            "/me/sign-in", data={"identifier": COMPANY, "code": code_of(COMPANY), "pre": "x"}
        )
        assert forged.status_code == 401 and "jc_me=" not in forged.headers.get("set-cookie", "")
        assert "页面已过期" in forged.text


def test_self_service_switched_off_says_so(sqlite_portal: Portal) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JOINTCREDIT_SELF_SERVICE_AUTHENTICATOR", "")
        get_settings.cache_clear()
        try:
            page = sqlite_portal.get("/me")
            assert page.status_code == 200 and "信用自助服务未开通" in page.text
            posted = sqlite_portal.http.post("/me/sign-in", data={"identifier": COMPANY})
            assert posted.status_code == 200 and "信用自助服务未开通" in posted.text
        finally:
            patch.setenv("JOINTCREDIT_SELF_SERVICE_AUTHENTICATOR", "demo")
            get_settings.cache_clear()


def test_the_record_is_whole_and_says_who_looked(sqlite_portal: Portal) -> None:
    check(sqlite_portal, PERSON)  # NDRC checks the person for a bond issue
    me = Me(sqlite_portal.url, PERSON)
    try:
        page = me.record
        assert page.headers["cache-control"] == "no-store"
        text = page.text
        assert "测试人2" in text and PERSON in text  # its own number may show
        assert "失信黑名单" in text and "（2024）京0101执2号" in text and "有效" in text
        catalog = load_catalog()
        assert catalog.departments["NDRC"].name_zh in text
        assert catalog.matters[MATTER].name_zh in text
        assert "被查询记录" in text
        cookie = me.http.cookies.jar
        assert any(c.name == "jc_me" and c.path == "/me" for c in cookie)
    finally:
        me.close()


def test_a_record_shows_repaired_withdrawn_and_others_masked(sqlite_portal: Portal) -> None:
    repaired = Me(sqlite_portal.url, uscc(5))  # its tax black-list entry was repaired
    try:
        assert "已信用修复" in repaired.record.text
        assert "（2024）京0101执5号" in repaired.record.text
    finally:
        repaired.close()
    disputed = Me(sqlite_portal.url, DISPUTED)  # its entry is under the operator's objection
    try:
        assert "异议核查中" in disputed.record.text
    finally:
        disputed.close()
    company = Me(sqlite_portal.url, COMPANY)
    try:
        # The legal representative is another person: masked even on the company's own page.
        assert REPRESENTATIVE not in company.record.text
        assert mask_resident_id(REPRESENTATIVE) in company.record.text
    finally:
        company.close()


def test_an_objection_suspends_the_measures_and_is_followed(
    sqlite_portal: Portal, me_company: Me
) -> None:
    engine = sqlite_portal.server.engine
    entry = record_id(engine, COMPANY_ENTRY)
    assert {d["status"] for d in check(sqlite_portal, COMPANY) if d["entry"] == entry} == {
        "applied"
    }
    # A reason is required: 422, the form shown again on its record.
    empty = me_company.post("/me/objections", {"record": entry, "reason": "  "})
    assert empty.status_code == 422
    assert "异议理由：请填写记录哪里有误" in empty.text
    assert '<details class="me-act" open>' in empty.text
    filed = me_company.post("/me/objections", {"record": entry, "reason": "该案已执行完毕"})
    assert filed.status_code == 303, filed.text
    where = filed.headers["location"]
    assert re.fullmatch(r"/me/objections/\d+\?done=me.objection_filed", where)
    page = me_company.get(where)
    assert page.status_code == 200
    assert "异议已提交。核查期间，相关联合惩戒措施暂停执行。" in page.text
    assert "核查中" in page.text and "该案已执行完毕" in page.text and "提出异议" in page.text
    assert {d["status"] for d in check(sqlite_portal, COMPANY) if d["entry"] == entry} == {
        "suspended"
    }
    # One at a time: a second one is refused with the reason, the text kept.
    again = me_company.post("/me/objections", {"record": entry, "reason": "再次异议"})
    assert again.status_code == 422
    assert "平台未能受理" in again.text and "already has an open objection" in again.text
    record = me_company.get("/me/record").text
    assert "异议核查中" in record and where.split("?")[0] in record
    # Withdrawn: the measures apply again.
    objection_id = int(where.split("/")[3].split("?")[0])
    withdrawn = me_company.post(f"/me/objections/{objection_id}/withdraw")
    assert withdrawn.status_code == 303
    assert "异议已撤回" in me_company.get(withdrawn.headers["location"]).text
    assert {d["status"] for d in check(sqlite_portal, COMPANY) if d["entry"] == entry} == {
        "applied"
    }


def test_a_repair_application_and_its_progress(sqlite_portal: Portal, me_company: Me) -> None:
    penalty = record_id(sqlite_portal.server.engine, COMPANY_PENALTY)
    commitment = "本企业承诺依法经营，接受社会监督"
    unticked = me_company.post("/me/repairs", {"record": penalty, "commitment": commitment})
    assert unticked.status_code == 422
    assert "义务履行" in unticked.text and commitment in unticked.text  # input kept
    missing = me_company.post("/me/repairs", {"record": penalty, "obligations_met": "yes"})
    assert missing.status_code == 422 and "信用承诺：请填写信用承诺" in missing.text
    applied = me_company.post(
        "/me/repairs",
        {
            "record": penalty,
            "commitment": commitment,
            "obligations_met": "yes",
            "evidence": "缴款书 1",
        },
    )
    assert applied.status_code == 303, applied.text
    page = me_company.get(applied.headers["location"])
    assert page.status_code == 200
    assert "信用修复申请已提交" in page.text and "待受理" in page.text and commitment in page.text
    assert "办理过程" in page.text and "申请修复" in page.text
    # A court list entry is not repaired here: no form, the court's way said instead.
    assert "法院失信被执行人名单不在此修复" in me_company.get("/me/record").text


def test_another_subjects_items_are_not_found(sqlite_portal: Portal, me_company: Me) -> None:
    engine = sqlite_portal.server.engine
    with engine.connect() as conn:
        theirs = conn.execute(
            select(objections.c.id).where(objections.c.subject == DISPUTED)
        ).scalar_one()
    assert me_company.get(f"/me/objections/{theirs}").status_code == 404
    assert me_company.post(f"/me/objections/{theirs}/withdraw").status_code == 404
    other_record = record_id(engine, "（2024）京0101执2号")  # the person's entry
    refused = me_company.post("/me/objections", {"record": other_record, "reason": "x"})
    assert refused.status_code == 404
    assert me_company.get("/me/repairs/999999").status_code == 404


def test_every_form_needs_the_sessions_token_and_this_site(
    sqlite_portal: Portal, me_company: Me
) -> None:
    entry = record_id(sqlite_portal.server.engine, COMPANY_ENTRY)
    for path, data in (
        ("/me/objections", {"record": entry, "reason": "伪造"}),
        ("/me/repairs", {"record": entry, "commitment": "x", "obligations_met": "yes"}),
        ("/me/sign-out", {}),
    ):
        assert me_company.http.post(path, data=data).status_code == 403
        assert me_company.http.post(path, data={**data, "csrf": "forged"}).status_code == 403
        offsite = me_company.post(path, data, headers={"Origin": "https://evil.example"})
        assert offsite.status_code == 403
    assert me_company.get("/me/record").status_code == 200  # still signed in


def test_sign_out_ends_the_session(sqlite_portal: Portal, me_company: Me) -> None:
    token = me_company.http.cookies.get("jc_me", path="/me")
    out = me_company.post("/me/sign-out")
    assert out.status_code == 303 and out.headers["location"] == "/me?done=me.signed_out"
    assert "jc_me=" in out.headers["set-cookie"]
    assert "您已安全退出" in me_company.get(out.headers["location"]).text
    # The old token opens nothing any more, even if a copy of the cookie was kept.
    with httpx.Client(base_url=sqlite_portal.url, cookies={"jc_me": token or ""}) as http:
        assert http.get("/me/record").status_code == 303


def test_an_idle_session_expires(
    sqlite_portal: Portal, me_company: Me, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = dt.datetime.now(dt.UTC)
    at = [start]
    monkeypatch.setattr(selfservice, "clock_now", lambda: at[0])
    idle = get_settings().web_session_idle_minutes
    at[0] = start + dt.timedelta(minutes=idle - 1)
    assert me_company.get("/me/record").status_code == 200
    at[0] += dt.timedelta(minutes=idle + 1)
    gone = me_company.get("/me/record")
    assert gone.status_code == 303 and gone.headers["location"] == "/me"


def test_the_flow_on_both_databases(portal: Portal) -> None:
    """Sign-in, an objection and the check that then says "suspended", on SQLite and
    PostgreSQL."""
    entry = record_id(portal.server.engine, COMPANY_ENTRY)
    me = Me(portal.url, COMPANY)
    try:
        filed = me.post("/me/objections", {"record": entry, "reason": "已履行"})
        assert filed.status_code == 303, filed.text
        assert me.get(filed.headers["location"]).status_code == 200
    finally:
        me.close()
    assert {d["status"] for d in check(portal, COMPANY) if d["entry"] == entry} == {"suspended"}
