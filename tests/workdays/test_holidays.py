"""The operator's holiday file: years the package does not know become known, their days off
and make-up workdays count, a faulty file is refused with every error named, and the
weekends-only warning is logged once per process.

The days are synthetic (conftest.SYNTHETIC, years 2030 and 2031), not any State Council notice.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from jointcredit.rules import holidays, workdays
from jointcredit.rules.feedback import feedback_due
from jointcredit.rules.workdays import add_workdays, is_workday, known, workdays_between
from jointcredit.services import holidays as configured_holidays
from jointcredit.services.registry import open_registry

D = dt.date


def test_a_file_makes_its_years_known_and_their_days_count(synthetic: Path) -> None:
    assert not known(D(2030, 3, 1))
    workdays.use_calendar(holidays.load(synthetic))
    assert known(D(2030, 3, 1)) and known(D(2031, 12, 31))
    assert not known(D(2032, 1, 1))
    assert (workdays.FIRST_KNOWN_YEAR, workdays.LAST_KNOWN_YEAR) == (2004, 2031)
    # Days off, make-up Saturdays, and everything else by the weekday.
    assert not is_workday(D(2030, 1, 1)) and not is_workday(D(2030, 2, 4))
    assert is_workday(D(2030, 1, 26)) and is_workday(D(2030, 2, 9))
    assert is_workday(D(2030, 3, 1)) and not is_workday(D(2030, 3, 2))
    # Thursday 31 January: Friday 1 February, then the holiday 2-8, Saturday 9 (make-up),
    # Monday 11.
    deadline = add_workdays(D(2030, 1, 31), 3)
    assert (deadline.day, deadline.estimated) == (D(2030, 2, 11), False)
    assert deadline.warning is None
    # 30 September 2031: the holiday 1-7 October, then 8, 9, 10, Saturday 11 (make-up), 13.
    assert add_workdays(D(2031, 9, 30), 5) == workdays.Deadline(D(2031, 10, 13), False)
    assert workdays_between(D(2031, 9, 30), D(2031, 10, 13)) == 5
    # Across the two years of the file: nothing estimated.
    assert not add_workdays(D(2030, 12, 30), 3).estimated


def test_the_warning_names_where_the_known_years_come_from(synthetic: Path) -> None:
    assert "2004-2026 (chinesecalendar " in workdays.estimate_warning()
    workdays.use_calendar(holidays.load(synthetic))
    text = workdays.estimate_warning()
    assert text.startswith("counted with weekends only")
    assert "2004-2026 (chinesecalendar " in text and "2030-2031 (holidays.yaml)" in text
    # A year left out between the package's and the file's is still counted with weekends.
    deadline = add_workdays(D(2026, 12, 28), 5)
    assert deadline.estimated and deadline.warning == text


def test_cached_deadlines_follow_the_calendar_put_in_force(synthetic: Path) -> None:
    before = add_workdays(D(2030, 1, 31), 3)
    quarterly = feedback_due(D(2031, 8, 15), "quarterly")
    assert before == workdays.Deadline(D(2030, 2, 5), True)  # weekends only
    workdays.use_calendar(holidays.load(synthetic))
    assert add_workdays(D(2030, 1, 31), 3) == workdays.Deadline(D(2030, 2, 11), False)
    # Quarterly feedback of Q3 2031: the 10th working day after 30 September, past the holiday.
    assert quarterly.day == D(2031, 10, 14)
    assert feedback_due(D(2031, 8, 15), "quarterly") == workdays.Deadline(D(2031, 10, 20), False)
    workdays.use_calendar(None)
    assert add_workdays(D(2030, 1, 31), 3) == before


def test_the_package_wins_for_a_year_it_knows(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(
        "years:\n  2026:\n    notice: 测试〔2025〕9号\n    holidays: [2026-03-02]\n",
        encoding="utf-8",
    )
    calendar = holidays.load(path)
    workdays.use_calendar(calendar)
    assert is_workday(D(2026, 3, 2))  # a Monday the file calls a day off
    assert workdays.source(2026) == workdays.PACKAGE
    # ... and the lint says where they differ (the file lists no other holiday of 2026).
    assert D(2026, 3, 2) in workdays.package_disagrees(calendar.years[2026])


def test_a_holiday_on_a_weekend_is_just_a_day_off(tmp_path: Path) -> None:
    path = tmp_path / "h.yaml"
    path.write_text(
        "years:\n  2031:\n    notice: 测试〔2030〕2号\n"
        "    holidays: [{date: 2031-01-04, name: 元旦}]\n",  # a Saturday
        encoding="utf-8",
    )
    table = holidays.load(path).years[2031]
    assert dict(table.holidays) == {D(2031, 1, 4): "元旦"}
    assert table.notice == "测试〔2030〕2号"


BAD = [
    pytest.param(
        "years:\n  2031:\n    notice: N\n    holidays: [2030-12-31]\n",
        "2031: holidays[0] 2030-12-31: outside 2031",
        id="date-outside-its-year",
    ),
    pytest.param(
        "years:\n  2031:\n    notice: N\n    holidays: [{from: 2031-12-30, to: 2032-01-02}]\n",
        "2031: holidays[0] {from: 2031-12-30, to: 2032-01-02}: outside 2031",
        id="range-outside-its-year",
    ),
    pytest.param(
        "years:\n  2031:\n    notice: N\n    holidays: [2031-01-25]\n    workdays: [2031-01-25]\n",
        "2031: 2031-01-25 is both a holiday and a make-up workday",
        id="holiday-and-workday",
    ),
    pytest.param(
        "years:\n  2031:\n    notice: N\n    holidays: []\n    workdays: [2031-01-27]\n",
        "2031: workdays: 2031-01-27 is a Monday: a make-up workday (调休) is a Saturday or Sunday",
        id="make-up-day-on-a-weekday",
    ),
    pytest.param(
        "years:\n  2031:\n    holidays: [2031-01-01]\n",
        "2031: notice: the number of the State Council's notice",
        id="missing-notice",
    ),
    pytest.param(
        "years:\n  2031:\n    notice: ' '\n    holidays: [2031-01-01]\n",
        "2031: notice: the number of the State Council's notice",
        id="blank-notice",
    ),
    pytest.param(
        "years:\n  2031:\n    notice: N\n",
        "2031: holidays: missing",
        id="missing-holidays",
    ),
    pytest.param(
        "version: 1\nyears:\n  2031:\n    notice: N\n    holidays: []\n",
        "unknown key 'version' (expected years)",
        id="unknown-top-key",
    ),
    pytest.param(
        "years:\n  2031:\n    notice: N\n    holidays: []\n    holiday: [2031-01-01]\n",
        "2031: unknown key 'holiday' (expected holidays, notice, workdays)",
        id="unknown-year-key",
    ),
    pytest.param(
        "years:\n  2031:\n    notice: N\n    holidays: [{from: 2031-01-01, til: 2031-01-02}]\n",
        "2031: holidays[0] {from: 2031-01-01, til: 2031-01-02}: unknown key 'til'",
        id="unknown-entry-key",
    ),
    pytest.param(
        "years:\n  2031:\n    notice: N\n    holidays: [2031-02-30]\n",
        "2031: holidays[0] '2031-02-30': not a date",
        id="no-such-day",
    ),
    pytest.param(
        "years:\n  2031:\n    notice: N\n    holidays: [{from: 2031-02-08, to: 2031-02-02}]\n",
        "2031: holidays[0] {from: 2031-02-08, to: 2031-02-02}: to 2031-02-02 is before from "
        "2031-02-08",
        id="range-backwards",
    ),
    pytest.param(
        "years:\n  2031:\n    notice: N\n    holidays: []\n  2031:\n    notice: M\n",
        "not valid YAML: 2031 appears twice (lines 2 and 5)",
        id="year-twice",
    ),
    pytest.param(
        "years:\n  next:\n    notice: N\n    holidays: []\n",
        "years: 'next' is not a year",
        id="not-a-year",
    ),
    pytest.param("- 2031-01-01\n", "expected a mapping with the key 'years'", id="not-a-mapping"),
    pytest.param("years: [2031\n", "not valid YAML", id="not-yaml"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_every_error_names_the_file_the_year_and_the_entry(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(holidays.HolidayFileError) as raised:
        holidays.load(path)
    assert len(raised.value.problems) == 1, raised.value.problems
    assert message in raised.value.problems[0]
    assert str(path) in str(raised.value) and f"holidays.yaml: {message}" in str(raised.value)
    assert raised.value.code == "configuration"  # a ConfigurationError: the start stops


def test_all_errors_at_once_and_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(
        "years:\n  2031:\n    holidays: [2030-01-01]\n    workdays: [2031-01-27]\n",
        encoding="utf-8",
    )
    with pytest.raises(holidays.HolidayFileError) as raised:
        holidays.load(path)
    assert len(raised.value.problems) == 3
    with pytest.raises(holidays.HolidayFileError, match="cannot be read"):
        holidays.load(tmp_path / "absent.yaml")


def test_an_estimated_deadline_is_logged_once_per_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="jointcredit.workdays")
    estimated = [add_workdays(D(2032, 1, 1) + dt.timedelta(days=i), 5) for i in range(200)]
    estimated += [add_workdays(D(2033, 3, 1), 0), feedback_due(D(2034, 8, 15), "quarterly")]
    assert all(d.estimated for d in estimated)
    lines = [r for r in caplog.records if r.name == "jointcredit.workdays"]
    assert len(lines) == 1
    text = lines[0].getMessage()
    assert "2004-2026 (chinesecalendar " in text and "JOINTCREDIT_HOLIDAYS_FILE" in text
    assert "jointcredit calendar lint" in text
    # A calendar put in force may change what is known: its first estimate is told again.
    workdays.use_calendar(None)
    add_workdays(D(2035, 1, 1), 5)
    assert len([r for r in caplog.records if r.name == "jointcredit.workdays"]) == 2


def test_the_configured_file_is_installed_at_start_once(configured: Path) -> None:
    configured_holidays.install()
    first = workdays.extra_calendar()
    assert first is not None and first.file == configured.resolve()
    configured_holidays.install()
    assert workdays.extra_calendar() is first  # unchanged: not read again
    configured.write_text(
        configured.read_text(encoding="utf-8").replace("2031-10-11", "2031-10-12"),
        encoding="utf-8",
    )
    configured_holidays.install()
    second = workdays.extra_calendar()
    assert second is not first and second is not None
    assert D(2031, 10, 12) in second.years[2031].workdays


def test_a_faulty_configured_file_stops_the_start(configured: Path, tmp_path: Path) -> None:
    configured.write_text("years:\n  2031:\n    holidays: []\n", encoding="utf-8")
    database = tmp_path / "registry.sqlite3"
    with pytest.raises(holidays.HolidayFileError, match="notice"):
        open_registry(f"sqlite:///{database}")
    assert not database.exists()  # refused before the database was touched
    assert workdays.extra_calendar() is None
