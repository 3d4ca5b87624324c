"""The check over HTTP: the same answer as the service, a receipt, an audit row."""

from __future__ import annotations

from tests.api.server import LiveServer

from jointcredit.access import OPERATOR
from jointcredit.services import audit

MATTER = "enterprise-bond-issuance"


def test_check_answers_with_a_receipt_and_is_audited(api: LiveServer) -> None:
    r = api.get("/check", "implementer", params={"subject": "110101198001010010", "matter": MATTER})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["department"] == "NDRC" and body["matter"] == MATTER
    receipt = body["receipt"]
    assert receipt["subject"] == "110101198001010010"
    rows = audit.page(api.engine, by=OPERATOR, limit=10, action="check")
    assert rows[0]["id"] == receipt["audit_entry"]
    assert rows[0]["detail"]["receipt"] == receipt["id"]
    assert rows[0]["result_digest"] == receipt["answer_digest"]
    assert audit.verify(api.engine, by=OPERATOR).ok


def test_check_needs_a_key_and_its_own_department(api: LiveServer) -> None:
    params = {"subject": "110101198001010010", "matter": MATTER}
    assert api.get("/check", params=params).status_code == 401
    assert api.get("/check", "initiator", params=params).status_code == 403
    other = api.get("/check", "implementer", params=params | {"department": "SPC"})
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "forbidden"
