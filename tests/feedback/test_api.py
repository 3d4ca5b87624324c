"""Feedback over HTTP, on a live server on loopback (both backends)."""

from __future__ import annotations

from pathlib import Path

from tests.api.server import LiveServer
from tests.feedback.helpers import MATTER, MEASURE, load_entry, pushed, utc

# Long past on any clock: quarterly feedback on it was due 15 April 2025.
SENT = utc("2025-01-15")


def test_feedback_end_to_end(api: LiveServer, tmp_path: Path) -> None:
    record_id = load_entry(api.engine, tmp_path, 601)
    sent = pushed(api.engine, record_id, {"MPS", "CAAC"}, at=SENT)

    body = {"message_id": sent["MPS"], "measure": MEASURE, "applied": True, "matter": MATTER}
    r = api.post(
        "/feedback", "implementer", "MPS", json=body | {"case_reference": "公边〔2025〕1号"}
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["department"] == "MPS" and made["record_id"] == record_id
    assert made["case_reference"] == "公边〔2025〕1号"

    # Another department's message: 403; invalid fields: 422 naming each.
    r = api.post("/feedback", "implementer", "MPS", json=body | {"message_id": sent["CAAC"]})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert "sent to department CAAC" in r.json()["error"]["message"]
    r = api.post(
        "/feedback",
        "implementer",
        "MPS",
        json=body | {"applied": False, "matter": "nope", "acted_on": "2999-01-01"},
    )
    assert r.status_code == 422
    fields = {p["field"] for p in r.json()["error"]["problems"]}
    assert fields == {"matter", "acted_on", "reason"}
    r = api.post("/feedback", "implementer", "MPS", json=body | {"message_id": 0})
    assert r.status_code == 422
    assert api.post("/feedback", "supervisor", "MPS", json=body).status_code == 403
    assert api.post("/feedback", None, json=body).status_code == 401

    # Reading: an implementer its own department's, a supervisor all.
    r = api.get("/feedback", "implementer", "MPS", params={"record": record_id})
    assert r.status_code == 200
    page = r.json()
    assert [i["id"] for i in page["items"]] == [made["id"]]
    assert page["next_offset"] is None
    assert (
        api.get("/feedback", "implementer", "MPS", params={"department": "CAAC"}).status_code == 403
    )
    assert api.get("/feedback", "implementer", "CAAC").json()["items"] == []
    assert len(api.get("/feedback", "supervisor", "NDRC").json()["items"]) == 1

    # Overdue: CAAC has not reported.
    r = api.get("/feedback/overdue", "supervisor", "NDRC")
    assert r.status_code == 200, r.text
    [late] = r.json()["items"]
    assert (late["department"], late["message_id"]) == ("CAAC", sent["CAAC"])
    assert late["due"] == "2025-04-15" and late["overdue"] and late["days_late"] > 500
    assert api.get("/feedback/overdue", "implementer", "MPS").json()["items"] == []
    assert len(api.get("/feedback/overdue", "implementer", "CAAC").json()["items"]) == 1
    r = api.get("/feedback/overdue", "implementer", "MPS", params={"department": "CAAC"})
    assert r.status_code == 403
    assert api.get("/feedback/overdue", "initiator", "CAAC").status_code == 403
