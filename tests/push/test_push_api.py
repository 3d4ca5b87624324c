"""Push over HTTP on a live server: a department subscribes, the worker delivers to its
receiver, it reads its feed and the delivery state; who may do what."""

from __future__ import annotations

from pathlib import Path

from tests.api.server import live_server

from jointcredit.services import delivery

from .outbox import announce, load_entries, states
from .receiver import receiver


def test_subscribe_deliver_read_the_feed_and_the_state(sqlite_url: str, tmp_path: Path) -> None:
    with live_server(sqlite_url) as server, receiver() as hook:
        ndrc = server.client("implementer", "NDRC")
        made = ndrc.put("/subscriptions/NDRC", json={"url": f"{hook.url}/NDRC", "list_types": []})
        assert made.status_code == 200, made.text
        body = made.json()
        assert len(body["secret"]) == 43 and body["created"] and body["warnings"] == []
        hook.secrets["/NDRC"] = body["secret"]
        shown = ndrc.get("/subscriptions/NDRC").json()
        assert "secret" not in shown and shown["url"] == f"{hook.url}/NDRC"

        ids = announce(
            server.engine, load_entries(server.engine, tmp_path, [1, 2]), {"NDRC", "SAT"}
        )
        delivery.deliver_once(server.engine)
        assert sorted(d.message_id for d in hook.deliveries) == [
            i for i in ids if states(server.engine)[i] == "delivered"
        ]
        assert all(d.signature_ok for d in hook.deliveries)

        page = ndrc.get("/feed", params={"limit": 1}).json()
        assert page["has_more"] and page["items"][0]["delivery"] == "delivered"
        rest = ndrc.get("/feed", params={"after": page["next_cursor"]}).json()
        assert len(rest["items"]) == 1 and not rest["has_more"]
        [state] = ndrc.get("/deliveries").json()
        assert (state["department"], state["delivered"], state["webhook_url"]) == (
            "NDRC",
            2,
            f"{hook.url}/NDRC",
        )
        assert state["feed_cursor"] == page["next_cursor"] and state["after_cursor"] == 1

        # Other departments' keys: their own feed, not NDRC's subscription.
        sat = server.client("implementer", "SAT")
        assert [i["department"] for i in sat.get("/feed").json()["items"]] == ["SAT", "SAT"]
        assert sat.get("/subscriptions/NDRC").status_code == 403
        assert sat.get("/deliveries", params={"department": "NDRC"}).status_code == 403
        assert server.get("/feed", "supervisor").status_code == 403
        everyone = server.get("/deliveries", "supervisor").json()
        assert {s["department"] for s in everyone} == {"NDRC", "SAT"}
        assert server.get("/feed").status_code == 401
        # An admin manages its own department's subscription, no other.
        assert server.client("admin", "SPC").delete("/subscriptions/NDRC").status_code == 403
        admin = server.client("admin", "NDRC")
        bad = admin.put("/subscriptions/NDRC", json={"url": "ftp://x.cn/"})
        assert bad.status_code == 422 and "http" in bad.json()["error"]["message"]
        gone = admin.delete("/subscriptions/NDRC")
        assert gone.status_code == 200 and gone.json()["active"] is False
        assert admin.delete("/subscriptions/NDRC").status_code == 404
