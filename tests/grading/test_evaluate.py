"""The evaluation as a pure function: known answers, and properties over generated records —
the score stays within its bounds, the grade is monotone in the score, an extra severe penalty
never raises the grade, and suspended, repaired, withdrawn and expired records never count."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from jointcredit.grading.evaluate import evaluate
from jointcredit.grading.scorecard import DEFAULT_FILE, load_scorecard
from jointcredit.rules.check import Entry

CARD = load_scorecard(DEFAULT_FILE)
DAY = dt.date(2026, 11, 27)
RANK = {"A": 0, "B": 1, "C": 2, "D": 3}


def rec(
    n: int,
    kind: str,
    days_ago: int,
    status: str = "active",
    severity: str | None = None,
    until: dt.date | None = None,
    history: tuple[tuple[dt.date, str], ...] = (),
) -> Entry:
    decided = DAY - dt.timedelta(days=days_ago)
    return Entry(
        n,
        kind,
        "judgment-defaulters" if kind.endswith("list") else None,
        f"doc-{n}",
        decided,
        None,
        until,
        severity,
        ((decided, status), *history),
    )


def test_known_answers() -> None:
    assert (evaluate([], CARD, DAY).score, evaluate([], CARD, DAY).grade) == (Decimal(80), "B")
    best = [rec(1, "red-list", 10), rec(2, "red-list", 10)] + [
        rec(10 + i, "licensing", 100) for i in range(6)
    ]
    result = evaluate(best, CARD, DAY)
    assert (result.score, result.grade) == (Decimal(95), "A")
    licences = next(i for i in result.indicators if i.id == "licences")
    assert licences.count == 6 and licences.capped and licences.points == Decimal(5)
    severe = [rec(i, "penalty", 100, severity="severe") for i in range(1, 5)]
    result = evaluate(severe, CARD, DAY)
    assert (result.score, result.grade) == (Decimal(35), "D"), "capped at 45 points"
    assert result.indicators[0].raw == Decimal(-60) and result.indicators[0].records == (1, 2, 3, 4)
    # 1 general (−5) + 1 minor (−2) + 1 commitment (+2): 75, B; a second general: 70, still B.
    mixed = [
        rec(1, "penalty", 100, severity="general"),
        rec(2, "penalty", 100, severity="minor"),
        rec(3, "commitment", 100),
    ]
    assert evaluate(mixed, CARD, DAY).score == Decimal(75)
    mixed.append(rec(4, "penalty", 200, severity="general"))
    assert (evaluate(mixed, CARD, DAY).score, evaluate(mixed, CARD, DAY).grade) == (
        Decimal(70),
        "B",
    )
    # A minor penalty older than a year, a general one older than two: no longer counted.
    old = [rec(1, "penalty", 400, severity="minor"), rec(2, "penalty", 800, severity="general")]
    assert evaluate(old, CARD, DAY).score == Decimal(80)
    two_lists = [rec(1, "black-list", 30), rec(2, "black-list", 30)]
    assert (evaluate(two_lists, CARD, DAY).score, evaluate(two_lists, CARD, DAY).grade) == (
        Decimal(0),
        "D",
    )


def test_each_state_that_must_not_count() -> None:
    base = evaluate([], CARD, DAY).score
    for status in ("disputed", "repaired", "withdrawn", "revoked", "cancelled"):
        entry = rec(1, "black-list", 30, status)
        assert evaluate([entry], CARD, DAY).score == base, status
    expired = rec(1, "black-list", 300, until=DAY - dt.timedelta(days=1))
    assert evaluate([expired], CARD, DAY).score == base
    # Repaired yesterday: counted the day before, not today.
    repaired = rec(1, "penalty", 100, severity="severe", history=((DAY, "repaired"),))
    assert evaluate([repaired], CARD, DAY).score == base
    assert evaluate([repaired], CARD, DAY - dt.timedelta(days=1)).score == base - 15


def test_the_grade_says_when_time_alone_changes_it() -> None:
    entry = rec(1, "black-list", 30, until=DAY + dt.timedelta(days=5))
    result = evaluate([entry], CARD, DAY)
    assert result.stale_on == DAY + dt.timedelta(days=6)
    assert evaluate([entry], CARD, DAY + dt.timedelta(days=5)).grade == result.grade
    assert evaluate([entry], CARD, DAY + dt.timedelta(days=6)).grade != result.grade
    penalty = rec(2, "penalty", 360, severity="minor")
    ends = evaluate([penalty], CARD, DAY).stale_on
    assert ends is not None
    before = ends - dt.timedelta(days=1)
    assert evaluate([penalty], CARD, before).score == Decimal(78)
    assert evaluate([penalty], CARD, ends).score == Decimal(80)


KINDS = ("penalty", "black-list", "red-list", "licensing", "commitment")
STATUSES = ("active", "disputed", "repaired", "withdrawn", "revoked", "cancelled")


@st.composite
def records(draw: st.DrawFn) -> list[Entry]:
    out = []
    for n in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(KINDS))
        until = draw(st.one_of(st.none(), st.integers(-400, 400)))
        out.append(
            rec(
                n + 1,
                kind,
                draw(st.integers(0, 1500)),
                draw(st.sampled_from(STATUSES)),
                draw(st.sampled_from(("minor", "general", "severe")))
                if kind == "penalty"
                else None,
                DAY + dt.timedelta(days=until) if until is not None else None,
            )
        )
    return out


@settings(max_examples=300, deadline=None)
@given(records())
def test_score_within_bounds_and_grade_by_threshold(entries: list[Entry]) -> None:
    result = evaluate(entries, CARD, DAY)
    assert CARD.min_score <= result.score <= CARD.max_score
    expected = next(g.grade for g in CARD.grades if result.score >= g.min)
    assert result.grade == expected
    total = CARD.base + sum(i.points for i in result.indicators)
    assert result.score == min(max(total, CARD.min_score), CARD.max_score)


@settings(max_examples=200, deadline=None)
@given(st.decimals(0, 100, places=2), st.decimals(0, 100, places=2))
def test_grade_is_monotone_in_score(a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    assert RANK[CARD.grade_of(high).grade] <= RANK[CARD.grade_of(low).grade]


@settings(max_examples=300, deadline=None)
@given(records(), st.integers(0, 1000))
def test_an_extra_severe_penalty_never_raises_the_grade(entries: list[Entry], age: int) -> None:
    before = evaluate(entries, CARD, DAY)
    extra = rec(999, "penalty", age, severity="severe")
    after = evaluate([*entries, extra], CARD, DAY)
    assert after.score <= before.score
    assert RANK[after.grade] >= RANK[before.grade]


@settings(max_examples=300, deadline=None)
@given(records(), st.sampled_from(STATUSES[1:]), st.integers(0, 12))
def test_records_not_in_effect_never_count(entries: list[Entry], status: str, pick: int) -> None:
    if not entries:
        return
    i = pick % len(entries)
    without = entries[:i] + entries[i + 1 :]
    cleared = dataclasses.replace(entries[i], statuses=((entries[i].decision_date, status),))
    expired = dataclasses.replace(
        entries[i],
        statuses=((entries[i].decision_date, "active"),),
        valid_until=DAY - dt.timedelta(days=1),
    )
    reference = evaluate(without, CARD, DAY).score
    for changed in (cleared, expired):
        result = evaluate([*without, changed], CARD, DAY)
        assert result.score == reference
        assert changed.id not in {r for ind in result.indicators for r in ind.records}
