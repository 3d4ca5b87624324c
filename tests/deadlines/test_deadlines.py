"""Publication deadlines on a real registry (SQLite and PostgreSQL): written with the record,
revocations, the backfill, the report and the summary."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, update
from tests.deadlines.helpers import (
    ECOLOGY,
    MARKET,
    deadline_columns,
    licensing,
    penalty,
    utc,
)

from jointcredit.access import OPERATOR, PUBLIC, Principal
from jointcredit.catalog import load_catalog
from jointcredit.errors import AuthenticationError, InvalidInputError, PermissionDeniedError
from jointcredit.services import deadlines as service
from jointcredit.store import records
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import credit_records

D = dt.date
SUPERVISOR = Principal("supervisor", "NDRC", key_id=7)


def test_a_penalty_decided_before_the_holidays(registry: Engine) -> None:
    # Decided Thursday 24 September 2026; Mid-Autumn (25-27 September) and National Day (1-7
    # October) follow, Saturday 10 October is a make-up workday: 7 working days end 12 October.
    in_time = penalty(registry, 1, decided="2026-09-24", at=utc("2026-10-12"))
    late = penalty(registry, 2, decided="2026-09-24", at=utc("2026-10-14"))
    # 23:30 on 12 October in UTC is already 13 October in China.
    late_by_zone = penalty(registry, 3, decided="2026-09-24", at=utc("2026-10-12", hour=17))
    assert deadline_columns(registry, in_time) == {
        "publication_due": D(2026, 10, 12),
        "published_on": D(2026, 10, 12),
        "withdrawal_due": None,
        "withdrawn_on": None,
    }
    assert deadline_columns(registry, late)["published_on"] == D(2026, 10, 14)
    assert deadline_columns(registry, late_by_zone)["published_on"] == D(2026, 10, 13)
    rows = {r["id"]: r for r in service.listed(registry, service.Filters(), by=OPERATOR, limit=10)}
    assert rows[in_time]["met"] is True and rows[in_time]["workdays_late"] == 0
    assert rows[late]["met"] is False
    assert (rows[late]["days_late"], rows[late]["workdays_late"]) == (2, 2)
    assert rows[late]["market_regulator"] is False
    missed = service.listed(registry, service.Filters(missed_only=True), by=OPERATOR, limit=10)
    assert sorted(r["id"] for r in missed) == sorted([late, late_by_zone])


def test_market_regulators_get_20_working_days(registry: Engine) -> None:
    market = penalty(registry, 11, decided="2026-09-24", at=utc("2026-10-29"), authority=MARKET)
    assert deadline_columns(registry, market)["publication_due"] == D(2026, 10, 29)
    # Recognised by the data source department alone, and by the catalog's name of SAMR.
    samr = load_catalog().departments["SAMR"].name_zh
    by_source = penalty(
        registry, 12, decided="2026-09-24", at=utc("2026-10-30"), authority=ECOLOGY, source=samr
    )
    assert deadline_columns(registry, by_source)["publication_due"] == D(2026, 10, 29)
    [row] = service.listed(registry, service.Filters(department=("SAMR",)), by=OPERATOR, limit=10)
    assert row["id"] == by_source and row["market_regulator"] and not row["met"]
    # A market regulator's warning alone is not published: no deadline, not in the report.
    warning = penalty(
        registry,
        13,
        decided="2026-09-24",
        at=utc("2026-12-01"),
        authority=MARKET,
        CF_CFLB="警告",
        CF_NR_FK="",
    )
    assert deadline_columns(registry, warning)["publication_due"] is None
    assert deadline_columns(registry, warning)["published_on"] == D(2026, 12, 1)
    listed = service.listed(registry, service.Filters(), by=OPERATOR, limit=10)
    assert warning not in {r["id"] for r in listed}


def test_a_licence_revoked_by_a_new_version(registry: Engine) -> None:
    record_id = licensing(registry, 21, decided="2026-09-01", at=utc("2026-09-02"))
    assert deadline_columns(registry, record_id)["withdrawal_due"] is None
    # The department sends the licence again as revoked (撤销) on 30 September.
    same = licensing(registry, 21, decided="2026-09-01", at=utc("2026-09-30"), XK_ZT="撤销")
    assert same == record_id
    columns = deadline_columns(registry, record_id)
    assert columns["published_on"] == D(2026, 9, 2)  # the first day stays
    assert columns["withdrawn_on"] == D(2026, 9, 30)
    assert columns["withdrawal_due"] == D(2026, 10, 10)  # Saturday, a make-up workday
    # Another version, still revoked, keeps the withdrawal it had.
    licensing(registry, 21, decided="2026-09-01", at=utc("2026-11-02"), XK_ZT="撤销", BZ="更正")
    assert deadline_columns(registry, record_id)["withdrawn_on"] == D(2026, 9, 30)
    [row] = service.listed(registry, service.Filters(kind="licensing"), by=OPERATOR, limit=10)
    assert row["withdrawal"] == {
        "due": "2026-10-10",
        "withdrawn_on": "2026-09-30",
        "met": True,
        "days_late": 0,
        "workdays_late": 0,
    }


def test_a_penalty_revoked_and_reinstated_by_status(registry: Engine) -> None:
    record_id = penalty(registry, 31, decided="2026-09-01", at=utc("2026-09-02"))
    with write_transaction(registry) as conn:
        records.set_status(conn, record_id, "revoked", actor="test", now=utc("2026-09-30"))
    columns = deadline_columns(registry, record_id)
    assert (columns["withdrawal_due"], columns["withdrawn_on"]) == (D(2026, 10, 10), D(2026, 9, 30))
    with write_transaction(registry) as conn:
        records.set_status(conn, record_id, "active", actor="test", now=utc("2026-10-15"))
    columns = deadline_columns(registry, record_id)
    assert (columns["withdrawal_due"], columns["withdrawn_on"]) == (None, None)


def test_refresh_backfills_and_is_idempotent(registry: Engine) -> None:
    plain = penalty(registry, 41, decided="2026-09-24", at=utc("2026-10-14"))
    market = penalty(registry, 42, decided="2026-09-24", at=utc("2026-10-14"), authority=MARKET)
    revoked = licensing(registry, 43, decided="2026-09-01", at=utc("2026-09-02"))
    licensing(registry, 43, decided="2026-09-01", at=utc("2026-09-30"), XK_ZT="吊销")
    before = {i: deadline_columns(registry, i) for i in (plain, market, revoked)}
    # As if written before the platform kept deadlines.
    with write_transaction(registry) as conn:
        conn.execute(
            update(credit_records).values(
                publication_due=None, published_on=None, withdrawal_due=None, withdrawn_on=None
            )
        )
    assert service.listed(registry, service.Filters(), by=OPERATOR, limit=10) == []
    result = service.refresh(registry, batch_size=2)
    assert result.to_dict() == {"published": 3, "withdrawn": 1}
    assert {i: deadline_columns(registry, i) for i in (plain, market, revoked)} == before
    assert service.refresh(registry).to_dict() == {"published": 0, "withdrawn": 0}
    with pytest.raises(PermissionDeniedError):
        service.refresh(registry, by=SUPERVISOR)


def test_summary_per_department_and_filters(registry: Engine) -> None:
    penalty(registry, 51, decided="2026-09-24", at=utc("2026-10-12"))
    penalty(registry, 52, decided="2026-09-24", at=utc("2026-10-13"))
    penalty(registry, 53, decided="2026-09-24", at=utc("2026-10-13"), authority=MARKET)
    penalty(registry, 54, decided="2025-03-03", at=utc("2025-03-04"), authority=MARKET)
    found = {s.department: s for s in service.summarize(registry)}
    assert found[ECOLOGY].to_dict() == {
        "department": ECOLOGY,
        "records": 2,
        "met": 1,
        "missed": 1,
        "share_met": 0.5,
        "withdrawals": 0,
        "withdrawals_met": 0,
        "withdrawals_missed": 0,
    }
    assert (found[MARKET].records, found[MARKET].met) == (2, 2)
    in_2026 = service.summary(
        registry,
        service.Filters(decided_from=D(2026, 1, 1), decided_to=D(2026, 12, 31)),
        by=SUPERVISOR,
    )
    assert {s["department"]: s["records"] for s in in_2026} == {ECOLOGY: 2, MARKET: 1}
    by_source = service.summarize(registry, by="source_department")
    assert {s.department for s in by_source} == {ECOLOGY, MARKET}
    page = service.listed(
        registry, service.Filters(department=(MARKET,)), by=SUPERVISOR, limit=1, offset=1
    )
    assert [r["decision_date"] for r in page] == ["2025-03-03"]
    with pytest.raises(InvalidInputError, match="kind: 'black-list' is not one of"):
        service.listed(registry, service.Filters(kind="black-list"), by=OPERATOR, limit=1)
    with pytest.raises(InvalidInputError, match="decided_to: 2026-01-01 is before"):
        service.listed(
            registry,
            service.Filters(decided_from=D(2026, 2, 1), decided_to=D(2026, 1, 1)),
            by=OPERATOR,
            limit=1,
        )
    with pytest.raises(AuthenticationError):
        service.listed(registry, service.Filters(), by=PUBLIC, limit=1)
    with pytest.raises(PermissionDeniedError):
        service.summary(registry, by=Principal("implementer", "MPS", key_id=9))
