"""Working-day arithmetic against the official holiday calendars of 2025 and 2026.

The two tables below are transcribed from the State Council General Office's notices
(国办发明电〔2024〕12号 for 2025, 国办发明电〔2025〕7号 for 2026), independently of the
``chinesecalendar`` package that the platform uses: the test fails if the package, or our use of
it, disagrees with the notices.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jointcredit.rules import workdays
from jointcredit.rules.workdays import add_workdays, is_workday, workdays_between


def _days(year: int, spans: list[tuple[str, str]]) -> set[dt.date]:
    out: set[dt.date] = set()
    for first, last in spans:
        day = dt.date.fromisoformat(f"{year}-{first}")
        end = dt.date.fromisoformat(f"{year}-{last}")
        while day <= end:
            out.add(day)
            day += dt.timedelta(days=1)
    return out


#: (holidays, make-up workdays) as the notices give them.
OFFICIAL = {
    2025: (
        _days(
            2025,
            [
                ("01-01", "01-01"),  # 元旦
                ("01-28", "02-04"),  # 春节, 8 days
                ("04-04", "04-06"),  # 清明节
                ("05-01", "05-05"),  # 劳动节
                ("05-31", "06-02"),  # 端午节
                ("10-01", "10-08"),  # 国庆节、中秋节, 8 days
            ],
        ),
        _days(
            2025,
            [
                ("01-26", "01-26"),
                ("02-08", "02-08"),
                ("04-27", "04-27"),
                ("09-28", "09-28"),
                ("10-11", "10-11"),
            ],
        ),
    ),
    2026: (
        _days(
            2026,
            [
                ("01-01", "01-03"),  # 元旦
                ("02-15", "02-23"),  # 春节, 9 days
                ("04-04", "04-06"),  # 清明节
                ("05-01", "05-05"),  # 劳动节
                ("06-19", "06-21"),  # 端午节
                ("09-25", "09-27"),  # 中秋节
                ("10-01", "10-07"),  # 国庆节
            ],
        ),
        _days(
            2026,
            [
                ("01-04", "01-04"),
                ("02-14", "02-14"),
                ("02-28", "02-28"),
                ("05-09", "05-09"),
                ("09-20", "09-20"),
                ("10-10", "10-10"),
            ],
        ),
    ),
}


def official_workday(day: dt.date) -> bool:
    holidays, makeup = OFFICIAL[day.year]
    if day in makeup:
        return True
    return day.weekday() < 5 and day not in holidays


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_every_day_of_the_year_as_the_notice_says(year: int) -> None:
    day, wrong = dt.date(year, 1, 1), []
    while day.year == year:
        if is_workday(day) != official_workday(day):
            wrong.append(day.isoformat())
        day += dt.timedelta(days=1)
    assert not wrong


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Five working days from the eve of the 2025 National Day: 9 and 10 October, Saturday 11
        # (make-up), Monday 13 and Tuesday 14.
        ("2025-09-30", 5, "2025-10-14"),
        # Spring Festival 2026: Friday 13 February, Saturday 14 (make-up) is the first day.
        ("2026-02-13", 1, "2026-02-14"),
        ("2026-02-13", 2, "2026-02-24"),
        # 20 working days of an objection opened on 2026-09-18 (a Friday): Sunday 20 September
        # is a make-up workday; the National Day holiday and the Mid-Autumn Festival are not.
        ("2026-09-18", 20, "2026-10-22"),
        # Three working days over New Year 2025: 1 January is a holiday, then 2, 3 and 6.
        ("2024-12-31", 3, "2025-01-06"),
        ("2026-05-08", 1, "2026-05-09"),
    ],
)
def test_deadlines_across_holidays(start: str, days: int, due: str) -> None:
    deadline = add_workdays(dt.date.fromisoformat(start), days)
    assert deadline.day == dt.date.fromisoformat(due)
    assert not deadline.estimated


def test_beyond_the_known_years_only_weekends_count_and_it_says_so() -> None:
    last = workdays.LAST_KNOWN_YEAR
    deadline = add_workdays(dt.date(last, 12, 30), 3)
    assert deadline.estimated
    assert deadline.warning is not None and "weekends only" in deadline.warning
    assert deadline.to_dict()["due_estimated"] is True
    # Inside the known years nothing is estimated.
    assert not add_workdays(dt.date(last, 3, 2), 3).estimated


known_days = st.dates(dt.date(2025, 1, 1), dt.date(2026, 11, 30))


@given(known_days, st.integers(0, 40))
def test_the_deadline_is_the_nth_official_workday(start: dt.date, days: int) -> None:
    deadline = add_workdays(start, days)
    if deadline.day.year not in OFFICIAL:
        return
    assert official_workday(deadline.day)
    counted = sum(
        official_workday(start + dt.timedelta(days=i))
        for i in range(1, (deadline.day - start).days + 1)
    )
    if days == 0:
        # The first working day on or after ``start``.
        assert counted <= 1 and (counted == 0) == (deadline.day == start)
    else:
        assert counted == days
        assert workdays_between(start, deadline.day) == days


@given(known_days, st.integers(1, 30), st.integers(1, 30))
def test_limits_compose(start: dt.date, a: int, b: int) -> None:
    assert add_workdays(add_workdays(start, a).day, b).day == add_workdays(start, a + b).day
