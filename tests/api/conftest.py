"""Fixtures: a live server per test on each backend (``api``), or on SQLite only
(``sqlite_api``) for tests that are about HTTP rather than storage."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.api.server import LiveServer, live_server


@pytest.fixture
def api(db_url: str) -> Iterator[LiveServer]:
    with live_server(db_url) as server:
        yield server


@pytest.fixture
def sqlite_api(sqlite_url: str) -> Iterator[LiveServer]:
    with live_server(sqlite_url) as server:
        yield server
