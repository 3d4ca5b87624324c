"""The evaluation as a pure function: a subject's records and the scorecard → score, grade, and
the points of each indicator with the records behind them. No I/O, no state.

Which records count is the joint check's rule (:mod:`jointcredit.rules.check`), not a new one:
a record counts on a day when its status recorded for that day yields measures that *apply*
(``active``; ``disputed`` — under objection — suspends them, so it does not count), and it is
in effect that day (from ``valid_from`` or its decision to ``valid_until``, so an expired entry
does not count); repaired, withdrawn, revoked and cancelled records never count. Indicators
with ``months`` count only records decided in the last ``months`` months up to the day.

>>> import datetime as dt
>>> from jointcredit.rules.check import Entry
>>> from jointcredit.grading.scorecard import DEFAULT_FILE, load_scorecard
>>> card = load_scorecard(DEFAULT_FILE)
>>> day = dt.date(2026, 6, 1)
>>> def rec(n, kind, decided, status="active", severity=None, until=None):
...     return Entry(n, kind, "x" if kind.endswith("list") else None, f"doc-{n}", decided,
...                  None, until, severity, ((decided, status),))
>>> evaluate([], card, day).grade, str(evaluate([], card, day).score)
('B', '80.00')
>>> severe = [rec(1, "penalty", dt.date(2026, 1, 5), severity="severe")]
>>> result = evaluate(severe, card, day)
>>> result.grade, str(result.score), result.indicators[0].records
('C', '65.00', (1,))
>>> evaluate([rec(1, "penalty", dt.date(2026, 1, 5), "disputed", "severe")], card, day).grade
'B'
>>> listed = evaluate([rec(2, "black-list", dt.date(2025, 1, 1))], card, day)
>>> listed.grade, str(listed.score)
('C', '40.00')
>>> evaluate([rec(2, "black-list", dt.date(2025, 1, 1), until=dt.date(2026, 5, 31))], card,
...          day).grade
'B'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jointcredit.grading.scorecard import Indicator, Scorecard
from jointcredit.rules.check import _YIELDS, Entry
from jointcredit.rules.periods import add_months

_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """One indicator's part of a grade: how many records it counted, which, and its points."""

    id: str
    name_zh: str
    name_en: str
    count: int
    #: ``points × count``, before the cap and the weight.
    raw: Decimal
    capped: bool
    #: What it adds to the score (negative: takes away): the capped points times the weight.
    points: Decimal
    records: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "count": self.count,
            "raw": number_text(self.raw),
            "capped": self.capped,
            "points": number_text(self.points),
            "records": list(self.records),
        }


@dataclass(frozen=True, slots=True)
class Evaluation:
    score: Decimal
    grade: str
    as_of: dt.date
    scorecard: str  # the scorecard's label: version + digest
    base: Decimal
    #: Every indicator of the scorecard, in its order (those that counted nothing too).
    indicators: tuple[IndicatorResult, ...]
    #: The first day after ``as_of`` on which the passing of time alone could change the
    #: result (an entry expires or begins, a record leaves an age window); None: never.
    stale_on: dt.date | None

    def explanation(self) -> dict[str, Any]:
        """The grade explaining itself, as stored: JSON without floats; the indicators that
        counted something, each with its count, points and records (names are the
        scorecard's)."""
        return {
            "scorecard": self.scorecard,
            "as_of": self.as_of.isoformat(),
            "base": number_text(self.base),
            "score": number_text(self.score),
            "grade": self.grade,
            "indicators": [
                {
                    "id": i.id,
                    "count": i.count,
                    "capped": i.capped,
                    "points": number_text(i.points),
                    "records": list(i.records),
                }
                for i in self.indicators
                if i.count
            ],
        }


@lru_cache(maxsize=4096)
def number_text(value: Decimal) -> str:
    """A number as the explanation shows it: no exponent, no trailing zeros ("-15", "2.5")."""
    text = format(value.quantize(_CENT), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def counts(entry: Entry, day: dt.date) -> bool:
    """Whether ``entry`` counts on ``day`` at all: its measures would apply (not suspended,
    not cleared) and it is in effect (begun, not expired)."""
    return _YIELDS.get(entry.status_on(day)) == "applied" and entry.in_effect(day)


@lru_cache(maxsize=8192)
def _window_start(day: dt.date, months: int) -> dt.date:
    """Records decided after this day are inside an age window of ``months`` ending on ``day``."""
    return add_months(day, -months)


def _matches(indicator: Indicator, entry: Entry) -> bool:
    if entry.kind != indicator.record_kind:
        return False
    if indicator.severity and entry.severity not in indicator.severity:
        return False
    return not indicator.list_types or entry.list_type in indicator.list_types


def _in_window(indicator: Indicator, entry: Entry, day: dt.date) -> bool:
    if indicator.months is None:
        return entry.decision_date <= day
    return _window_start(day, indicator.months) < entry.decision_date <= day


@lru_cache(maxsize=65536)
def _leaves_window(decided: dt.date, months: int) -> dt.date:
    """The first day on which a record decided on ``decided`` is outside the window."""
    day = add_months(decided, months)
    while _window_start(day, months) < decided:
        day += dt.timedelta(days=1)
    return day


def _changes(indicator: Indicator, entry: Entry, day: dt.date) -> Iterable[dt.date]:
    """Days after ``day`` on which the entry's counting may change by time alone."""
    begins = entry.valid_from or entry.decision_date
    yield begins
    yield entry.decision_date
    if entry.valid_until is not None:
        yield entry.valid_until + dt.timedelta(days=1)
    if indicator.months is not None:
        yield _leaves_window(entry.decision_date, indicator.months)
    for recorded, _ in entry.statuses:
        yield recorded


def evaluate(records: Sequence[Entry], card: Scorecard, day: dt.date) -> Evaluation:
    """The subject's score and grade on ``day`` under ``card``, from all its ``records``
    (any kind; each indicator picks its own)."""
    results: list[IndicatorResult] = []
    total = card.base
    stale: dt.date | None = None
    for indicator in card.indicators:
        picked: list[int] = []
        for entry in records:
            if not _matches(indicator, entry):
                continue
            for change in _changes(indicator, entry, day):
                if change > day and (stale is None or change < stale):
                    stale = change
            if counts(entry, day) and _in_window(indicator, entry, day):
                picked.append(entry.id)
        raw = indicator.points * len(picked)
        capped = abs(raw) > indicator.cap
        limited = raw if not capped else (indicator.cap if raw > 0 else -indicator.cap)
        points = (limited * indicator.weight).quantize(_CENT)
        total += points
        results.append(
            IndicatorResult(
                indicator.id,
                indicator.name_zh,
                indicator.name_en,
                len(picked),
                raw,
                capped,
                points,
                tuple(sorted(picked)),
            )
        )
    score = min(max(total, card.min_score), card.max_score).quantize(_CENT)
    return Evaluation(
        score=score,
        grade=card.grade_of(score).grade,
        as_of=day,
        scorecard=card.label,
        base=card.base,
        indicators=tuple(results),
        stale_on=stale,
    )
