"""A registry with a known history of departments' work (both backends), and a live server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.api.server import LiveServer, live_server


@pytest.fixture
def api(db_url: str) -> Iterator[LiveServer]:
    with live_server(db_url) as server:
        yield server
