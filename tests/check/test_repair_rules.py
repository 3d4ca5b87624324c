"""Eligibility for credit repair (rules/repair.py): tiers, edge days, what is never repaired."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jointcredit.rules.repair import Facts, earliest_day, refusal

RULES = {
    "commitment": "承诺",
    "obligations_met": True,
    "list_min_months": 12,
    "court_list_types": ("judgment-defaulters", "consumption-restricted"),
}
days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31))
tiers = st.sampled_from(["minor", "general", "severe", None])


@pytest.mark.parametrize(
    ("severity", "decided", "first"),
    [
        ("general", dt.date(2026, 1, 31), dt.date(2026, 4, 30)),  # clamped to a shorter month
        ("general", dt.date(2025, 11, 30), dt.date(2026, 2, 28)),
        ("severe", dt.date(2024, 2, 29), dt.date(2025, 2, 28)),
        ("minor", dt.date(2026, 5, 6), dt.date(2026, 5, 6)),
        (None, dt.date(2026, 5, 6), dt.date(2027, 5, 6)),  # unknown tier: the longest wait
    ],
)
def test_edge_days_of_penalties(severity: str | None, decided: dt.date, first: dt.date) -> None:
    facts = Facts("penalty", "active", decided, severity=severity)
    assert earliest_day(facts, list_min_months=12) == first
    before = refusal(facts, first - dt.timedelta(days=1), **RULES)  # type: ignore[arg-type]
    if first > decided:
        assert before is not None and before.code == "too-early" and before.earliest == first
        assert first.isoformat() in before.message
    assert refusal(facts, first, **RULES) is None  # type: ignore[arg-type]


def test_list_entries_count_from_valid_from_with_the_configured_months() -> None:
    facts = Facts(
        "black-list",
        "active",
        dt.date(2025, 1, 10),
        list_type="major-tax-violation-parties",
        valid_from=dt.date(2025, 2, 1),
    )
    rules = RULES | {"list_min_months": 6}
    assert refusal(facts, dt.date(2025, 8, 1), **rules) is None  # type: ignore[arg-type]
    early = refusal(facts, dt.date(2025, 7, 31), **rules)  # type: ignore[arg-type]
    assert early is not None and early.earliest == dt.date(2025, 8, 1)
    assert "6 months after it took effect on 2025-02-01" in early.message


@pytest.mark.parametrize(
    ("facts", "code", "words"),
    [
        (Facts("licensing", "active", dt.date(2020, 1, 1)), "not-negative", "licensing"),
        (Facts("commitment", "active", dt.date(2020, 1, 1)), "not-negative", "commitment"),
        (Facts("red-list", "active", dt.date(2020, 1, 1)), "not-negative", "red-list"),
        (
            Facts("black-list", "active", dt.date(2020, 1, 1), list_type="judgment-defaulters"),
            "court-list",
            "the court removes it",
        ),
        (Facts("penalty", "disputed", dt.date(2020, 1, 1)), "status", "objection"),
        (Facts("penalty", "repaired", dt.date(2020, 1, 1)), "status", "repaired already"),
        (Facts("black-list", "withdrawn", dt.date(2020, 1, 1)), "status", "withdrawn"),
    ],
)
def test_what_is_never_repaired_here(facts: Facts, code: str, words: str) -> None:
    found = refusal(facts, dt.date(2026, 11, 27), **RULES)  # type: ignore[arg-type]
    assert found is not None and found.code == code and words in found.message
    assert found.is_conflict is (code == "status")


def test_commitment_and_obligations_are_required() -> None:
    facts = Facts("penalty", "active", dt.date(2020, 1, 1), severity="minor")
    no_promise = refusal(facts, dt.date(2026, 1, 1), **RULES | {"commitment": "  "})  # type: ignore[arg-type]
    assert no_promise is not None and no_promise.code == "commitment"
    unmet = refusal(facts, dt.date(2026, 1, 1), **RULES | {"obligations_met": False})  # type: ignore[arg-type]
    assert unmet is not None and unmet.code == "obligations"


@given(decided=days, severity=tiers, later=st.integers(min_value=0, max_value=4000))
def test_once_eligible_always_eligible(decided: dt.date, severity: str | None, later: int) -> None:
    facts = Facts("penalty", "active", decided, severity=severity)
    first = earliest_day(facts, list_min_months=12)
    assert first is not None and decided <= first <= decided + dt.timedelta(days=366)
    assert refusal(facts, first + dt.timedelta(days=later), **RULES) is None  # type: ignore[arg-type]
    if first > decided:
        early = refusal(facts, first - dt.timedelta(days=1), **RULES)  # type: ignore[arg-type]
        assert early is not None and early.earliest == first


@given(valid_from=days, months=st.integers(min_value=0, max_value=60))
def test_a_list_entry_waits_exactly_the_configured_months(valid_from: dt.date, months: int) -> None:
    facts = Facts(
        "black-list",
        "active",
        valid_from,
        list_type="samr-serious-illegal-dishonest",
        valid_from=valid_from,
    )
    first = earliest_day(facts, list_min_months=months)
    assert first is not None
    assert (first.year - valid_from.year) * 12 + first.month - valid_from.month == months
    assert first.day <= valid_from.day
