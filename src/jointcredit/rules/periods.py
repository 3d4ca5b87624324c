"""Publication periods of penalty information by severity tier.

信用修复管理办法 (NDRC Order No. 36, in force 2026-04-01): minor penalties are not published by
default (at most 3 months), general ones for 3 months to 1 year, severe ones for 1 to 3 years,
counted from the date of the decision. Publication ends by itself at the maximum.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tier:
    published_by_default: bool
    min_months: int
    max_months: int


TIERS: dict[str, Tier] = {
    "minor": Tier(published_by_default=False, min_months=0, max_months=3),
    "general": Tier(published_by_default=True, min_months=3, max_months=12),
    "severe": Tier(published_by_default=True, min_months=12, max_months=36),
}

SEVERITY_ORDER = ("minor", "general", "severe")


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the end of a shorter month.

    >>> add_months(dt.date(2024, 1, 31), 1)
    datetime.date(2024, 2, 29)
    >>> add_months(dt.date(2023, 11, 30), 36)
    datetime.date(2026, 11, 30)
    """
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def publication_window(severity: str, decided: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """Default publication window of a penalty: (first day, last day), or (None, None).

    >>> publication_window('severe', dt.date(2024, 3, 1))
    (datetime.date(2024, 3, 1), datetime.date(2027, 3, 1))
    >>> publication_window('minor', dt.date(2024, 3, 1))
    (None, None)
    """
    tier = TIERS[severity]
    if not tier.published_by_default:
        return None, None
    return decided, add_months(decided, tier.max_months)


_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def add_duration(day: dt.date, duration: str) -> dt.date:
    """``day`` plus an ISO 8601 calendar duration (years, months, weeks, days).

    >>> add_duration(dt.date(2024, 2, 29), 'P2Y')
    datetime.date(2026, 2, 28)
    >>> add_duration(dt.date(2024, 1, 1), 'P1Y6M10D')
    datetime.date(2025, 7, 11)
    >>> add_duration(dt.date(2024, 1, 1), 'PT5H')
    Traceback (most recent call last):
    ValueError: 'PT5H' is not an ISO 8601 duration in years, months, weeks and days
    """
    match = _DURATION.match(duration)
    if not match or duration == "P":
        raise ValueError(
            f"{duration!r} is not an ISO 8601 duration in years, months, weeks and days"
        )
    years, months, weeks, days = (int(g) if g else 0 for g in match.groups())
    return add_months(day, 12 * years + months) + dt.timedelta(weeks=weeks, days=days)


def subtract_duration(day: dt.date, duration: str) -> dt.date:
    """``day`` minus an ISO 8601 calendar duration.

    >>> subtract_duration(dt.date(2026, 11, 27), 'P3Y')
    datetime.date(2023, 11, 27)
    """
    match = _DURATION.match(duration)
    if not match or duration == "P":
        raise ValueError(
            f"{duration!r} is not an ISO 8601 duration in years, months, weeks and days"
        )
    years, months, weeks, days = (int(g) if g else 0 for g in match.groups())
    return add_months(day, -(12 * years + months)) - dt.timedelta(weeks=weeks, days=days)
