"""Every kind of case over HTTP from one router factory (api/cases.py): a report handled end to
end (assign → investigate → close, notes) and followed by its receipt code, the filters, who
may do what; the same notes route on objections. Both databases."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from tests.api.server import LiveServer
from tests.api.test_objections_api import _listed
from tests.api.test_reports_api import assert_no_secret, report
from tests.check.entries import entry

from jointcredit.access import PUBLIC
from jointcredit.services import tipoffs

#: What the reporter sees with the receipt code, and nothing else.
FOLLOW_FIELDS = {
    "received_at",
    "status",
    "status_label",
    "outcome",
    "outcome_label",
    "referred_to",
    "due",
    "closed_at",
}


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert_no_secret(response.text)
    body: dict[str, Any] = response.json()
    return body


def _ids(api: LiveServer, **params: Any) -> list[int]:
    page = _ok(api.get("/reports", "reviewer", params=params))
    return [r["id"] for r in page["items"]]


def test_a_report_is_handled_and_followed_by_its_receipt(api: LiveServer) -> None:
    created = _ok(api.post("/reports", json=report()), 201)
    receipt, path = created["receipt"], f"/reports/{created['id']}"
    assert created["status"] == "received" and created["handler"] is None
    assert {"due", "due_estimated", "overdue", "days_late"} <= created.keys()
    other = _ok(api.post("/reports", "initiator", json=report()), 201)

    # The reporter follows it with the code, written any way (case, dashes, spaces).
    for code in (receipt, receipt.replace("-", " ").lower()):
        seen = _ok(api.post("/reports/follow", json={"receipt": code}))
        assert seen.keys() == FOLLOW_FIELDS
        assert seen["status"] == "received" and seen["outcome"] is None
        assert seen["status_label"] == {"zh": "已收到", "en": "Received"}
        assert seen["due"] == created["due"]
    for wrong in ("AAAA-BBBB-CCCC-DDDD", "not a code"):
        missing = api.post("/reports/follow", json={"receipt": wrong})
        assert missing.status_code == 404, missing.text
        assert missing.json()["error"]["code"] == "not-found"
    assert api.post("/reports/follow", json={"receipt": ""}).status_code == 422
    assert api.post("/reports/follow", json={}).status_code == 422

    # Its department's reviewers read it with its history, never with the receipt code.
    detail = _ok(api.get(path, "reviewer"))
    assert "receipt" not in detail and "receipt" not in detail["history"][0]
    assert [e["action"] for e in detail["history"]] == ["receive"]
    assert receipt not in api.get("/reports", "reviewer").text
    # Nobody else: another department's reviewer, a supervisor, the public.
    assert api.get(path, "reviewer", "SPC").status_code == 403
    assert api.get(path, "supervisor").status_code == 403
    assert api.get(path).status_code == 401
    for step, body in (
        ("assign", {"handler": "zhang.wei"}),
        ("notes", {"note": "x"}),
        ("close", {"outcome": "unsubstantiated", "note": "x"}),
    ):
        refused = api.post(f"{path}/{step}", "reviewer", "SPC", json=body)
        assert refused.status_code == 403, (step, refused.text)
        assert api.post(f"{path}/{step}", json=body).status_code == 401

    # Not yet assigned: no investigation (409).
    early = api.post(f"{path}/investigate", "reviewer")
    assert early.status_code == 409 and early.json()["error"]["code"] == "illegal-transition"

    assigned = _ok(api.post(f"{path}/assign", "reviewer", json={"handler": "zhang.wei"}))
    assert assigned["status"] == "assigned" and assigned["handler"] == "zhang.wei"
    noted = _ok(api.post(f"{path}/notes", "reviewer", json={"note": "已调取合同"}))
    assert noted["status"] == "assigned"
    assert noted["history"][-1]["action"] == "note"
    assert noted["history"][-1]["note"] == "已调取合同"
    investigating = _ok(api.post(f"{path}/investigate", "reviewer", json={"note": "立案核查"}))
    assert investigating["status"] == "investigating"

    # The filters: by status of the kind's vocabulary, and the overdue ones.
    assert _ids(api, status="investigating") == [created["id"]]
    assert _ids(api, status="received") == [other["id"]]
    assert _ids(api, overdue="true") == []
    assert api.get("/reports", "reviewer", params={"status": "in-review"}).status_code == 422

    closed = _ok(
        api.post(
            f"{path}/close",
            "reviewer",
            json={"outcome": "referred", "note": "属市场监管部门职责", "referred_to": "SPC"},
        )
    )
    assert closed["status"] == "closed" and closed["outcome"] == "referred"
    assert closed["referred_to"] == "SPC" and closed["closed_at"]
    again = api.post(f"{path}/close", "reviewer", json={"outcome": "substantiated", "note": "x"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal-transition"
    assert _ids(api, status="closed") == [created["id"]]

    seen = _ok(api.post("/reports/follow", json={"receipt": receipt}))
    assert seen["status"] == "closed" and seen["outcome"] == "referred"
    assert seen["outcome_label"] == {
        "zh": "已移交有关部门办理",
        "en": "Referred to another department",
    }
    assert seen["referred_to"] == "SPC" and seen["closed_at"]
    history = _ok(api.get(path, "reviewer"))["history"]
    assert [e["action"] for e in history] == ["receive", "assign", "note", "investigate", "close"]
    assert history[-1]["role"] == "reviewer" and history[-1]["department"] == "NDRC"


@pytest.mark.parametrize(
    ("step", "body"),
    [
        ("close", {"outcome": "maybe", "note": "x"}),
        ("close", {"outcome": "substantiated"}),
        ("close", {"outcome": "substantiated", "note": ""}),
        ("close", {"outcome": "substantiated", "note": "x\x00"}),
        ("close", {"outcome": "referred", "note": "x"}),
        ("close", {"outcome": "referred", "note": "x", "referred_to": "NOPE"}),
        ("close", {"outcome": "referred", "note": "x", "referred_to": "NDRC"}),
        ("close", {"outcome": "substantiated", "note": "x", "referred_to": "SPC"}),
        ("assign", {}),
        ("assign", {"handler": ""}),
        ("assign", {"handler": "   "}),
        ("assign", {"handler": "x" * 201}),
        ("notes", {"note": ""}),
        ("notes", {"note": "x", "extra": 1}),
    ],
    ids=lambda v: v if isinstance(v, str) else ",".join(v),
)
def test_a_step_with_a_wrong_body_is_refused(
    sqlite_api: LiveServer, step: str, body: dict[str, Any]
) -> None:
    created = _ok(sqlite_api.post("/reports", "initiator", json=report()), 201)
    r = sqlite_api.post(f"/reports/{created['id']}/{step}", "reviewer", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid-input"
    history = _ok(sqlite_api.get(f"/reports/{created['id']}", "reviewer"))["history"]
    assert [e["action"] for e in history] == ["receive"]


def test_an_unknown_report_is_not_found_and_a_bad_id_refused(sqlite_api: LiveServer) -> None:
    assert sqlite_api.get("/reports/999999", "reviewer").status_code == 404
    for step, body in (("assign", {"handler": "a"}), ("investigate", {}), ("notes", {"note": "x"})):
        assert sqlite_api.post(f"/reports/999999/{step}", "reviewer", json=body).status_code == 404
    for bad in ("0", str(2**63), "x"):
        assert sqlite_api.get(f"/reports/{bad}", "reviewer").status_code == 422
    # /reports/openings keeps its own route: /reports/{report_id} does not take its name.
    assert sqlite_api.get("/reports/openings", "supervisor").status_code == 200


def test_the_overdue_filter_and_the_openapi_document(api: LiveServer) -> None:
    late = tipoffs.submit(
        api.engine,
        by=PUBLIC,
        department="NDRC",
        subject="91110101JC00000108",
        description="早已收到的举报。",
        reporter=tipoffs.Reporter("某人", "someone@example.org"),
        now=dt.datetime.now(dt.UTC) - dt.timedelta(days=60),
    )
    fresh = _ok(api.post("/reports", "initiator", json=report()), 201)
    page = _ok(api.get("/reports", "reviewer", params={"overdue": "true"}))
    assert [r["id"] for r in page["items"]] == [late["id"]]
    assert page["items"][0]["overdue"] and page["items"][0]["days_late"] > 0
    assert set(_ids(api)) == {late["id"], fresh["id"]}

    document = api.get("/openapi.json").json()
    paths = document["paths"]
    assert "429" in paths["/api/v1/reports/follow"]["post"]["responses"]
    status = next(p for p in paths["/api/v1/reports"]["get"]["parameters"] if p["name"] == "status")
    assert status["schema"]["anyOf"][0] == {"$ref": "#/components/schemas/ReportStatus"}
    assert document["components"]["schemas"]["ReportStatus"]["enum"] == [
        "received",
        "assigned",
        "investigating",
        "closed",
    ]
    for kind in ("objection", "repair", "report"):
        plural = "reports" if kind == "report" else f"{kind}s"
        assert f"/api/v1/{plural}/{{{kind}_id}}/notes" in paths


def test_objections_take_notes_from_the_same_routes(api: LiveServer, tmp_path: Path) -> None:
    record = _listed(api, tmp_path)
    opened = _ok(
        api.post(
            "/objections", "implementer", "MPS", json={"record_id": record, "reason": "已履行"}
        ),
        201,
    )
    path = f"/objections/{opened['id']}/notes"
    noted = _ok(api.post(path, "reviewer", "SPC", json={"note": "已函询数据来源单位"}))
    assert noted["status"] == "open"
    assert [e["action"] for e in noted["history"]] == ["open", "note"]
    # Only the verifying department's staff (or the operator) note it.
    assert api.post(path, "implementer", "MPS", json={"note": "x"}).status_code == 403
    assert api.post(path, "reviewer", "SPC", json={"note": "\x00"}).status_code == 422
    assert api.get("/objections", "reviewer", "SPC", params={"status": "nope"}).status_code == 422
    listed = _ok(api.get("/objections", "reviewer", "SPC", params={"status": "open"}))
    assert [o["id"] for o in listed["items"]] == [opened["id"]]


def test_documents_attached_to_a_case(api: LiveServer, tmp_path: Path) -> None:
    record = _listed(api, tmp_path)
    opened = _ok(
        api.post(
            "/objections", "implementer", "MPS", json={"record_id": record, "reason": "已履行"}
        ),
        201,
    )
    base = f"/objections/{opened['id']}"
    pdf = b"%PDF-1.7\n% synthetic evidence\n" + bytes(range(256))
    # The opening department's evidence; the verifying department's findings.
    sent = api.post(
        f"{base}/attachments", "implementer", "MPS", files={"file": ("缴款凭证.pdf", pdf)}
    )
    made = _ok(sent, 201)
    assert made["name"] == "缴款凭证.pdf" and made["media_type"] == "application/pdf"
    assert made["size"] == len(pdf)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    _ok(api.post(f"{base}/attachments", "reviewer", "SPC", files={"file": ("现场.png", png)}), 201)
    # What it is, not what it is called; nobody outside the case.
    fake = api.post(f"{base}/attachments", "reviewer", "SPC", files={"file": ("a.pdf", b"MZ")})
    assert fake.status_code == 422 and "is not a PDF" in fake.text
    other = api.post(f"{base}/attachments", "reviewer", "SAT", files={"file": ("a.pdf", pdf)})
    assert other.status_code == 403

    shown = _ok(api.get(base, "reviewer", "SPC"))
    assert [a["name"] for a in shown["attachments"]] == ["缴款凭证.pdf", "现场.png"]
    assert [e["action"] for e in shown["history"]] == ["open", "attach", "attach"]
    got = api.get(f"{base}/attachments/{made['id']}", "reviewer", "SPC")
    assert got.status_code == 200 and got.content == pdf
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    digest = base64.b64encode(hashlib.sha256(pdf).digest()).decode()
    assert got.headers["repr-digest"] == f"sha-256=:{digest}:"
    assert "filename*=UTF-8''%E7%BC%B4" in got.headers["content-disposition"]
    assert api.get(f"{base}/attachments/{made['id']}", "reviewer", "SAT").status_code == 403
    assert api.get(f"{base}/attachments/999999", "reviewer", "SPC").status_code == 404


def test_proposals_take_notes_and_documents(api: LiveServer) -> None:
    body = {"action": "create", "entry": entry(402, valid_until="2099-12-31")}
    made = _ok(api.post("/proposals", "initiator", department="SPC", json=body), 201)
    base = f"/proposals/{made['id']}"
    # The judgment the entry rests on, from the proposing department; the reviewer's note.
    pdf = b"%PDF-1.7\n% synthetic judgment\n"
    added = _ok(
        api.post(f"{base}/attachments", "initiator", "SPC", files={"file": ("判决书.pdf", pdf)}),
        201,
    )
    noted = _ok(api.post(f"{base}/notes", "reviewer", "SPC", json={"note": "已核对判决书"}))
    assert [e["action"] for e in noted["history"]] == ["submit", "attach", "note"]
    shown = _ok(api.get(base, "reviewer", "SPC"))
    assert [a["id"] for a in shown["attachments"]] == [added["id"]]
    assert api.get(f"{base}/attachments/{added['id']}", "initiator", "SPC").content == pdf
    # Another department neither sees it nor adds to it; notes are the reviewers'.
    assert api.post(f"{base}/notes", "initiator", "SPC", json={"note": "x"}).status_code == 403
    other = api.post(f"{base}/attachments", "reviewer", "NDRC", files={"file": ("a.pdf", pdf)})
    assert other.status_code == 404
