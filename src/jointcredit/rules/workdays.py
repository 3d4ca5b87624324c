"""Chinese working days: statutory holidays and make-up workdays (调休) from ``chinesecalendar``,
and for later years from the operator's holiday file.

Every time limit of the coordination loop counts working days (DOMAIN.md). ``chinesecalendar``
knows the State Council's holiday notices up to its release; the operator's file
(:mod:`jointcredit.rules.holidays`, put in force with :func:`use_calendar`) adds the years
published since. For a year neither knows only weekends are known, so a date computed across
such a year is an estimate, and every answer says so (:attr:`Deadline.estimated`) instead of
pretending to know the holidays.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar, cast

import chinese_calendar

from jointcredit.rules.holidays import HolidayCalendar, HolidayYear

log = logging.getLogger("jointcredit.workdays")

F = TypeVar("F", bound=Callable[..., Any])

#: The years the installed ``chinesecalendar`` knows, from its own tables.
PACKAGE_YEARS = frozenset(
    {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
)


def _package_version() -> str:
    try:
        return version("chinesecalendar")
    except PackageNotFoundError:  # pragma: no cover - installed as a dependency
        return "?"


PACKAGE = f"chinesecalendar {_package_version()}"

#: The operator's calendar in force (None: the package alone). For a year both know, the
#: package wins: its tables are reviewed releases, checked against the notices by our tests,
#: and a year typed into the file before the package caught up may stay there harmlessly.
_extra: HolidayCalendar | None = None
KNOWN_YEARS: frozenset[int] = PACKAGE_YEARS
FIRST_KNOWN_YEAR, LAST_KNOWN_YEAR = min(KNOWN_YEARS), max(KNOWN_YEARS)
ESTIMATE_WARNING = ""  # set by _known_years_changed below
_warned = False
#: Caches of results that depend on the calendar (here and in modules built on it).
_caches: list[Callable[[], None]] = []


def year_runs(years: list[int]) -> str:
    """Consecutive years as ranges.

    >>> year_runs([2028, 2004, 2005, 2006])
    '2004-2006, 2028'
    """
    out: list[str] = []
    for year in sorted(years):
        if out and int(out[-1].rsplit("-", 1)[-1]) == year - 1:
            out[-1] = f"{out[-1].split('-')[0]}-{year}"
        else:
            out.append(str(year))
    return ", ".join(out)


def known_years_text() -> str:
    """The known years and where each run comes from: ``2004-2026 (chinesecalendar 1.11.0)
    and 2031 (holidays.yaml)``."""
    text = f"{year_runs(sorted(PACKAGE_YEARS))} ({PACKAGE})"
    if _extra is not None:
        own = sorted(set(_extra.years) - PACKAGE_YEARS)
        if own:
            text += f" and {year_runs(own)} ({_extra.file.name})"
    return text


def _known_years_changed() -> None:
    global KNOWN_YEARS, FIRST_KNOWN_YEAR, LAST_KNOWN_YEAR, ESTIMATE_WARNING, _warned
    KNOWN_YEARS = PACKAGE_YEARS | frozenset(_extra.years if _extra is not None else ())
    FIRST_KNOWN_YEAR, LAST_KNOWN_YEAR = min(KNOWN_YEARS), max(KNOWN_YEARS)
    ESTIMATE_WARNING = (
        f"counted with weekends only: the holiday calendar knows the years {known_years_text()}"
    )
    _warned = False
    for clear in _caches:
        clear()


def calendar_cache(maxsize: int) -> Callable[[F], F]:
    """``lru_cache`` for a function whose results depend on the calendar: cleared whenever
    :func:`use_calendar` changes it."""

    def wrap(func: F) -> F:
        cached = lru_cache(maxsize=maxsize)(func)
        _caches.append(cached.cache_clear)
        return cast(F, cached)

    return wrap


def use_calendar(extra: HolidayCalendar | None) -> None:
    """Count with ``extra``'s years too (None: the package alone) from now on, in this
    process. Called once at start-up (``services.holidays.install``) and by tests."""
    global _extra
    _extra = extra
    _known_years_changed()


def extra_calendar() -> HolidayCalendar | None:
    """The operator's calendar in force, if any."""
    return _extra


def estimate_warning() -> str:
    """What an estimated due day says about itself: the years known and where from. A function,
    because the text changes when a holiday file is put in force."""
    return ESTIMATE_WARNING


def source(year: int) -> HolidayCalendar | str | None:
    """Where ``year``'s holidays come from: :data:`PACKAGE`'s name, the operator's calendar, or
    None (weekends only)."""
    if year in PACKAGE_YEARS:
        return PACKAGE
    if _extra is not None and year in _extra.years:
        return _extra
    return None


@dataclass(frozen=True, slots=True)
class YearCalendar:
    """One year as the calendar counts it (``jointcredit calendar show``)."""

    year: int
    #: ``chinesecalendar``, ``file`` or ``unknown`` (weekends only).
    source: str
    #: The package's name and version, or the file's path.
    origin: str | None
    notice: str | None
    holidays: tuple[tuple[dt.date, str], ...]
    workdays: tuple[tuple[dt.date, str], ...]
    working_days: int


def year_calendar(year: int) -> YearCalendar:
    """``year``'s days off, make-up workdays and number of working days, and where they come
    from.

    >>> y = year_calendar(2026)
    >>> y.source, y.working_days, y.workdays[0]
    ('chinesecalendar', 248, (datetime.date(2026, 1, 4), "New Year's Day"))
    """
    days = [dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(366)]
    days = [d for d in days if d.year == year]
    count = sum(is_workday(d) for d in days)
    found = source(year)
    if isinstance(found, str):
        off, on = chinese_calendar.holidays, chinese_calendar.workdays
        return YearCalendar(
            year,
            "chinesecalendar",
            found,
            None,
            tuple((d, off[d]) for d in days if d in off),
            tuple((d, on[d]) for d in days if d in on),
            count,
        )
    if found is not None:
        table = found.years[year]
        return YearCalendar(
            year,
            "file",
            str(found.file),
            table.notice,
            tuple(sorted(table.holidays.items())),
            tuple(sorted(table.workdays.items())),
            count,
        )
    return YearCalendar(year, "unknown", None, None, (), (), count)


def package_disagrees(table: HolidayYear) -> list[dt.date]:
    """The days of a year that ``table`` (an operator's) counts otherwise than the package,
    which wins (:data:`_extra`); empty when the package does not know the year."""
    if table.year not in PACKAGE_YEARS:
        return []
    out = []
    day = dt.date(table.year, 1, 1)
    while day.year == table.year:
        own = day in table.workdays or (day.weekday() < 5 and day not in table.holidays)
        if own != bool(chinese_calendar.is_workday(day)):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def known(day: dt.date) -> bool:
    """Whether the calendar knows the holidays of ``day``'s year."""
    return day.year in KNOWN_YEARS


_known_years_changed()


@calendar_cache(maxsize=8192)
def is_workday(day: dt.date) -> bool:
    """A working day: the official calendar where known, else Monday to Friday.

    >>> is_workday(dt.date(2026, 2, 14))  # a Saturday, made a workday for the Spring Festival
    True
    >>> is_workday(dt.date(2026, 10, 5))  # a Monday in the National Day holiday
    False
    >>> is_workday(dt.date(2030, 1, 7))  # a Monday in a year the calendar does not know
    True
    """
    if day.year in PACKAGE_YEARS:
        return bool(chinese_calendar.is_workday(day))
    if _extra is not None and (table := _extra.years.get(day.year)) is not None:
        if day in table.workdays:
            return True
        if day in table.holidays:
            return False
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


@calendar_cache(maxsize=65536)
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
        if estimated:
            _warn_once(start, day)
        return Deadline(day, estimated)
    left = days
    while left:
        day += dt.timedelta(days=1)
        estimated = estimated or not known(day)
        if is_workday(day):
            left -= 1
    if estimated:
        _warn_once(start, day)
    return Deadline(day, estimated)


def _warn_once(start: dt.date, due: dt.date) -> None:
    """Log the first estimated deadline of the process, and only that one: a list or an import
    computes thousands, and the same line each time buried everything else (and broke the CLI's
    progress bars). Every answer still carries ``due_estimated``. Two threads may both pass
    the test before either sets the flag: two lines instead of one, not worth a lock."""
    global _warned
    if _warned:
        return
    _warned = True
    log.warning(
        "deadline %s from %s and others are %s; once the State Council publishes a year's "
        "holidays, add its notice to the file JOINTCREDIT_HOLIDAYS_FILE names and check it "
        "with `jointcredit calendar lint` (this warning is given once per process)",
        due,
        start,
        ESTIMATE_WARNING,
    )


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
