"""Signing in to the console in tests: accounts made through the staff service, sessions opened
through the real sign-in form (over HTTP or in the browser)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import Engine

from jointcredit.access import OPERATOR
from jointcredit.services import staff

PASSWORD = "correct horse battery staple 7"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_PRE = re.compile(r'name="pre" value="([^"]+)"')


def account(
    engine: Engine, username: str, role: str, department: str = "NDRC", name: str | None = None
) -> str:
    """A staff account (made once per registry); its username."""
    listed = {a["username"] for a in staff.listed(engine, by=OPERATOR)}
    if username not in listed:
        staff.create(
            engine,
            username=username,
            password=PASSWORD,
            department=department,
            role=role,
            display_name=name or username,
            by=OPERATOR,
        )
    return username


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


class Console:
    """An HTTP client signed in to the console as one staff member."""

    def __init__(self, url: str, engine: Engine, username: str, role: str, department: str):
        account(engine, username, role, department)
        self.http = httpx.Client(base_url=url, timeout=30, follow_redirects=False)
        page = self.http.get("/console/sign-in")
        pre = _PRE.search(page.text)
        assert pre, page.text
        signed = self.http.post(
            "/console/sign-in",
            data={"username": username, "password": PASSWORD, "pre": pre.group(1)},
        )
        assert signed.status_code == 303, signed.text
        home = self.http.get("/console")
        assert home.status_code == 200, home.text
        self.csrf = csrf_of(home.text)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(path, **kw)

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
        """A form post carrying this session's CSRF token."""
        return self.http.post(path, data={"csrf": self.csrf, **(data or {})}, **kw)

    def close(self) -> None:
        self.http.close()

    def browser_page(self, browser: Any, url: str) -> tuple[Any, Any]:
        """A (context, page) of ``browser`` carrying this session's cookie, as a person signed in
        through the form would be; close the context when done."""
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.add_cookies(
            [{"name": c.name, "value": c.value or "", "url": url} for c in self.http.cookies.jar]
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        return context, page


def browser_sign_in(page: Any, url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form as a person does (Playwright page)."""
    page.goto(f"{url}/console/sign-in")
    page.get_by_label("用户名").or_(page.get_by_label("Username")).fill(username)
    page.get_by_label("密码").or_(page.get_by_label("Password")).fill(password)
    page.get_by_role("button", name=re.compile("登录|Sign in")).click()
    # Signed in: somewhere in the console other than the sign-in page itself.
    page.wait_for_url(lambda url: "/console" in url and "/console/sign-in" not in url)
