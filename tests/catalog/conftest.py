"""Fixtures of the catalog tests: a synthetic catalog per test, settings from the environment."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from catalog.helpers import BASE, Fixture
from jointcredit.settings import get_settings


@pytest.fixture
def cat(tmp_path: Path) -> Fixture:
    root = tmp_path / "catalog"
    root.mkdir()
    fixture = Fixture(root)
    for name, text in BASE.items():
        fixture.write(name, text)
    return fixture


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str | None], None]]:
    """Set JOINTCREDIT_CATALOG_PATHS for the process settings; restored afterwards."""

    def apply(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv("JOINTCREDIT_CATALOG_PATHS", raising=False)
        else:
            monkeypatch.setenv("JOINTCREDIT_CATALOG_PATHS", value)
        get_settings.cache_clear()

    apply(None)
    yield apply
    monkeypatch.delenv("JOINTCREDIT_CATALOG_PATHS", raising=False)
    get_settings.cache_clear()
