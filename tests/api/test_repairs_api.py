"""Credit repair over HTTP on a live server, both databases: apply, accept, decide; sharing
stops on approval; ineligible applications refused with the reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from tests.api.server import LiveServer
from tests.check.entries import entry, write_entries
from tests.importing.rows import uscc

from jointcredit.services import push
from jointcredit.services.imports import import_file
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import credit_records

PROMISE = "本公司承诺依法诚信纳税。"


def _entry(
    api: LiveServer, tmp_path: Path, serial: int, list_type: str, department: str, decided: str
) -> int:
    path = write_entries(
        tmp_path / f"e{serial}.jsonl",
        [entry(serial, list_type, department=department, decided_on=decided)],
    )
    assert import_file(api.engine, "list-entry", path).accepted == 1
    with api.engine.connect() as conn:
        record = int(
            conn.execute(
                select(credit_records.c.id).order_by(credit_records.c.id.desc()).limit(1)
            ).scalar_one()
        )
    with write_transaction(api.engine) as conn:
        push.emit(conn, record, "entry.listed", now=dt.datetime.now(dt.UTC))
    return record


def _exit_control(api: LiveServer, serial: int) -> list[str]:
    r = api.get(
        "/check",
        "implementer",
        "MPS",
        params={"subject": uscc(serial), "department": "MPS", "matter": "exit-control"},
    )
    assert r.status_code == 200, r.text
    return [d["status"] for d in r.json()["decisions"] if d["measure"] == "mou-2016-2798/02"]


def test_repair_end_to_end(api: LiveServer, tmp_path: Path) -> None:
    record = _entry(api, tmp_path, 1, "major-tax-violation-parties", "SAT", "2025-06-02")
    assert _exit_control(api, 1) == ["applied"]
    body = {
        "record_id": record,
        "commitment": PROMISE,
        "obligations_met": True,
        "evidence": "已补缴",
    }
    assert api.post("/repairs", "implementer", "MPS", json=body).status_code == 403
    applied = api.post("/repairs", "initiator", "NDRC", json=body)
    assert applied.status_code == 201, applied.text
    repair = applied.json()
    assert repair["status"] == "applied" and repair["department"] == "SAT"
    assert {"due", "due_estimated", "due_warning"} <= repair.keys()
    assert api.post("/repairs", "initiator", "NDRC", json=body).status_code == 409

    accept = f"/repairs/{repair['id']}/accept"
    assert api.post(accept, "reviewer", "SAMR").status_code == 403
    accepted = api.post(accept, "reviewer", "SAT")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"

    decide = f"/repairs/{repair['id']}/decide"
    assert api.post(decide, "reviewer", "SAT", json={"approve": True}).status_code == 422
    approved = api.post(decide, "reviewer", "SAT", json={"approve": True, "note": "符合条件"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and "MPS" in approved.json()["notified"]
    assert _exit_control(api, 1) == []

    # Sharing stops for departments' keys; a supervisor still sees the record.
    assert api.get(f"/records/{record}", "implementer", "MPS").status_code == 404
    records = api.get(f"/subjects/{uscc(1)}/records", "implementer", "MPS").json()["items"]
    assert records == []
    seen = api.get(f"/records/{record}", "supervisor")
    assert seen.status_code == 200 and seen.json()["status"] == "repaired"

    shown = api.get(f"/repairs/{repair['id']}", "initiator", "NDRC")
    assert [e["action"] for e in shown.json()["history"]] == ["apply", "accept", "approve"]
    assert api.get(f"/repairs/{repair['id']}", "implementer", "MPS").status_code == 403
    listed = api.get("/repairs", "reviewer", "SAT").json()
    assert [r["id"] for r in listed["items"]] == [repair["id"]]
    assert api.get("/repairs", "reviewer", "SAMR").json()["items"] == []
    assert api.get("/repairs", "admin", params={"status": "approved"}).json()["items"]
    assert (
        api.post(decide, "reviewer", "SAT", json={"approve": False, "note": "x"}).status_code == 409
    )


def test_ineligible_applications_are_refused_with_the_reason(
    api: LiveServer, tmp_path: Path
) -> None:
    court = _entry(api, tmp_path, 2, "judgment-defaulters", "SPC", "2026-06-01")
    young = _entry(api, tmp_path, 3, "major-tax-violation-parties", "SAT", "2026-06-01")
    base = {"commitment": PROMISE, "obligations_met": True}
    r = api.post("/repairs", "reviewer", json=base | {"record_id": court})
    assert r.status_code == 422 and "court removes it" in r.json()["error"]["message"]
    r = api.post("/repairs", "reviewer", json=base | {"record_id": young})
    assert r.status_code == 422 and "2027-06-01" in r.json()["error"]["message"]
    r = api.post("/repairs", "reviewer", json={"record_id": young, "commitment": "x"})
    assert r.status_code == 422, "obligations_met is required"
    # Refused at acceptance, and decided while not yet accepted.
    old = _entry(api, tmp_path, 4, "major-tax-violation-parties", "SAT", "2025-01-06")
    first = api.post("/repairs", "reviewer", json=base | {"record_id": old}).json()
    refused = api.post(
        f"/repairs/{first['id']}/accept",
        "reviewer",
        "SAT",
        json={"accept": False, "note": "缺材料"},
    )
    assert refused.json()["status"] == "rejected"
    second = api.post("/repairs", "reviewer", json=base | {"record_id": old}).json()
    rejected = api.post(
        f"/repairs/{second['id']}/decide", "reviewer", "SAT", json={"approve": False, "note": "否"}
    )
    assert rejected.json()["status"] == "rejected"
    assert _exit_control(api, 4) == ["applied"]
