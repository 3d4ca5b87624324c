"""Push tests: the webhook key file in the test's directory, short backoffs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jointcredit.settings import get_settings


@pytest.fixture(autouse=True)
def push_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("JOINTCREDIT_WEBHOOK_KEY_FILE", str(tmp_path / "webhook-secrets.key"))
    monkeypatch.setenv("JOINTCREDIT_WEBHOOK_BACKOFF_SECONDS", "0.05")
    monkeypatch.setenv("JOINTCREDIT_WEBHOOK_BACKOFF_MAX_SECONDS", "0.2")
    monkeypatch.setenv("JOINTCREDIT_WEBHOOK_TIMEOUT_SECONDS", "5")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
