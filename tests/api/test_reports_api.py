"""Confidential reports over HTTP: the reporter sealed at rest, shown only to a reviewer of the
competent department, every opening audited, never echoed, never logged."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import text
from tests.api.server import LiveServer

from jointcredit.access import OPERATOR
from jointcredit.services import audit, tipoffs

NAME = "举报人王测试"
CONTACT = "reporter-7731@example.org"
ID_NUMBER = "110101198001010010"
SECRETS = (NAME, CONTACT, ID_NUMBER)


def report(department: str = "NDRC", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "department": department,
        "subject": "91110101JC00000108",
        "subject_name": "测试1有限公司",
        "category": "contract-fraud",
        "description": "涉嫌虚构交易骗取财政补贴。",
        "reporter": {"name": NAME, "contact": CONTACT, "id_number": ID_NUMBER},
    }
    body.update(changes)
    return body


def assert_no_secret(value: Any) -> None:
    dumped = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in dumped


#: NDRC's passphrase for its reporter key (tests/security/test_reporters_sealed.py tests the key
#: itself; here it is only what opening takes).
PASSPHRASE = "NDRC reviewers only: the river runs east 2026"
OPEN = {"X-Department-Passphrase": PASSPHRASE}


def department_key(api: LiveServer, department: str = "NDRC") -> None:
    tipoffs.init_key(api.engine, department, PASSPHRASE, by=OPERATOR)


def submit(api: LiveServer, department: str = "NDRC") -> dict[str, Any]:
    r = api.post("/reports", json=report(department))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_anyone_reports_and_the_answer_holds_no_reporter(api: LiveServer) -> None:
    r = api.post("/reports", json=report())
    assert r.status_code == 201, r.text
    assert_no_secret(r.text)
    body = r.json()
    assert body["department"] == "NDRC" and body["subject"] == "91110101JC00000108"
    assert body["status"] == "received"
    # The receipt code, shown this once, and the department's time limit.
    assert len(body["receipt"]) == 19 and body["due"] and body["overdue"] is False
    assert body["handler"] is None and body["outcome"] is None
    # A department's key may report too.
    assert api.post("/reports", "initiator", json=report()).status_code == 201


def test_the_reporter_is_sealed_at_rest_and_never_in_the_audit_log(api: LiveServer) -> None:
    created = submit(api)
    with api.engine.connect() as conn:
        row = (
            conn.execute(text("SELECT * FROM reports WHERE id = :id"), {"id": created["id"]})
            .mappings()
            .one()
        )
        audit_rows = conn.execute(text("SELECT * FROM audit_log")).mappings().all()
    assert row["reporter_ciphertext"]
    assert_no_secret({k: str(v) for k, v in row.items()})
    assert_no_secret([{k: str(v) for k, v in r.items()} for r in audit_rows])


def test_a_reviewer_of_the_department_opens_the_reporter_audited(api: LiveServer) -> None:
    department_key(api)
    created = submit(api)
    path = f"/reports/{created['id']}/reporter"
    r = api.get(path, "reviewer", headers=OPEN)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "report": created["id"],
        "reporter": {"name": NAME, "contact": CONTACT, "id_number": ID_NUMBER},
    }
    rows = audit.page(api.engine, by=OPERATOR, limit=10, action="read-reporter")
    assert len(rows) == 1
    assert rows[0]["record_id"] == created["id"] and rows[0]["department"] == "NDRC"
    assert rows[0]["role"] == "reviewer"
    assert_no_secret(rows[0])
    # Nobody else: another department's reviewer, a supervisor, an admin, the public.
    for role, department, status in (
        ("reviewer", "SPC", 403),
        ("supervisor", "NDRC", 403),
        ("admin", "NDRC", 403),
        ("implementer", "NDRC", 403),
        (None, "NDRC", 401),
    ):
        refused = api.get(path, role, department, headers=OPEN)
        assert refused.status_code == status, (role, department, refused.text)
        assert_no_secret(refused.text)
    assert len(audit.page(api.engine, by=OPERATOR, limit=10, action="read-reporter")) == 1
    assert api.get("/reports/999999/reporter", "reviewer", headers=OPEN).status_code == 404


def test_reviewers_list_their_departments_reports_without_reporters(api: LiveServer) -> None:
    ours = [submit(api)["id"] for _ in range(3)]
    submit(api, "SPC")
    r = api.get("/reports", "reviewer", params={"limit": 2})
    assert r.status_code == 200, r.text
    assert_no_secret(r.text)
    page = r.json()
    assert [x["id"] for x in page["items"]] == ours[::-1][:2]
    assert page["next_offset"] == 2
    rest = api.get("/reports", "reviewer", params={"limit": 2, "offset": 2}).json()
    assert [x["id"] for x in rest["items"]] == ours[:1] and rest["next_offset"] is None
    assert [x["department"] for x in api.get("/reports", "reviewer", "SPC").json()["items"]] == [
        "SPC"
    ]
    assert api.get("/reports", "supervisor").status_code == 403
    assert api.get("/reports").status_code == 401
    assert audit.page(api.engine, by=OPERATOR, limit=1, action="read-reports")


@pytest.mark.parametrize(
    "changes",
    [
        {"reporter": {"name": NAME, "contact": CONTACT + "x" * 200, "id_number": ID_NUMBER}},
        {"reporter": {"name": NAME, "contact": CONTACT, "id_number": ID_NUMBER, "extra": 1}},
        {"reporter": {"name": NAME + "\x00", "contact": CONTACT, "id_number": ID_NUMBER}},
        {"reporter": {"name": [NAME], "contact": {"c": CONTACT}, "id_number": ID_NUMBER}},
        {"reporter": f"{NAME} {CONTACT} {ID_NUMBER}"},
        {"reporter": {"name": NAME, "contact": CONTACT, "id_number": ID_NUMBER + "9" * 64}},
        {"subject": "not-a-uscc"},
        {"department": "NOPE"},
        {"description": "   "},
        {"description": None},
    ],
    ids=lambda c: ",".join(c),
)
def test_a_refused_report_does_not_echo_the_reporter(
    sqlite_api: LiveServer, changes: dict[str, Any]
) -> None:
    r = sqlite_api.post("/reports", json=report(**changes))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid-input"
    assert_no_secret(r.text)


def test_malformed_json_is_not_echoed(sqlite_api: LiveServer) -> None:
    raw = json.dumps(report(), ensure_ascii=False)[:-5]
    r = sqlite_api.post(
        "/reports", content=raw.encode(), headers={"content-type": "application/json"}
    )
    assert r.status_code == 422, r.text
    assert_no_secret(r.text)


def test_sealed_data_moved_to_another_report_does_not_open(
    api: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    department_key(api)
    first, second = submit(api), submit(api)
    with api.engine.begin() as conn:
        sealed = conn.execute(
            text("SELECT reporter_ciphertext FROM reports WHERE id = :id"), {"id": first["id"]}
        ).scalar_one()
        conn.execute(
            text("UPDATE reports SET reporter_ciphertext = :s WHERE id = :id"),
            {"s": sealed, "id": second["id"]},
        )
    r = api.get(f"/reports/{second['id']}/reporter", "reviewer", headers=OPEN)
    assert r.status_code == 500, r.text
    error = r.json()["error"]
    assert error["code"] == "integrity"
    assert f"report {second['id']}" in error["message"]
    assert_no_secret(r.text)
    # Not opened, so not recorded as opened; the first report still opens.
    assert not audit.page(api.engine, by=OPERATOR, limit=10, action="read-reporter")
    assert api.get(f"/reports/{first['id']}/reporter", "reviewer", headers=OPEN).status_code == 200
    assert_no_secret(caplog.text)
    assert PASSPHRASE not in caplog.text
