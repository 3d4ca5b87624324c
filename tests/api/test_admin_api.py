"""Keys, the audit log, a subject's query history and statistics over HTTP."""

from __future__ import annotations

import datetime as dt

from tests.api.server import LiveServer

MATTER = "enterprise-bond-issuance"
PERSON = "110101198001010010"


def test_keys_are_created_rotated_and_revoked(api: LiveServer) -> None:
    # An admin acts for its own department (tests/security/test_reporters_sealed.py: no other).
    with api.client("admin", "SPC") as admin:
        r = admin.post("/keys", json={"department": "SPC", "role": "implementer", "name": "法院"})
        assert r.status_code == 201, r.text
        issued = r.json()
        assert issued["key"].startswith(f"jc_{issued['prefix']}_")
        me = {"Authorization": f"Bearer {issued['key']}"}
        assert api.get("/me", headers=me).json() == {
            "role": "implementer",
            "department": "SPC",
            "key_id": issued["id"],
        }
        listed = admin.get("/keys").json()
        assert {k["id"] for k in listed} >= {issued["id"]}
        assert all("key" not in k and "secret_hash" not in k for k in listed)

        rotated = admin.post(f"/keys/{issued['id']}/rotate")
        assert rotated.status_code == 201, rotated.text
        new = rotated.json()
        assert (new["department"], new["role"], new["name"]) == ("SPC", "implementer", "法院")
        assert api.get("/me", headers=me).status_code == 401
        old = next(k for k in admin.get("/keys").json() if k["id"] == issued["id"])
        assert old["active"] is False and old["replaced_by"] == new["id"]
        assert admin.post(f"/keys/{issued['id']}/rotate").status_code == 422

        revoked = admin.delete(f"/keys/{new['id']}")
        assert revoked.status_code == 200 and revoked.json()["active"] is False
        assert api.get("/me", headers={"Authorization": f"Bearer {new['key']}"}).status_code == 401
        active = admin.get("/keys", params={"include_revoked": "false"}).json()
        assert new["id"] not in {k["id"] for k in active}
        assert admin.delete("/keys/999999").status_code == 404

        for bad in (
            {"department": "NOPE", "role": "implementer"},
            {"department": "SPC", "role": "root"},
            {"department": "SPC"},
        ):
            assert admin.post("/keys", json=bad).status_code == 422, bad
    actions = [
        row["action"] for row in api.get("/audit", "admin", params={"limit": 10}).json()["items"]
    ]
    assert {"key-create", "key-rotate", "key-revoke"} <= set(actions)


def test_the_audit_log_pages_and_filters(api: LiveServer) -> None:
    for _ in range(3):
        api.get("/check", "implementer", params={"subject": PERSON, "matter": MATTER})
    api.get("/check", "implementer", "SPC", params={"subject": PERSON, "matter": "air-travel"})
    with api.client("supervisor") as client:
        first = client.get("/audit", params={"action": "check", "limit": 2}).json()
        assert [r["action"] for r in first["items"]] == ["check", "check"]
        assert first["next_offset"] == 2
        ids = [r["id"] for r in first["items"]]
        assert ids == sorted(ids, reverse=True)
        rest = client.get("/audit", params={"action": "check", "limit": 2, "offset": 2}).json()
        assert len(rest["items"]) == 2 and rest["next_offset"] is None
        spc = client.get("/audit", params={"department": "SPC", "action": "check"}).json()
        assert [r["matter"] for r in spc["items"]] == ["air-travel"]
        # The subject filter takes the identifier as people type it.
        spaced = client.get("/audit", params={"subject": PERSON[:6] + " " + PERSON[6:]}).json()
        assert len(spaced["items"]) == 4
        assert client.get("/audit/verify").json()["ok"] is True


def test_a_subject_sees_who_checked_it(api: LiveServer) -> None:
    api.get("/check", "implementer", params={"subject": PERSON, "matter": MATTER})
    api.get("/check", "implementer", "CAAC", params={"subject": PERSON, "matter": "air-travel"})
    r = api.get(f"/subjects/{PERSON}/checks", "supervisor")
    assert r.status_code == 200, r.text
    assert [(c["department"], c["matter"], c["action"]) for c in r.json()["items"]] == [
        ("CAAC", "air-travel", "check"),
        ("NDRC", MATTER, "check"),
    ]
    assert api.get("/subjects/110101198001010029/checks", "admin").json()["items"] == []


def test_statistics_count_records_audit_rows_and_keys(api: LiveServer) -> None:
    api.get("/check", "implementer", params={"subject": PERSON, "matter": MATTER})
    api.key("reviewer", "SPC")
    r = api.get("/statistics", "supervisor")
    assert r.status_code == 200, r.text
    stats = r.json()
    assert {"role": "implementer", "active": 1, "revoked": 0} in stats["keys"]
    assert {"action": "check", "department": "NDRC", "count": 1} in stats["audit"]["rows"]
    assert stats["records"] == [] and "relations" in stats["registry"]
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    period = {"since": (today - dt.timedelta(days=1)).isoformat(), "until": today.isoformat()}
    within = api.get("/statistics", "admin", params=period).json()["audit"]
    assert within["since"] == period["since"]
    assert {"action": "check", "department": "NDRC", "count": 1} in within["rows"]
    before = {"since": "2020-01-01", "until": "2020-12-31"}
    assert api.get("/statistics", "admin", params=before).json()["audit"]["rows"] == []
    reversed_ = {"since": "2021-01-01", "until": "2020-12-31"}
    assert api.get("/statistics", "admin", params=reversed_).status_code == 422
    extreme = {"since": "0001-01-01", "until": "9999-12-31"}
    assert api.get("/statistics", "admin", params=extreme).status_code == 200
