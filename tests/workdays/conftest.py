"""Every test here starts and ends on the package's calendar alone, with no holiday file set:
a calendar installed by one test must not change the deadlines of another (they share a
process under xdist)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jointcredit.rules import workdays
from jointcredit.settings import get_settings

#: Synthetic days in far years, in the file's format: no State Council notice says these.
SYNTHETIC = """\
# Synthetic days for tests: not the schedule of any State Council notice.
years:
  2030:
    notice: 测试〔2029〕1号
    holidays:
      - 2030-01-01
      - {from: 2030-02-02, to: 2030-02-08, name: 春节}
    workdays:
      - 2030-01-26
      - 2030-02-09
  2031:
    notice: 测试〔2030〕1号
    holidays:
      - {from: 2031-10-01, to: 2031-10-07, name: 国庆节}
    workdays: [2031-09-28, 2031-10-11]
"""


@pytest.fixture(autouse=True)
def default_calendar(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("JOINTCREDIT_HOLIDAYS_FILE", raising=False)
    get_settings.cache_clear()
    workdays.use_calendar(None)
    yield
    workdays.use_calendar(None)
    monkeypatch.delenv("JOINTCREDIT_HOLIDAYS_FILE", raising=False)
    get_settings.cache_clear()


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    path = tmp_path / "holidays.yaml"
    path.write_text(SYNTHETIC, encoding="utf-8")
    return path


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, synthetic: Path) -> Path:
    """The synthetic file as JOINTCREDIT_HOLIDAYS_FILE."""
    monkeypatch.setenv("JOINTCREDIT_HOLIDAYS_FILE", str(synthetic))
    get_settings.cache_clear()
    return synthetic
