"""When feedback is due: quarterly and in working days, across the Chinese holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from jointcredit.rules.feedback import (
    feedback_due,
    is_overdue,
    last_overdue_message_day,
    parse_rule,
)

D = dt.date


@pytest.mark.parametrize(
    ("sent", "due"),
    [
        # Q3 2026 ends on Wednesday 30 September; 1-7 October are the National Day holiday and
        # Saturday 10 October a make-up workday: the 10th working day after it is 20 October.
        (D(2026, 7, 1), D(2026, 10, 20)),
        (D(2026, 9, 30), D(2026, 10, 20)),
        # Q1 2026 ends on Tuesday 31 March; Qingming (4-6 April) follows.
        (D(2026, 2, 14), D(2026, 4, 15)),
        # Q2 2026 ends on Tuesday 30 June, no holiday: 14 July.
        (D(2026, 4, 1), D(2026, 7, 14)),
    ],
)
def test_quarterly_due_is_the_10th_working_day_after_the_quarter(
    sent: dt.date, due: dt.date
) -> None:
    deadline = feedback_due(sent, "quarterly")
    assert deadline.day == due
    assert not deadline.estimated


def test_a_message_of_the_next_quarter_is_due_a_quarter_later() -> None:
    assert (
        feedback_due(D(2026, 10, 1), "quarterly").day
        > feedback_due(D(2026, 9, 30), "quarterly").day
    )


def test_quarterly_due_beyond_the_known_calendar_is_an_estimate() -> None:
    # Q4 2026 ends on 31 December; the calendar does not know 2027's holidays.
    deadline = feedback_due(D(2026, 11, 2), "quarterly")
    assert deadline.estimated
    assert deadline.day == D(2027, 1, 14)  # weekends only


def test_working_days_after_the_message_skip_the_holiday() -> None:
    # 5 working days from 30 September 2026: 8, 9, 10 (Saturday, make-up), 12, 13 October.
    assert feedback_due(D(2026, 9, 30), 5).day == D(2026, 10, 13)
    assert feedback_due(D(2026, 9, 30), 1).day == D(2026, 10, 8)


def test_overdue_only_after_the_due_day() -> None:
    assert not is_overdue(D(2026, 9, 30), 5, D(2026, 10, 13))
    assert is_overdue(D(2026, 9, 30), 5, D(2026, 10, 14))


@pytest.mark.parametrize("rule", ["quarterly", 1, 5, 30])
def test_last_overdue_day_splits_the_messages_exactly(rule: str | int) -> None:
    for today in (D(2026, 10, 9), D(2026, 10, 21), D(2026, 5, 6), D(2026, 1, 2)):
        last = last_overdue_message_day(today, rule)
        assert last is not None
        assert is_overdue(last, rule, today)
        assert not is_overdue(last + dt.timedelta(days=1), rule, today)


def test_the_rule_is_checked() -> None:
    assert parse_rule("QUARTERLY") == "quarterly"
    assert parse_rule("10") == 10
    for bad in ("0", "-3", "monthly", ""):
        with pytest.raises(ValueError, match="expected 'quarterly' or a number"):
            parse_rule(bad)
