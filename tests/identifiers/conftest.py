"""Shared data for the identifier tests."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "uscc-valid-python-stdnum.txt"


def load_fixture_usccs() -> list[str]:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="session")
def fixture_usccs() -> list[str]:
    """The 200 real valid USCCs collected by python-stdnum."""
    codes = load_fixture_usccs()
    assert len(codes) == 200
    return codes
