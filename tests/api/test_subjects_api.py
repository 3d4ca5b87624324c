"""Subjects and records over HTTP: the public view (published records, everything personal
masked) against a department's view (everything, audited)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from tests.api.server import LiveServer
from tests.importing.rows import penalty_row, resident_id, uscc, write_csv

from jointcredit.access import OPERATOR
from jointcredit.importing.formats import PENALTIES
from jointcredit.services import audit
from jointcredit.services.imports import import_file

COMPANY = uscc(1)
REPRESENTATIVE = resident_id(1)
HIDDEN = uscc(2)  # only an expired penalty: nothing public
PERSON = resident_id(4, birth="19900101")


def _rows() -> list[dict[str, str]]:
    return [
        # published until 2099
        penalty_row(1, CF_GSJZQ="2099-12-31"),
        # minor: not published by default
        penalty_row(
            1,
            CF_WSH="京东市监罚〔2024〕101号",
            CF_CFLB="警告",
            CF_NR="警告",
            CF_NR_FK="",
        ),
        # general, decided long ago: its publication window has closed
        penalty_row(2, CF_JDRQ="2020-01-06"),
        # a person, published
        penalty_row(
            4,
            CF_XDR_MC="张测试",
            CF_XDR_LB="自然人",
            CF_XDR_SHXYM="",
            CF_FRDB="",
            CF_FR_ZJLX="",
            CF_FR_ZJHM="",
            CF_XDR_ZJLX="身份证",
            CF_XDR_ZJHM=PERSON,
            CF_GSJZQ="2099-12-31",
        ),
    ]


@pytest.fixture
def filled(api: LiveServer, tmp_path: Path) -> LiveServer:
    path = write_csv(tmp_path / "penalties.csv", _rows(), PENALTIES)
    summary = import_file(api.engine, "penalty", path)
    assert summary.accepted == 4 and not summary.rejected, summary.to_dict()
    return api


def _audit(engine: Engine, action: str) -> list[dict[str, Any]]:
    return audit.page(engine, by=OPERATOR, limit=100, action=action)


def _audit_count(engine: Engine) -> int:
    return len(audit.page(engine, by=OPERATOR, limit=10_000))


def test_public_view_is_masked_and_not_audited(filled: LiveServer) -> None:
    before = _audit_count(filled.engine)
    r = filled.get(f"/subjects/{COMPANY}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["view"] == "public"
    assert body["subject"]["identifier"] == COMPANY  # an organisation's code is public
    [relation] = body["relations"]
    assert relation["role"] == "legal-representative"
    assert relation["subject_is"] == "organisation"
    assert relation["other"]["identifier"] == REPRESENTATIVE[:6] + "********" + REPRESENTATIVE[-4:]
    assert relation["other"]["name"] == "王**"
    assert REPRESENTATIVE not in r.text

    records = filled.get(f"/subjects/{COMPANY}/records")
    assert records.status_code == 200, records.text
    page = records.json()
    [record] = page["items"]  # the minor penalty is not published
    assert record["document_number"] == "京东市监罚〔2024〕1号"
    # Of the payload only what the portal shows: no representative, no facts (CF_SY).
    assert set(record["payload"]) == {"CF_WFXW", "CF_CFLB", "CF_NR"}
    assert record["id"] is None and len(record["ref"]) == 26
    assert REPRESENTATIVE not in records.text
    assert page["next_offset"] is None

    one = filled.get(f"/records/{record['ref']}")
    assert one.status_code == 200, one.text
    assert one.json()["history"] is None
    assert REPRESENTATIVE not in one.text
    assert _audit_count(filled.engine) == before


def test_a_person_is_masked_even_when_asked_by_number(filled: LiveServer) -> None:
    for path in (f"/subjects/{PERSON}", f"/subjects/{PERSON}/records"):
        r = filled.get(path)
        assert r.status_code == 200, r.text
        assert PERSON not in r.text
        assert "张测试" not in r.text
    body = filled.get(f"/subjects/{PERSON}").json()
    assert body["subject"]["identifier"] == PERSON[:6] + "********" + PERSON[-4:]
    assert body["subject"]["name"] == "张**"
    assert all(i["value"] != PERSON for i in body["identifiers"])


def test_public_sees_nothing_of_a_subject_without_published_records(filled: LiveServer) -> None:
    for path in (f"/subjects/{HIDDEN}", f"/subjects/{HIDDEN}/records"):
        r = filled.get(path)
        assert r.status_code == 404, r.text
        assert r.json()["error"]["code"] == "not-found"
    # … exactly as for a subject the registry does not know.
    unknown = filled.get(f"/subjects/{uscc(99)}")
    assert unknown.status_code == 404
    assert unknown.json() == filled.get(f"/subjects/{HIDDEN}").json()
    # A record outside its window is not found either.
    minor = filled.get(f"/subjects/{COMPANY}/records", "implementer").json()["items"]
    hidden = next(r for r in minor if r["severity"] == "minor")
    assert filled.get(f"/records/{hidden['ref']}").status_code == 404


def test_department_view_is_shared_and_audited(filled: LiveServer) -> None:
    r = filled.get(f"/subjects/{COMPANY}", "implementer")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["view"] == "shared"
    assert {"type": "uscc", "value": COMPANY} in body["identifiers"]
    # another person than the subject asked about: masked for departments too
    assert REPRESENTATIVE not in r.text
    assert body["relations"][0]["other"]["name"] == "王测试"
    [row] = _audit(filled.engine, "read-subject")
    assert row["subject"] == COMPANY and row["department"] == "NDRC"
    assert row["role"] == "implementer" and row["result_digest"]

    records = filled.get(f"/subjects/{COMPANY}/records", "reviewer")
    assert records.status_code == 200, records.text
    items = records.json()["items"]
    assert sorted(r["severity"] for r in items) == ["general", "minor"]
    assert all(r["status"] == "active" for r in items)
    assert REPRESENTATIVE not in records.text
    [read] = _audit(filled.engine, "read-record")
    assert read["subject"] == COMPANY
    assert sorted(read["detail"]["records"]) == sorted(r["id"] for r in items)


def test_department_sees_the_person_it_asked_about(filled: LiveServer) -> None:
    r = filled.get(f"/subjects/{PERSON}", "supervisor")
    assert r.status_code == 200, r.text
    assert r.json()["subject"]["identifier"] == PERSON
    assert r.json()["subject"]["name"] == "张测试"
    records = filled.get(f"/subjects/{PERSON}/records", "supervisor").json()["items"]
    assert records[0]["payload"]["CF_XDR_ZJHM"] == PERSON


def test_a_record_with_its_history_for_departments(filled: LiveServer) -> None:
    listed = filled.get(f"/subjects/{COMPANY}/records", "implementer").json()["items"]
    record_id = listed[0]["id"]
    r = filled.get(f"/records/{record_id}", "implementer")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["subject"]["identifier"] == COMPANY
    [version] = body["history"]
    assert version["version"] == 1 and version["event"] == "created"
    assert version["actor"] == "cli"
    assert REPRESENTATIVE not in r.text
    rows = [row for row in _audit(filled.engine, "read-record") if row["record_id"] == record_id]
    assert len(rows) == 1 and rows[0]["subject"] == COMPANY
    assert filled.get("/records/999999", "implementer").status_code == 404


def test_records_are_paginated(filled: LiveServer) -> None:
    first = filled.get(f"/subjects/{COMPANY}/records", "implementer", params={"limit": 1})
    page = first.json()
    assert len(page["items"]) == 1 and page["next_offset"] == 1
    second = filled.get(
        f"/subjects/{COMPANY}/records", "implementer", params={"limit": 1, "offset": 1}
    ).json()
    assert len(second["items"]) == 1 and second["next_offset"] is None
    assert second["items"][0]["id"] != page["items"][0]["id"]
    # newest decision first
    assert page["items"][0]["decision_date"] >= second["items"][0]["decision_date"]


def test_odd_identifiers_are_answered_not_crashed(sqlite_api: LiveServer) -> None:
    assert sqlite_api.get("/subjects/%00").status_code == 422
    assert sqlite_api.get("/subjects/" + "9" * 65).status_code == 422
    assert sqlite_api.get("/subjects/\u00ad").status_code == 404
    assert sqlite_api.get("/records/licensing").status_code == 405
    assert sqlite_api.get("/subjects/-").status_code == 404
    assert sqlite_api.get("/records/0").status_code == 422
    assert sqlite_api.get("/subjects/测试").status_code == 404
