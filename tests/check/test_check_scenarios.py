"""Scenarios written from the memoranda: the check on a real registry, both databases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.importing.rows import (
    LICENSING,
    PENALTIES,
    licensing_row,
    penalty_row,
    resident_id,
    uscc,
    write_csv,
)

from jointcredit.services.check import CheckInputError, check
from jointcredit.services.imports import import_file
from jointcredit.store import records
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import credit_records

from .entries import entry, write_entries

TODAY = dt.date(2026, 11, 27)
REP = {"role": "legal-representative", "name": "王测试", "id_number": resident_id(501)}


def _load(engine: Engine, tmp_path: Path, entries: list[dict]) -> None:  # type: ignore[type-arg]
    summary = import_file(
        engine, "list-entry", write_entries(tmp_path / "e.jsonl", entries), today=TODAY
    )
    assert summary.rejected == [], summary.rejected


def _measures(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {d.measure for d in result.decisions}


def test_a_listed_companys_legal_representative_buying_an_air_ticket(
    registry: Engine, tmp_path: Path
) -> None:
    _load(registry, tmp_path, [entry(1, persons=[REP])])
    result = check(
        registry,
        REP["id_number"],
        department="CAAC",
        matter="air-travel",
        as_of=dt.date(2025, 1, 10),
    )
    assert result.subject is not None and result.subject.kind == "natural-person"
    reached = [d for d in result.decisions if d.via]
    assert reached, "the legal representative of a listed defaulter may not fly"
    for d in reached:
        assert d.via == {"role": "legal-representative", "organisation": uscc(1)}
        assert d.kind == "punishment" and d.status == "applied" and d.legal_basis
    assert "opinions-2016-64/07-1" in _measures(result)
    # The company itself is checked too, for the same matter, as the subject.
    company = check(
        registry, uscc(1), department="CAAC", matter="air-travel", as_of=dt.date(2025, 1, 10)
    )
    assert all(d.via is None for d in company.decisions)
    assert "opinions-2016-64/07-1" in _measures(company)


def test_a_person_is_not_reached_through_a_role_no_measure_targets(
    registry: Engine, tmp_path: Path
) -> None:
    """mou-2016-141/01 (no enterprise bonds) targets only the subject: its legal
    representative is not reached by it."""
    _load(registry, tmp_path, [entry(1, persons=[REP])])
    result = check(
        registry,
        REP["id_number"],
        department="NDRC",
        matter="enterprise-bond-issuance",
        as_of=dt.date(2025, 1, 10),
    )
    assert "mou-2016-141/01" not in _measures(result)


def test_a_court_defaulter_applying_for_a_bond_issue(registry: Engine, tmp_path: Path) -> None:
    _load(registry, tmp_path, [entry(2)])
    result = check(
        registry,
        uscc(2),
        department="NDRC",
        matter="enterprise-bond-issuance",
        as_of=dt.date(2025, 1, 10),
    )
    [bond] = [d for d in result.decisions if d.measure == "mou-2016-141/01"]
    assert bond.kind == "punishment" and bond.status == "applied"
    assert bond.list_type == "judgment-defaulters"
    assert bond.document_number == "（2024）京0101执2号"
    assert bond.until == dt.date(2026, 3, 4), "the default period of two years, last day"
    assert bond.legal_basis and bond.entry is not None
    as_dict = result.to_dict()
    assert set(as_dict) == {
        "subject",
        "department",
        "matter",
        "as_of",
        "catalog_version",
        "decisions",
    }
    assert as_dict["catalog_version"].startswith("sha256:")


def test_an_a_grade_taxpayer_at_an_approval_office(registry: Engine, tmp_path: Path) -> None:
    _load(
        registry,
        tmp_path,
        [
            entry(
                3,
                "a-grade-taxpayers",
                department="SAT",
                legal_basis="纳税信用管理办法（试行）第十八条",
            )
        ],
    )
    result = check(
        registry,
        uscc(3),
        department="MOFCOM",
        matter="administrative-approval-green-channel",
        as_of=dt.date(2024, 6, 1),
    )
    incentives = {d.measure for d in result.decisions if d.kind == "incentive"}
    assert {"mou-2016-1467/01", "policy-2016-33/04-red"} <= incentives
    assert all(d.kind == "incentive" for d in result.decisions)


def test_a_subject_with_three_clean_years(registry: Engine, tmp_path: Path) -> None:
    old = licensing_row(4, XK_JDRQ="2021-05-01", XK_YXQZ="2021-05-01", XK_YXQZI="2031-04-30")
    import_file(registry, "licensing", write_csv(tmp_path / "l.csv", [old], LICENSING), today=TODAY)
    clean = check(
        registry, uscc(4), department="SAMR", matter="administrative-licensing", as_of=TODAY
    )
    assert "policy-2016-33/04-clean" in _measures(clean)
    [d] = [d for d in clean.decisions if d.measure == "policy-2016-33/04-clean"]
    assert (d.entry, d.list_type, d.status) == (None, None, "applied")
    # A general penalty within the three years breaks the clean record ...
    import_file(
        registry,
        "penalty",
        write_csv(tmp_path / "p.csv", [penalty_row(4, CF_JDRQ="2025-02-01")], PENALTIES),
        today=TODAY,
    )
    broken = check(
        registry, uscc(4), department="SAMR", matter="administrative-licensing", as_of=TODAY
    )
    assert "policy-2016-33/04-clean" not in _measures(broken)
    # ... but not a check for a day before the penalty was decided.
    before = check(
        registry,
        uscc(4),
        department="SAMR",
        matter="administrative-licensing",
        as_of=dt.date(2025, 1, 31),
    )
    assert "policy-2016-33/04-clean" in _measures(before)


def test_a_minor_penalty_keeps_the_record_clean(registry: Engine, tmp_path: Path) -> None:
    old = licensing_row(5, XK_JDRQ="2020-05-01", XK_YXQZ="2020-05-01", XK_YXQZI="2030-04-30")
    warning = penalty_row(5, CF_CFLB="警告", CF_NR_FK="", CF_JDRQ="2025-02-01")
    import_file(registry, "licensing", write_csv(tmp_path / "l.csv", [old], LICENSING), today=TODAY)
    import_file(
        registry, "penalty", write_csv(tmp_path / "p.csv", [warning], PENALTIES), today=TODAY
    )
    result = check(
        registry, uscc(5), department="SAMR", matter="administrative-licensing", as_of=TODAY
    )
    assert "policy-2016-33/04-clean" in _measures(result)


def test_a_new_or_unknown_subject_earns_no_clean_record_incentive(
    registry: Engine, tmp_path: Path
) -> None:
    recent = licensing_row(6, XK_JDRQ="2025-05-01", XK_YXQZ="2025-05-01", XK_YXQZI="2030-04-30")
    import_file(
        registry, "licensing", write_csv(tmp_path / "l.csv", [recent], LICENSING), today=TODAY
    )
    assert (
        check(
            registry, uscc(6), department="SAMR", matter="administrative-licensing", as_of=TODAY
        ).decisions
        == ()
    )
    unknown = check(
        registry, uscc(99), department="SAMR", matter="administrative-licensing", as_of=TODAY
    )
    assert unknown.subject is None and unknown.decisions == ()


def test_an_entry_that_expired_yesterday(registry: Engine, tmp_path: Path) -> None:
    _load(registry, tmp_path, [entry(7, valid_from="2024-01-01", valid_until="2025-06-30")])
    ask = dict(department="NDRC", matter="enterprise-bond-issuance")
    assert check(registry, uscc(7), as_of=dt.date(2025, 7, 1), **ask).decisions == ()
    last_day = check(registry, uscc(7), as_of=dt.date(2025, 6, 30), **ask)
    assert "mou-2016-141/01" in _measures(last_day)
    assert check(registry, uscc(7), as_of=dt.date(2023, 12, 31), **ask).decisions == ()


def test_objection_suspends_and_repair_ends_with_history(registry: Engine, tmp_path: Path) -> None:
    _load(registry, tmp_path, [entry(8, decided_on="2026-06-01", valid_until="2028-05-31")])
    ask = dict(department="NDRC", matter="enterprise-bond-issuance")
    with registry.connect() as conn:
        record_id = conn.execute(select(credit_records.c.id)).scalar_one()
    # The entry was recorded today; an objection follows in ten days, a repair in twenty.
    today = dt.datetime.now(dt.UTC)
    day = today.date()
    with write_transaction(registry) as conn:
        records.set_status(
            conn,
            record_id,
            "disputed",
            actor="test",
            now=today + dt.timedelta(days=10),
            reason="objection",
        )
    during = check(registry, uscc(8), as_of=day + dt.timedelta(days=12), **ask)
    assert {d.status for d in during.decisions} == {"suspended"}
    before = check(registry, uscc(8), as_of=day + dt.timedelta(days=9), **ask)
    assert {d.status for d in before.decisions} == {"applied"}, "as the registry stood then"
    with write_transaction(registry) as conn:
        records.set_status(
            conn, record_id, "repaired", actor="test", now=today + dt.timedelta(days=20)
        )
    assert check(registry, uscc(8), as_of=day + dt.timedelta(days=21), **ask).decisions == ()
    between = check(registry, uscc(8), as_of=day + dt.timedelta(days=15), **ask)
    assert {d.status for d in between.decisions} == {"suspended"}


def test_bad_check_input_is_refused_clearly(registry: Engine) -> None:
    with pytest.raises(CheckInputError, match="not a valid USCC or resident identity number"):
        check(registry, "12345", department="SPC", matter="air-travel")
    with pytest.raises(CheckInputError, match="department 'NOPE'"):
        check(registry, uscc(1), department="NOPE", matter="air-travel")
    with pytest.raises(CheckInputError, match="matter 'nope'"):
        check(registry, uscc(1), department="SPC", matter="nope")


def test_list_entry_import_validates_against_the_catalog(registry: Engine, tmp_path: Path) -> None:
    bad = [
        entry(10, "no-such-list"),
        entry(11, department="NOPE"),
        entry(12, "a-grade-taxpayers", kind="natural-person"),
        entry(13, persons=[{"role": "boss", "name": "x", "id_number": resident_id(1)}]),
        entry(14, legal_basis=""),
        entry(15, decided_on="2099-01-01"),
    ]
    summary = import_file(
        registry, "list-entry", write_entries(tmp_path / "b.jsonl", bad), today=TODAY
    )
    assert summary.accepted == 0 and summary.rejected_rows == 6
    fields = {(r["row"], r["field"]) for r in summary.rejected}
    assert {
        (1, "list_type"),
        (2, "department"),
        (3, "subject.kind"),
        (4, "persons[0].role"),
        (5, "legal_basis"),
        (6, "decided_on"),
    } <= fields


def test_a_mistyped_resident_id_that_passes_the_uscc_check_is_refused(registry: Engine) -> None:
    """About one mistyped resident identity number in 31 passes the USCC check: answering it as
    an unknown subject with no measures would let a defaulter through."""
    from jointcredit.identifiers.checkchars import USCC_ALPHABET, ric_check_char, uscc_check_char

    body = "11010119850203003"
    right = ric_check_char(body)
    wrong = uscc_check_char(body)
    assert wrong != right and wrong in "0123456789" and wrong in USCC_ALPHABET
    with pytest.raises(CheckInputError, match="check digit is wrong"):
        check(registry, body + wrong, department="NDRC", matter="enterprise-bond-issuance")
    assert (
        check(registry, body + right, department="NDRC", matter="enterprise-bond-issuance").subject
        is None
    )
