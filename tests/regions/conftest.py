"""Fixtures of the region tests: the two-province test catalog (tests/fixtures/regions) on top of
the shipped one, through JOINTCREDIT_CATALOG_PATHS as an operator configures it; the data and
key files in the test's own directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jointcredit.settings import get_settings

from .helpers import FIXTURE


@pytest.fixture(autouse=True)
def regions_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("JOINTCREDIT_CATALOG_PATHS", str(FIXTURE))
    monkeypatch.setenv("JOINTCREDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JOINTCREDIT_WEBHOOK_KEY_FILE", str(tmp_path / "webhook-secrets.key"))
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
