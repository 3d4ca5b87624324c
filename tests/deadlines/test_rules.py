"""Who is a market regulator, and the pure deadline rules."""

from __future__ import annotations

import datetime as dt

from jointcredit.catalog import load_catalog
from jointcredit.rules import deadlines as rules


def test_the_catalog_names_of_the_market_regulators_are_recognised() -> None:
    # A record submitted through the API has its department's catalog name as data source.
    departments = load_catalog().departments
    for code in rules.MARKET_CODES:
        assert rules.is_market_regulator([departments[code].name_zh]), code
    for code in ("NDRC", "SAT", "MEE", "SPC", "MPS", "NMPA"):
        assert not rules.is_market_regulator([departments[code].name_zh]), code


def test_local_market_regulators_by_name() -> None:
    for name in (
        "北京市东城区市场监督管理局",
        "济源市市场监督管理局",
        "上海市浦东新区市场监管局",
        "某县工商行政管理局",
    ):
        assert rules.is_market_regulator([None, name]), name
    assert not rules.is_market_regulator(["北京市东城区生态环境局", "国家税务总局北京市税务局"])


def test_a_market_regulators_warning_alone_needs_no_publication() -> None:
    assert not rules.publication_required("penalty", "警告", market=True)
    assert rules.publication_required("penalty", "警告;罚款", market=True)
    assert rules.publication_required("licensing", None, market=True)


def test_deadline_outcome() -> None:
    outcome = rules.Outcome(dt.date(2026, 10, 9), dt.date(2026, 10, 12))
    assert not outcome.met
    assert outcome.days_late == 3
    assert outcome.workdays_late == 2  # Saturday 10 October is a make-up workday, and Monday
