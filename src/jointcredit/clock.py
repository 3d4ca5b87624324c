"""Time as the platform counts it: timestamps in UTC, days as calendar days in China (UTC+8).

A deadline "within 5 working days" runs in Beijing time whatever the server's time zone is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def utc(value: Any) -> Any:
    """A timestamp as read from either database, as an aware UTC datetime (SQLite gives it back
    naive); anything else (None) as it is.

    >>> utc(dt.datetime(2026, 11, 29, 5, 0)).tzinfo
    datetime.timezone.utc
    >>> utc(None) is None
    True
    """
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def china_day(moment: dt.datetime) -> dt.date:
    """The calendar day in China at ``moment``.

    >>> china_day(dt.datetime(2026, 11, 27, 17, 0, tzinfo=dt.UTC))
    datetime.date(2026, 11, 28)
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CHINA).date()


def day_start(day: dt.date) -> dt.datetime:
    """The moment a calendar day begins in China, in UTC.

    >>> day_start(dt.date(2026, 7, 1))
    datetime.datetime(2026, 6, 30, 16, 0, tzinfo=datetime.timezone.utc)
    """
    return dt.datetime.combine(day, dt.time(), CHINA).astimezone(dt.UTC)


def today() -> dt.date:
    return china_day(now())
