"""The console's frame: sign-in through the form, the menu by role, CSRF on every change,
sign-out, and the cookie's flags."""

from __future__ import annotations

import re

import httpx
import pytest
from tests.web.conftest import Portal
from tests.web.console import PASSWORD, Console, account


@pytest.fixture(scope="module")
def staffed(sqlite_portal: Portal) -> Portal:
    engine = sqlite_portal.server.engine
    account(engine, "wang.li", "reviewer", "NDRC", "王丽")
    account(engine, "zhao.gang", "supervisor", "NDRC", "赵刚")
    return sqlite_portal


def test_a_console_page_without_a_session_sends_to_sign_in_and_back(staffed: Portal) -> None:
    with httpx.Client(base_url=staffed.url) as http:
        asked = http.get("/console?view=open")
        assert asked.status_code == 303
        assert asked.headers["location"] == "/console/sign-in?next=/console%3Fview%3Dopen"
        page = http.get(asked.headers["location"])
        assert page.status_code == 200
        assert 'name="next" value="/console?view=open"' in page.text
        pre = re.search(r'name="pre" value="([^"]+)"', page.text)
        assert pre
        signed = http.post(
            "/console/sign-in",
            data={
                "username": "wang.li",
                "password": PASSWORD,
                "pre": pre.group(1),
                "next": "/console?view=open",
            },
        )
        assert signed.status_code == 303
        assert signed.headers["location"] == "/console?view=open"
        cookie = signed.headers["set-cookie"]
        assert "jc_console=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert "Path=/console" in cookie


def test_wrong_password_and_a_missing_form_token_are_refused(staffed: Portal) -> None:
    with httpx.Client(base_url=staffed.url) as http:
        page = http.get("/console/sign-in")
        pre = re.search(r'name="pre" value="([^"]+)"', page.text)
        assert pre
        wrong = http.post(
            "/console/sign-in", data={"username": "wang.li", "password": "x", "pre": pre.group(1)}
        )
        assert wrong.status_code == 401
        assert "用户名或密码错误" in wrong.text
        assert 'value="wang.li"' in wrong.text  # kept, the password not
        # Without the sign-in page's own token (a form posted from another site).
        forged = http.post(
            "/console/sign-in", data={"username": "wang.li", "password": PASSWORD, "pre": "x"}
        )
        assert forged.status_code == 401 and "jc_console" not in forged.headers.get(
            "set-cookie", ""
        )


def test_an_offsite_return_address_is_not_followed(staffed: Portal) -> None:
    page = staffed.get("/console/sign-in?next=https://evil.example/")
    assert 'name="next" value="/console"' in page.text
    page = staffed.get("/console/sign-in?next=//evil.example/console")
    assert 'name="next" value="/console"' in page.text


def test_the_menu_shows_the_roles_sections(staffed: Portal) -> None:
    reviewer = Console(staffed.url, staffed.server.engine, "wang.li", "reviewer", "NDRC")
    supervisor = Console(staffed.url, staffed.server.engine, "zhao.gang", "supervisor", "NDRC")
    try:
        home = reviewer.get("/console").text
        assert "王丽" in home and "审核" in home
        assert 'href="/console/review"' in home and 'href="/console/dashboard"' not in home
        assert reviewer.get("/console").headers["cache-control"] == "no-store"
        home = supervisor.get("/console").text
        assert 'href="/console/dashboard"' in home and 'href="/console/submit"' not in home
    finally:
        reviewer.close()
        supervisor.close()


def test_sign_out_needs_the_form_token_and_ends_the_session(staffed: Portal) -> None:
    console = Console(staffed.url, staffed.server.engine, "wang.li", "reviewer", "NDRC")
    try:
        refused = console.http.post("/console/sign-out", data={"csrf": "forged"})
        assert refused.status_code == 403
        assert console.get("/console").status_code == 200  # still signed in
        # A browser's Origin header naming another site is refused even with the token.
        offsite = console.http.post(
            "/console/sign-out",
            data={"csrf": console.csrf},
            headers={"Origin": "https://evil.example"},
        )
        assert offsite.status_code == 403
        out = console.post("/console/sign-out")
        assert out.status_code == 303
        assert console.get("/console").status_code == 303
    finally:
        console.close()


def test_history_names_people_not_principals() -> None:
    from jointcredit.web import i18n
    from jointcredit.web.render import actor

    zh, en = i18n.translator("zh"), i18n.translator("en")
    assert actor("reviewer:wang.li", zh) == "wang.li（审核）"
    assert actor("key:12", zh) == "部门系统（接口密钥 12）"
    assert actor("key:12", en) == "a department's system (API key 12)"
    assert actor("operator", zh) == "平台运维"
    assert actor("operator:matrix", zh) == "matrix（平台运维）"
    assert actor("subject:91110101JC00000108", zh) == "信用主体本人"
    assert actor(None, zh) == ""
