"""Initiation and review over HTTP on a live server: propose, return, resubmit, approve, the
check before and after, messages, history; who may take which step; the refusals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from tests.api.server import LiveServer
from tests.check.entries import entry
from tests.importing.rows import uscc

from jointcredit import clock
from jointcredit.store.tables import messages

AIR = {"matter": "air-travel", "department": "CAAC"}


def _punishments(api: LiveServer, identifier: str, as_of: str = "2025-01-10") -> list[Any]:
    r = api.get(
        "/check",
        "implementer",
        department="CAAC",
        params={"subject": identifier, "as_of": as_of} | AIR,
    )
    assert r.status_code == 200, r.text
    return [d for d in r.json()["decisions"] if d["kind"] == "punishment"]


def test_propose_return_resubmit_approve_end(api: LiveServer) -> None:
    company = uscc(401)
    body = {"action": "create", "entry": entry(401, valid_until="2099-12-31")}
    r = api.post("/proposals", "initiator", department="SPC", json=body)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["status"] == "submitted" and made["due"] and made["due_warning"] is None
    assert made["next_actions"] == ["approve", "return", "withdraw"]
    pid = made["id"]
    assert _punishments(api, company) == []

    # The initiator may not review; a reviewer of another department may not either.
    assert api.post(f"/proposals/{pid}/approve", "initiator", department="SPC").status_code == 403
    other = api.post(f"/proposals/{pid}/approve", "reviewer", department="NDRC")
    assert other.status_code == 403, other.text
    empty = api.post(f"/proposals/{pid}/return", "reviewer", department="SPC", json={"note": ""})
    assert empty.status_code == 422

    returned = api.post(
        f"/proposals/{pid}/return", "reviewer", department="SPC", json={"note": "请补充法律依据"}
    )
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned" and returned.json()["note"] == "请补充法律依据"
    early = api.post(f"/proposals/{pid}/approve", "reviewer", department="SPC")
    assert early.status_code == 409, early.text
    assert early.json()["error"]["code"] == "illegal-transition"
    assert "returned: approve needs status submitted" in early.json()["error"]["message"]

    fixed = entry(401, valid_until="2099-12-31", legal_basis="法释〔2017〕7号第一条")
    again = api.post(
        f"/proposals/{pid}/resubmit",
        "initiator",
        department="SPC",
        json={"entry": fixed, "note": "已补充"},
    )
    assert again.status_code == 200, again.text
    assert again.json()["legal_basis"] == "法释〔2017〕7号第一条"

    approved = api.post(
        f"/proposals/{pid}/approve", "reviewer", department="SPC", json={"note": "同意"}
    )
    assert approved.status_code == 200, approved.text
    record = approved.json()["record_id"]
    assert approved.json()["messages"] > 0
    assert {d["status"] for d in _punishments(api, company)} == {"applied"}
    twice = api.post(f"/proposals/{pid}/approve", "reviewer", department="SPC")
    assert twice.status_code == 409
    assert "cannot be approved again" in twice.json()["error"]["message"]

    shown = api.get(f"/proposals/{pid}", "initiator", department="SPC").json()
    assert [s["action"] for s in shown["history"]] == ["submit", "return", "resubmit", "approve"]
    assert shown["history"][1]["note"] == "请补充法律依据"
    assert len({s["actor"] for s in shown["history"]}) == 2

    end = api.post(
        "/proposals",
        "initiator",
        department="SPC",
        json={
            "action": "end",
            "record_id": record,
            "reason": "已履行",
            "grounds_ended_on": "2026-11-02",
            "document_number": "（2026）京0101执恢401号",
            "legal_basis": "法释〔2017〕7号第十条",
        },
    )
    assert end.status_code == 201, end.text
    ended = api.post(f"/proposals/{end.json()['id']}/approve", "reviewer", department="SPC")
    assert ended.status_code == 200, ended.text
    today = clock.today().isoformat()  # the platform's day (China's), not reviewed_at's UTC day
    assert _punishments(api, company, today) == []
    with api.engine.connect() as conn:
        reasons = set(
            conn.execute(
                select(messages.c.reason, func.count())
                .where(messages.c.record_id == record, messages.c.event == "entry.ended")
                .group_by(messages.c.reason)
            ).scalars()
        )
    assert reasons == {"grounds-ended"}


def test_lists_are_paginated_and_per_department(sqlite_api: LiveServer) -> None:
    api = sqlite_api
    ids = [
        api.post(
            "/proposals",
            "initiator",
            department="SPC",
            json={"action": "create", "entry": entry(n)},
        ).json()["id"]
        for n in (411, 412, 413)
    ]
    ndrc = api.post(
        "/list-entries", "initiator", department="NDRC", json=entry(414, department="NDRC")
    )
    assert ndrc.status_code == 202, ndrc.text
    page = api.get("/proposals", "reviewer", department="SPC", params={"limit": 2}).json()
    assert [p["id"] for p in page["items"]] == ids[:0:-1] and page["next_offset"] == 2
    rest = api.get("/proposals", "reviewer", department="SPC", params={"offset": 2}).json()
    assert [p["id"] for p in rest["items"]] == ids[:1] and rest["next_offset"] is None
    everyone = api.get("/proposals", "supervisor", department="MPS").json()["items"]
    assert {p["department"] for p in everyone} == {"SPC", "NDRC"}
    one = api.get("/proposals", "admin", params={"department": "NDRC"}).json()["items"]
    assert [p["id"] for p in one] == [ndrc.json()["id"]]
    assert api.get("/proposals", "reviewer", params={"status": "nope"}).status_code == 422
    submitted = api.get("/proposals", "reviewer", department="SPC", params={"status": "submitted"})
    assert len(submitted.json()["items"]) == 3
    assert api.get("/proposals", "reviewer", params={"overdue": True}).json()["items"] == []
    # Another department's proposal is not shown to an initiator or reviewer.
    hidden = api.get(f"/proposals/{ids[0]}", "reviewer", department="NDRC")
    assert hidden.status_code == 404
    assert api.get("/proposals", "implementer").status_code == 403
    assert api.get("/proposals").status_code == 401


def test_changes_and_refusals(sqlite_api: LiveServer) -> None:
    api = sqlite_api
    made = api.post(
        "/proposals", "initiator", department="SPC", json={"action": "create", "entry": entry(421)}
    ).json()
    record = api.post(f"/proposals/{made['id']}/approve", "reviewer", department="SPC").json()[
        "record_id"
    ]
    change = {
        "action": "change",
        "record_id": record,
        "changes": {"valid_until": "2027-03-04"},
        "document_number": "（2024）京0101执421号之一",
        "legal_basis": "法释〔2017〕7号第二条",
    }
    bad = api.post("/proposals", "initiator", department="SPC", json=change | {"legal_basis": ""})
    assert bad.status_code == 422 and "legal_basis" in bad.json()["error"]["message"]
    unknown = api.post(
        "/proposals", "initiator", department="SPC", json=change | {"changes": {"list_type": "x"}}
    )
    assert unknown.status_code == 422  # the body's schema names the fields a change may set
    r = api.post("/proposals", "initiator", department="SPC", json=change)
    assert r.status_code == 201, r.text
    withdrawn = api.post(f"/proposals/{r.json()['id']}/withdraw", "initiator", department="SPC")
    assert withdrawn.json()["status"] == "withdrawn"
    gone = api.post(f"/proposals/{r.json()['id']}/resubmit", "initiator", department="SPC")
    assert gone.status_code == 409 and "it is final" in gone.json()["error"]["message"]
    r = api.post("/proposals", "initiator", department="SPC", json=change)
    approved = api.post(f"/proposals/{r.json()['id']}/approve", "reviewer", department="SPC")
    assert approved.status_code == 200, approved.text
    shown = api.get(f"/records/{record}", "initiator").json()
    assert shown["valid_until"] == "2027-03-04" and shown["version"] == 2
    other = api.post(
        "/proposals",
        "initiator",
        department="NDRC",
        json=change | {"changes": {"valid_until": "2027-05-04"}},
    )
    assert other.status_code == 403
    assert api.post("/proposals/999999/approve", "reviewer", department="SPC").status_code == 404
