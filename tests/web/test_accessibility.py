"""An automated accessibility audit of the main pages: axe-core (Deque, the engine of most
audit tools; bundled by the ``axe-playwright-python`` package, nothing fetched) run in Debian's
chromium against the live server, for the WCAG 2.x A and AA rules.

axe finds what a machine can (missing labels and names, contrast, landmarks, ARIA misuse,
duplicate ids, language); keyboard journeys are tested by the browser tests of each part.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from tests.web.conftest import Portal
from tests.web.console import browser_sign_in
from tests.web.data import COMPANY, PERSON
from tests.web.test_selfservice_pages import code_of, demo_self_service

pytest.importorskip("axe_playwright_python", reason="pip install -e '.[test]' (axe-core)")
from axe_playwright_python.sync_playwright import Axe

#: The rule sets audited: WCAG 2.0, 2.1 and 2.2, levels A and AA.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

PUBLIC = {
    "home": "/",
    "search": "/search?q=测试",
    "subject": f"/subjects/{COMPANY}",
    "person": f"/subjects/{PERSON}",
    "black list": "/lists/black",
    "red list (English)": "/lists/red?lang=en",
    "about": "/about",
    "not found": "/subjects/91110101JC9999999X",
    "console sign-in": "/console/sign-in",
}
CONSOLE = {
    # username, role, department → the pages that role sees
    ("a11y.initiator", "initiator", "SPC"): [
        "/console",
        "/console/submit",
        "/console/submit?kind=list-entry",
        "/console/submit/upload",
    ],
    ("a11y.reviewer", "reviewer", "SPC"): [
        "/console/review",
        "/console/objections",
        "/console/repairs",
    ],
    ("a11y.implementer", "implementer", "CAAC"): ["/console/pushed"],
    ("a11y.supervisor", "supervisor", "NDRC"): ["/console/dashboard"],
}


@pytest.fixture(scope="module", autouse=True)
def _demo() -> Iterator[None]:
    yield from demo_self_service()


def _audit(page: Any, where: str) -> list[str]:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    found = []
    for v in results.response["violations"]:
        nodes = ", ".join(n["target"][0] for n in v["nodes"][:3])
        found.append(f"{where}: {v['id']} ({v['impact']}): {v['help']} — {nodes}")
    return found


def _context(browser: Any) -> Any:
    # The pages forbid every script (CSP); the audit's own script is let in for this context
    # only — what it audits is the pages' HTML and CSS.
    context = browser.new_context(bypass_csp=True, locale="zh-CN")
    context.set_default_timeout(10_000)
    return context


def test_public_pages_pass_the_audit(sqlite_portal: Portal, browser: Any) -> None:
    context = _context(browser)
    problems: list[str] = []
    try:
        page = context.new_page()
        for name, path in PUBLIC.items():
            page.goto(sqlite_portal.url + path)
            problems += _audit(page, name)
        page.set_viewport_size({"width": 390, "height": 844})  # a phone
        for name in ("home", "black list", "subject"):
            page.goto(sqlite_portal.url + PUBLIC[name])
            problems += _audit(page, name + " (phone)")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_console_pages_pass_the_audit(sqlite_portal: Portal, browser: Any) -> None:
    from tests.web.console import account

    problems: list[str] = []
    for (username, role, department), paths in CONSOLE.items():
        account(sqlite_portal.server.engine, username, role, department)
        context = _context(browser)
        try:
            page = context.new_page()
            browser_sign_in(page, sqlite_portal.url, username)
            for path in paths:
                page.goto(sqlite_portal.url + path)
                problems += _audit(page, f"{path} as {role}")
        finally:
            context.close()
    assert not problems, "\n".join(problems)


def test_self_service_pages_pass_the_audit(sqlite_portal: Portal, browser: Any) -> None:
    context = _context(browser)
    problems: list[str] = []
    try:
        page = context.new_page()
        page.goto(sqlite_portal.url + "/me")
        problems += _audit(page, "self-service sign-in")
        page.get_by_label("统一社会信用代码或身份证号码").fill(COMPANY)
        page.get_by_label("演示验证码").fill(code_of(COMPANY))
        page.get_by_role("button", name="进入").click()
        page.wait_for_url(re.compile(r"/me/record$"))
        problems += _audit(page, "self-service record")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
