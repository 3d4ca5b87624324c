"""Shared fixtures for the synthetic data tests: one small generator, its rows, and checks of
identifiers recomputed from :mod:`jointcredit.identifiers.checkchars` (independent of the
validators under test elsewhere)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from jointcredit import synth
from jointcredit.identifiers import divisions
from jointcredit.identifiers.checkchars import (
    USCC_ALPHABET,
    mod_11_10_check_digit,
    org_check_char,
    ric_check_char,
    uscc_check_char,
)

TODAY = date(2025, 6, 30)


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid synthetic USCC, or None."""
    if len(code) != 18 or any(ch not in USCC_ALPHABET for ch in code):
        return "shape"
    if code[-1] != uscc_check_char(code[:17]):
        return "check character"
    if code[16] != org_check_char(code[8:16]):
        return "organisation code check"
    if not code[8:].startswith(synth.MARKER):
        return "no JC marker"
    if code[2:8] not in set(divisions.county_codes()):
        return "region"
    return None


def ric_problem(number: str, today: date = TODAY) -> str | None:
    """Why ``number`` is not a valid resident identity number born 1950–2005, or None."""
    if len(number) != 18 or not number[:17].isdigit():
        return "shape"
    if number[-1] != ric_check_char(number[:17]):
        return "check character"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "birth date"
    if not date(1950, 1, 1) <= born <= min(date(2005, 12, 31), today):
        return "birth year"
    if number[:6] not in set(divisions.county_codes()):
        return "region"
    return None


def regnum_problem(number: str) -> str | None:
    """Why ``number`` is not a valid 15-digit registration number, or None."""
    if len(number) != 15 or not number.isdigit():
        return "shape"
    if number[-1] != mod_11_10_check_digit(number[:14]):
        return "check digit"
    return None


@pytest.fixture(scope="session")
def gen() -> synth.Generator:
    return synth.Generator(seed=11, today=TODAY, subjects=400)


@pytest.fixture(scope="session")
def licensing(gen: synth.Generator) -> list[dict[str, str]]:
    return list(gen.licensing_rows(3000))


@pytest.fixture(scope="session")
def penalties(gen: synth.Generator) -> list[dict[str, str]]:
    return list(gen.penalty_rows(3000))


@pytest.fixture(scope="session")
def problems() -> dict[str, Callable[[str], str | None]]:
    return {"uscc": uscc_problem, "ric": ric_problem, "regnum": regnum_problem}
