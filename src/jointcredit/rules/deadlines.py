"""Publication deadlines of double-publicity records (双公示).

A licensing or penalty decision must be public within 7 working days of the decision (国办发
〔2015〕51号 §18); market regulators' decisions within 20 working days, on the enterprise credit
publicity system (SAMR Order 45, 2021); a revoked decision must be withdrawn within 3 working
days (行政处罚法 Art 48). Market regulators do not publish warning-only penalties, so those have
no deadline. The numbers are configuration (``JOINTCREDIT_PUBLICATION_DAYS``,
``…_PUBLICATION_DAYS_MARKET``, ``…_WITHDRAWAL_DAYS``); the days are Chinese working days.

Recognising a market regulator's record. The national format names the deciding authority
(许可机关 / 处罚机关) and the data source department (数据来源单位) by their names and their
organisations' USCCs, never by a catalog code; only list entries carry a catalog department
code. So a record is a market regulator's when

- the name of its issuing authority or of its data source department contains one of
  :data:`MARKET_NAME_MARKERS`: 市场监督管理 (every market regulation bureau, 北京市东城区市场监督
  管理局, and SAMR's full name), its common short form 市场监管, the former 工商行政管理 (SAIC and
  the local 工商局), and the former 质量监督检验检疫 (AQSIQ) and 食品药品监督管理 (CFDA), both
  merged into the market regulators in 2018; or
- its department code, where it has one, is one of :data:`MARKET_CODES`.

The catalog's names of SAMR, SAIC, AQSIQ and CFDA all contain a marker (a test holds them to
it), so a record submitted through the API, whose data source department is the catalog name of
the key's department, is recognised as well.

Pure functions: no database, no clock, no settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from jointcredit.rules.workdays import Deadline, add_workdays, workdays_between

#: Kinds of record with a publication deadline.
KINDS = ("licensing", "penalty")
MARKET_CODES = frozenset({"SAMR", "SAIC", "AQSIQ", "CFDA"})
MARKET_NAME_MARKERS = (
    "市场监督管理",
    "市场监管",
    "工商行政管理",
    "质量监督检验检疫",
    "食品药品监督管理",
)
#: The penalty category that market regulators do not publish when it stands alone.
WARNING = "警告"


def is_market_regulator(names: Iterable[str | None], codes: Iterable[str | None] = ()) -> bool:
    """Whether a record whose authorities are called ``names`` (issuing authority, data source
    department) and coded ``codes`` (catalog codes) is a market regulator's.

    >>> is_market_regulator(["北京市东城区市场监督管理局", "北京市东城区市场监督管理局"])
    True
    >>> is_market_regulator(["上海市市场监管局"]), is_market_regulator(["某县工商行政管理局"])
    (True, True)
    >>> is_market_regulator(["北京市生态环境局", None], ["MEE"])
    False
    >>> is_market_regulator(["某某局"], ["SAMR"])
    True
    """
    for name in names:
        if name and any(marker in name for marker in MARKET_NAME_MARKERS):
            return True
    return any(code in MARKET_CODES for code in codes if code)


def publication_required(kind: str, category: str | None, market: bool) -> bool:
    """Whether the record must be published at all: every licensing and penalty record,
    except a market regulator's warning-only penalty (categories are ``;``-separated).

    >>> publication_required("penalty", "警告", market=True)
    False
    >>> publication_required("penalty", "警告", market=False)
    True
    >>> publication_required("penalty", "警告;罚款", market=True)
    True
    >>> publication_required("black-list", None, market=False)
    False
    """
    if kind not in KINDS:
        return False
    if market and kind == "penalty" and category:
        return {c.strip() for c in category.split(";") if c.strip()} != {WARNING}
    return True


#: The time limits of DOMAIN.md, the defaults of the settings.
PUBLICATION_DAYS, PUBLICATION_DAYS_MARKET, WITHDRAWAL_DAYS = 7, 20, 3


def publication_due(
    decision_date: dt.date,
    market: bool,
    *,
    days: int = PUBLICATION_DAYS,
    market_days: int = PUBLICATION_DAYS_MARKET,
) -> Deadline:
    """The last day the record may become public: ``days`` working days after the decision
    (``market_days`` for a market regulator).

    A penalty decided on Thursday 24 September 2026, just before the Mid-Autumn holiday (25-27
    September) and the National Day holiday (1-7 October; Saturday 10 October is a make-up
    workday), must be public by 12 October, a market regulator's by 29 October:

    >>> publication_due(dt.date(2026, 9, 24), False).day
    datetime.date(2026, 10, 12)
    >>> publication_due(dt.date(2026, 9, 24), True).day
    datetime.date(2026, 10, 29)
    """
    return add_workdays(decision_date, market_days if market else days)


def withdrawal_due(revoked_on: dt.date, *, days: int = WITHDRAWAL_DAYS) -> Deadline:
    """The last day to withdraw a revoked decision, counted from the day the revocation was
    known (the national format carries no revocation date: the day the platform learned it).

    A revocation learned on 30 September 2026 must be withdrawn by Saturday 10 October, a
    make-up workday after the National Day holiday:

    >>> withdrawal_due(dt.date(2026, 9, 30)).day
    datetime.date(2026, 10, 10)
    """
    return add_workdays(revoked_on, days)


@dataclass(frozen=True, slots=True)
class Outcome:
    """Whether a deadline was met: ``done`` on or before ``due``; else how late."""

    due: dt.date
    done: dt.date

    @property
    def met(self) -> bool:
        return self.done <= self.due

    @property
    def days_late(self) -> int:
        """Calendar days after the due day (0 when met)."""
        return max(0, (self.done - self.due).days)

    @property
    def workdays_late(self) -> int:
        """Working days after the due day up to the day it was done (0 when met). A record
        published on the Saturday after a Friday due day is late by 1 calendar day and 0
        working days: ``met`` is still false.

        >>> Outcome(dt.date(2026, 10, 12), dt.date(2026, 10, 15)).workdays_late
        3
        >>> Outcome(dt.date(2026, 10, 12), dt.date(2026, 10, 9)).met
        True
        """
        return max(0, workdays_between(self.due, self.done))
