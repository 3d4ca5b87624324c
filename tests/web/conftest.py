"""Fixtures of the portal's tests: a live server on each database with the registry of
:mod:`tests.web.data`, and a real browser (Debian's chromium through Playwright)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.api.server import LiveServer, live_server
from tests.web.data import Filled, fill

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("JOINTCREDIT_REQUIRE_BROWSER", "") not in ("", "0", "false")
ROOT = Path(__file__).resolve().parents[2]


class Portal:
    """The live server, what its registry holds, and a client for its pages."""

    def __init__(self, server: LiveServer, filled: Filled) -> None:
        self.server = server
        self.url = server.url
        self.filled = filled
        self.http = httpx.Client(base_url=server.url, timeout=30)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        """A request as a new visitor makes it: no language cookie from an earlier one."""
        self.http.cookies.clear()
        return self.http.get(path, **kw)


def _portal(url: str, directory: Path) -> Iterator[Portal]:
    with live_server(url) as server:
        filled = fill(server.engine, directory)
        portal = Portal(server, filled)
        try:
            yield portal
        finally:
            portal.http.close()


@pytest.fixture
def portal(db_url: str, tmp_path: Path) -> Iterator[Portal]:
    """The filled portal, once on SQLite and once on PostgreSQL."""
    yield from _portal(db_url, tmp_path)


@pytest.fixture(scope="module")
def sqlite_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """One filled portal on SQLite for a whole module (pages, not storage)."""
    directory = tmp_path_factory.mktemp("portal")
    yield from _portal(f"sqlite:///{directory}/registry.sqlite3", directory)


def screenshots_dir() -> Path:
    """Where the browser tests write their screenshots (JOINTCREDIT_SCREENSHOTS, else
    test-artifacts/screenshots/ in the repository)."""
    folder = Path(
        os.environ.get("JOINTCREDIT_SCREENSHOTS") or ROOT / "test-artifacts" / "screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Chromium from Debian (``apt-get install chromium``), never a downloaded build. One for
    the session: Playwright's sync API allows one instance per thread, and a worker of
    ``pytest -n`` interleaves modules (tests open contexts of their own)."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            problem = "playwright is not installed (pip install -e '.[test]')"
    if problem:
        if REQUIRE_BROWSER:
            pytest.fail(problem + " (JOINTCREDIT_REQUIRE_BROWSER is set)")
        pytest.skip(problem)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()
