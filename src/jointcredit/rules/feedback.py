"""When enforcement feedback (执行反馈) on a pushed entry is due.

MoUs ask implementing departments to report back what they did with the entries pushed to them,
typically quarterly (发改财金〔2016〕1467号): by the 10th working day after the end of the quarter
in which the entry reached them. The platform's rule is configuration
(``JOINTCREDIT_FEEDBACK_DUE``): ``quarterly``, or a number N of working days after the day of the
message. Both count Chinese working days (:mod:`jointcredit.rules.workdays`).

Pure functions: no database, no clock.
"""

from __future__ import annotations

import datetime as dt

from jointcredit.rules.workdays import Deadline, add_workdays, calendar_cache, quarter_end

QUARTERLY = "quarterly"
#: Working days after the end of the quarter by which quarterly feedback is due.
QUARTER_GRACE_DAYS = 10
#: Events whose messages call for feedback: the entry now asks the department to act.
DUE_EVENTS = ("entry.listed", "entry.changed")


def parse_rule(rule: str) -> str | int:
    """The setting as a rule: ``"quarterly"`` or a positive number of working days.

    >>> parse_rule("quarterly"), parse_rule(" 15 ")
    ('quarterly', 15)
    >>> parse_rule("monthly")
    Traceback (most recent call last):
    ...
    ValueError: feedback due rule 'monthly': expected 'quarterly' or a number of working days
    """
    text = rule.strip().lower()
    if text == QUARTERLY:
        return QUARTERLY
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise ValueError(
        f"feedback due rule {rule!r}: expected 'quarterly' or a number of working days"
    )


@calendar_cache(maxsize=4096)
def feedback_due(message_day: dt.date, rule: str | int) -> Deadline:
    """The last day for feedback on a message sent on ``message_day`` (a day in China).

    Quarterly: the message of 15 August 2026 falls in Q3, which ends on Wednesday 30
    September; 1-7 October are the National Day holiday and Saturday 10 October is a make-up
    workday, so the 10th working day after the quarter is 20 October.

    >>> feedback_due(dt.date(2026, 8, 15), "quarterly")
    Deadline(day=datetime.date(2026, 10, 20), estimated=False)

    A message on the quarter's last day is due with the same quarter:

    >>> feedback_due(dt.date(2026, 9, 30), "quarterly").day
    datetime.date(2026, 10, 20)

    With a number of working days, counted from the message's day:

    >>> feedback_due(dt.date(2026, 9, 30), 5).day
    datetime.date(2026, 10, 13)
    """
    if rule == QUARTERLY:
        return add_workdays(quarter_end(message_day), QUARTER_GRACE_DAYS)
    if isinstance(rule, int) and rule > 0:
        return add_workdays(message_day, rule)
    raise ValueError(f"feedback due rule {rule!r}: expected 'quarterly' or a positive number")


def is_overdue(message_day: dt.date, rule: str | int, today: dt.date) -> bool:
    """Whether feedback on a message of ``message_day`` is late on ``today`` (the due day
    itself is still in time).

    >>> is_overdue(dt.date(2026, 8, 15), "quarterly", dt.date(2026, 10, 20))
    False
    >>> is_overdue(dt.date(2026, 8, 15), "quarterly", dt.date(2026, 10, 21))
    True
    """
    return feedback_due(message_day, rule).day < today


def last_overdue_message_day(today: dt.date, rule: str | int) -> dt.date | None:
    """The latest message day whose feedback is overdue on ``today``: every message of that
    day or earlier without feedback is overdue, every later one is not yet.

    The due day never moves back when the message day moves forward, so a walk back from
    ``today`` finds it; it lets the database select the overdue messages by their time alone.

    >>> last_overdue_message_day(dt.date(2026, 10, 21), "quarterly")
    datetime.date(2026, 9, 30)
    >>> last_overdue_message_day(dt.date(2026, 10, 20), "quarterly")
    datetime.date(2026, 6, 30)
    >>> last_overdue_message_day(dt.date(2026, 10, 14), 5)
    datetime.date(2026, 10, 7)
    """
    day = today
    # A quarter plus its grace, or N working days, lies well within this many calendar days
    # (the longest Chinese holiday is 9 days); past it, something is wrong with the rule.
    horizon = 200 if rule == QUARTERLY else 7 * int(rule) + 60
    for _ in range(horizon):
        day -= dt.timedelta(days=1)
        if feedback_due(day, rule).day < today:
            return day
    return None
