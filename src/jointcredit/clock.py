"""Time as the platform counts it: timestamps in UTC, days as calendar days in China (UTC+8).

A deadline "within 5 working days" runs in Beijing time whatever the server's time zone is.
"""

from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def china_day(moment: dt.datetime) -> dt.date:
    """The calendar day in China at ``moment``.

    >>> china_day(dt.datetime(2026, 11, 27, 17, 0, tzinfo=dt.UTC))
    datetime.date(2026, 11, 28)
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CHINA).date()


def today() -> dt.date:
    return china_day(now())
