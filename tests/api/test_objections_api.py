"""Objections over HTTP on a live server, both databases: open, the check suspended, resolve,
list (overdue), show with history; who may do what."""

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


def _listed(api: LiveServer, tmp_path: Path, serial: int = 1) -> int:
    path = write_entries(tmp_path / f"e{serial}.jsonl", [entry(serial, decided_on="2026-06-01")])
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


def _bond(api: LiveServer, serial: int = 1) -> list[str]:
    r = api.get(
        "/check",
        "implementer",
        params={
            "subject": uscc(serial),
            "department": "NDRC",
            "matter": "enterprise-bond-issuance",
        },
    )
    assert r.status_code == 200, r.text
    return [d["status"] for d in r.json()["decisions"] if d["measure"] == "mou-2016-141/01"]


def test_objection_end_to_end(api: LiveServer, tmp_path: Path) -> None:
    record = _listed(api, tmp_path)
    assert _bond(api) == ["applied"]

    opened = api.post(
        "/objections", "implementer", "MPS", json={"record_id": record, "reason": "已履行"}
    )
    assert opened.status_code == 201, opened.text
    body = opened.json()
    assert body["status"] == "open" and body["department"] == "SPC"
    assert {"due", "due_estimated", "due_warning"} <= body.keys()
    assert "MPS" in body["notified"]
    assert _bond(api) == ["suspended"]

    again = api.post("/objections", "reviewer", "SPC", json={"record_id": record, "reason": "x"})
    assert (
        again.status_code == 409 and f"objection {body['id']}" in again.json()["error"]["message"]
    )

    # Only a reviewer of the providing department resolves; a note is required.
    path = f"/objections/{body['id']}/resolve"
    refused = api.post(path, "reviewer", "NDRC", json={"outcome": "upheld", "note": "x"})
    assert refused.status_code == 403
    assert api.post(path, "reviewer", "SPC", json={"outcome": "upheld"}).status_code == 422
    assert (
        api.post(path, "reviewer", "SPC", json={"outcome": "maybe", "note": "x"}).status_code == 422
    )
    done = api.post(path, "reviewer", "SPC", json={"outcome": "rejected", "note": "无误"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "rejected" and "MPS" in done.json()["notified"]
    assert _bond(api) == ["applied"]
    twice = api.post(path, "reviewer", "SPC", json={"outcome": "upheld", "note": "x"})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "illegal-transition"

    shown = api.get(f"/objections/{body['id']}", "implementer", "MPS")
    assert shown.status_code == 200, shown.text
    assert [e["action"] for e in shown.json()["history"]] == ["open", "reject"]
    assert api.get(f"/objections/{body['id']}", "implementer", "CAAC").status_code == 403
    assert api.get("/objections/99999", "supervisor").status_code == 404

    listed = api.get("/objections", "reviewer", "SPC", params={"limit": 1})
    assert listed.status_code == 200
    page = listed.json()
    assert [o["id"] for o in page["items"]] == [body["id"]] and page["next_offset"] is None
    assert api.get("/objections", "implementer", "CAAC").json()["items"] == []
    assert api.get("/objections", "supervisor").json()["items"][0]["id"] == body["id"]
    assert api.get("/objections", "supervisor", params={"overdue": "true"}).json()["items"] == []
    assert api.get("/objections", params={}).status_code == 401


def test_upheld_and_withdrawn_over_http(api: LiveServer, tmp_path: Path) -> None:
    first = _listed(api, tmp_path, 1)
    second = _listed(api, tmp_path, 2)
    a = api.post("/objections", "initiator", "NDRC", json={"record_id": first, "reason": "错"})
    b = api.post("/objections", "initiator", "NDRC", json={"record_id": second, "reason": "错"})
    assert a.status_code == b.status_code == 201
    upheld = api.post(
        f"/objections/{a.json()['id']}/resolve",
        "reviewer",
        "SPC",
        json={"outcome": "upheld", "note": "更正"},
    )
    assert upheld.json()["status"] == "upheld"
    assert _bond(api, 1) == []
    other = api.post(f"/objections/{b.json()['id']}/withdraw", "initiator", "SAT", json={})
    assert other.status_code == 403
    withdrawn = api.post(f"/objections/{b.json()['id']}/withdraw", "reviewer", "NDRC")
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert _bond(api, 2) == ["applied"]
    statuses = api.get("/objections", "initiator", "NDRC", params={"status": "upheld"}).json()
    assert [o["id"] for o in statuses["items"]] == [a.json()["id"]]
    missing = api.post("/objections", "initiator", json={"record_id": 99999, "reason": "x"})
    assert missing.status_code == 404
