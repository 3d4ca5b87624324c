"""Chinese working days: statutory holidays and make-up workdays (调休) from ``chinesecalendar``.

Every time limit of the coordination loop counts working days (DOMAIN.md). ``chinesecalendar``
knows the State Council's holiday notices up to its release; for a later year only weekends are
known, so a date computed across such a year is an estimate, and every answer says so
(:attr:`Deadline.estimated`) instead of pretending to know the holidays.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar

log = logging.getLogger("jointcredit.workdays")

#: The years the installed calendar knows, from its own tables.
_KNOWN = sorted(
    {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
)
FIRST_KNOWN_YEAR, LAST_KNOWN_YEAR = _KNOWN[0], _KNOWN[-1]

ESTIMATE_WARNING = (
    "counted with weekends only: the holiday calendar (chinesecalendar) knows the years "
    f"{FIRST_KNOWN_YEAR}-{LAST_KNOWN_YEAR}"
)


def known(day: dt.date) -> bool:
    """Whether the calendar knows the holidays of ``day``'s year."""
    return bool(FIRST_KNOWN_YEAR <= day.year <= LAST_KNOWN_YEAR)


@lru_cache(maxsize=8192)
def is_workday(day: dt.date) -> bool:
    """A working day: the official calendar where known, else Monday to Friday.

    >>> is_workday(dt.date(2026, 2, 14))  # a Saturday, made a workday for the Spring Festival
    True
    >>> is_workday(dt.date(2026, 10, 5))  # a Monday in the National Day holiday
    False
    >>> is_workday(dt.date(2030, 1, 7))  # a Monday in a year the calendar does not know
    True
    """
    if known(day):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


@dataclass(frozen=True, slots=True)
class Deadline:
    """The last day of a time limit, and whether unknown holidays may move it."""

    day: dt.date
    estimated: bool

    @property
    def warning(self) -> str | None:
        return ESTIMATE_WARNING if self.estimated else None

    def to_dict(self) -> dict[str, object]:
        return {"due": self.day.isoformat(), "due_estimated": self.estimated}


@lru_cache(maxsize=65536)
def add_workdays(start: dt.date, days: int) -> Deadline:
    """The ``days``-th working day after ``start`` (``start`` itself does not count).

    Five working days from 30 September 2026 end on 13 October: 1-7 October are the National
    Day holiday and Saturday 10 October is a make-up workday. With 0 days: the first working
    day on or after ``start``.

    >>> add_workdays(dt.date(2026, 9, 30), 5)
    Deadline(day=datetime.date(2026, 10, 13), estimated=False)
    >>> add_workdays(dt.date(2026, 12, 28), 5).estimated
    True
    """
    if days < 0:
        raise ValueError(f"a time limit of {days} working days")
    day = start
    estimated = not known(day)
    if days == 0:
        while not is_workday(day):
            day += dt.timedelta(days=1)
            estimated = estimated or not known(day)
        return Deadline(day, estimated)
    left = days
    while left:
        day += dt.timedelta(days=1)
        estimated = estimated or not known(day)
        if is_workday(day):
            left -= 1
    if estimated:
        log.warning("deadline %s from %s: %s", day, start, ESTIMATE_WARNING)
    return Deadline(day, estimated)


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is
    earlier): how late something is, or how much time is left.

    >>> workdays_between(dt.date(2026, 9, 30), dt.date(2026, 10, 13))
    5
    >>> workdays_between(dt.date(2026, 10, 13), dt.date(2026, 9, 30))
    -5
    """
    if end < start:
        return -workdays_between(end, start)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_workday(day)
    return count


#: A time limit is "due soon" within this many working days of its due day (the console's queues
#: highlight it).
DUE_SOON_WORKDAYS = 2


def urgency(today: dt.date, due: dt.date) -> tuple[str | None, int]:
    """(``overdue``, ``due-soon`` or None, working days left — negative when past) of a time
    limit falling due on ``due``.

    >>> urgency(dt.date(2026, 10, 13), dt.date(2026, 9, 30))
    ('overdue', -5)
    >>> urgency(dt.date(2026, 11, 27), dt.date(2026, 12, 1))
    ('due-soon', 2)
    >>> urgency(dt.date(2026, 11, 27), dt.date(2026, 12, 2))
    (None, 3)
    """
    left = workdays_between(today, due)
    if due < today:
        return "overdue", left
    return ("due-soon" if left <= DUE_SOON_WORKDAYS else None), left


def quarter_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s quarter.

    >>> quarter_end(dt.date(2026, 11, 28))
    datetime.date(2026, 12, 31)
    """
    month = (day.month - 1) // 3 * 3 + 3
    first_next = dt.date(day.year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)
