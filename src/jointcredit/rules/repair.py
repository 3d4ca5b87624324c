"""Who may apply for credit repair (信用修复) and from which day: NDRC Order No. 36 as data.

信用修复管理办法 (NDRC Order No. 36, in force 2026-04-01; DOMAIN.md "Periods, repair and exit"):
a subject may ask for the publication of its negative information to stop once the minimum
period of the information's tier has passed, the act is corrected and its obligations are met,
and it makes a public credit commitment.

- penalties, by severity tier (:data:`jointcredit.rules.periods.TIERS`): minor at any time once
  the obligations are met, general after 3 months, severe after 1 year, counted from the date of
  the decision document;
- black-list entries: after ``list_min_months`` in effect (from ``valid_from``, or the decision
  date);
- court defaulter lists (``court_list_types``) are not repaired here: the court removes the
  entry within 3 working days once its grounds end;
- licensing records, commitments and red-list entries are not negative information: there is
  nothing to repair.

The minimum is reached on the day the months have passed: a general penalty decided on 15
January may be repaired from 15 April. Pure functions: no database, no clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from jointcredit.rules.periods import TIERS, add_months

#: Record kinds that are negative information (失信信息) and so may be repaired.
REPAIRABLE_KINDS = ("penalty", "black-list")

RefusalCode = Literal[
    "not-negative", "court-list", "status", "commitment", "obligations", "too-early"
]


@dataclass(frozen=True, slots=True)
class Facts:
    """What eligibility looks at of a record."""

    kind: str
    status: str
    decision_date: dt.date
    severity: str | None = None
    list_type: str | None = None
    valid_from: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an application cannot be made; ``earliest``: the first day it can (too early)."""

    code: RefusalCode
    message: str
    earliest: dt.date | None = None

    @property
    def is_conflict(self) -> bool:
        """A refusal because of the record's state (409) rather than the application (422)."""
        return self.code == "status"


def tier_of(facts: Facts) -> str:
    """The tier whose minimum period applies to a penalty; a penalty without a known tier
    (no category that names one) counts as severe: the longest wait, never a premature end.

    >>> tier_of(Facts("penalty", "active", dt.date(2026, 1, 15), severity="general"))
    'general'
    >>> tier_of(Facts("penalty", "active", dt.date(2026, 1, 15)))
    'severe'
    """
    return facts.severity if facts.severity in TIERS else "severe"


def earliest_day(facts: Facts, *, list_min_months: int) -> dt.date | None:
    """The first day the subject may apply, or None when the kind is not repaired this way.

    >>> decided = dt.date(2026, 1, 15)
    >>> earliest_day(Facts("penalty", "active", decided, severity="minor"), list_min_months=12)
    datetime.date(2026, 1, 15)
    >>> earliest_day(Facts("penalty", "active", decided, severity="general"), list_min_months=12)
    datetime.date(2026, 4, 15)
    >>> earliest_day(Facts("penalty", "active", decided, severity="severe"), list_min_months=12)
    datetime.date(2027, 1, 15)
    >>> earliest_day(Facts("black-list", "active", decided, valid_from=dt.date(2026, 2, 1)),
    ...              list_min_months=12)
    datetime.date(2027, 2, 1)
    >>> earliest_day(Facts("licensing", "active", decided), list_min_months=12) is None
    True
    """
    if facts.kind == "penalty":
        return add_months(facts.decision_date, TIERS[tier_of(facts)].min_months)
    if facts.kind == "black-list":
        return add_months(facts.valid_from or facts.decision_date, list_min_months)
    return None


_STATUS_REASONS = {
    "disputed": "an objection on it is open; apply once it is resolved",
    "repaired": "it has been repaired already",
    "withdrawn": "it has been withdrawn: there is nothing left to repair",
    "cancelled": "it has been cancelled: there is nothing left to repair",
    "revoked": "its decision has been revoked: there is nothing left to repair",
    "expired": "its period has ended: it is no longer in force or published",
}


def refusal(
    facts: Facts,
    today: dt.date,
    *,
    commitment: str,
    obligations_met: bool,
    list_min_months: int,
    court_list_types: Collection[str],
) -> Refusal | None:
    """None when a repair application on the record may be made ``today``, else why not.

    >>> penalty = Facts("penalty", "active", dt.date(2026, 1, 15), severity="general")
    >>> rules = dict(commitment="本单位承诺守法经营", obligations_met=True, list_min_months=12,
    ...              court_list_types=["judgment-defaulters"])
    >>> refusal(penalty, dt.date(2026, 4, 15), **rules) is None
    True
    >>> refusal(penalty, dt.date(2026, 4, 14), **rules).earliest
    datetime.date(2026, 4, 15)
    >>> refusal(Facts("black-list", "active", dt.date(2025, 1, 2), list_type="judgment-defaulters"),
    ...         dt.date(2026, 11, 27), **rules).code
    'court-list'
    """
    if facts.kind not in REPAIRABLE_KINDS:
        return Refusal(
            "not-negative",
            f"a {facts.kind} record is not negative information: there is nothing to repair "
            "(credit repair covers penalties and black-list entries)",
        )
    if facts.kind == "black-list" and facts.list_type in court_list_types:
        return Refusal(
            "court-list",
            f"a {facts.list_type} entry is not repaired by application here: the court removes "
            "it within 3 working days once its grounds end (obligations performed, enforcement "
            "ended); ask the court that listed it",
        )
    if facts.status != "active":
        reason = _STATUS_REASONS.get(facts.status, "only an active record can be repaired")
        return Refusal("status", f"the record is {facts.status}: {reason}")
    if not commitment.strip():
        return Refusal(
            "commitment", "commitment: a public credit commitment (信用承诺) is required"
        )
    if not obligations_met:
        return Refusal(
            "obligations",
            "obligations_met: the act must be corrected and the obligations of the decision "
            "fully met before repair (NDRC Order No. 36)",
        )
    earliest = earliest_day(facts, list_min_months=list_min_months)
    assert earliest is not None, "every repairable kind has a first day"
    if today < earliest:
        if facts.kind == "penalty":
            tier = tier_of(facts)
            wait = f"a {tier} penalty may be repaired {TIERS[tier].min_months} months after its "
            wait += f"decision of {facts.decision_date.isoformat()}"
        else:
            start = facts.valid_from or facts.decision_date
            wait = (
                f"a list entry may be repaired {list_min_months} months after it took effect "
                f"on {start.isoformat()}"
            )
        return Refusal(
            "too-early",
            f"too early: {wait}; the earliest day to apply is {earliest.isoformat()}",
            earliest,
        )
    return None
