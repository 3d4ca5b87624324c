"""A live server on SQLite for the export's HTTP tests (as tests/api has it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.api.server import LiveServer, live_server


@pytest.fixture
def sqlite_api(sqlite_url: str) -> Iterator[LiveServer]:
    with live_server(sqlite_url) as server:
        yield server
