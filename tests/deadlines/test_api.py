"""Publication deadlines over HTTP, on a live server on loopback (both backends)."""

from __future__ import annotations

from tests.api.server import LiveServer
from tests.deadlines.helpers import ECOLOGY, MARKET, penalty, utc


def test_deadlines_end_to_end(api: LiveServer) -> None:
    late = penalty(api.engine, 1, decided="2026-09-24", at=utc("2026-10-14"))
    penalty(api.engine, 2, decided="2026-09-24", at=utc("2026-10-12"))
    penalty(api.engine, 3, decided="2026-09-24", at=utc("2026-10-14"), authority=MARKET)

    r = api.get("/deadlines/publication", "supervisor")
    assert r.status_code == 200, r.text
    page = r.json()
    assert len(page["items"]) == 3 and page["next_offset"] is None
    r = api.get("/deadlines/publication", "initiator", params={"missed": "true", "limit": 5})
    [missed] = r.json()["items"]
    assert missed["id"] == late
    assert (missed["publication_due"], missed["published_on"]) == ("2026-10-12", "2026-10-14")
    assert missed["met"] is False and missed["workdays_late"] == 2
    r = api.get(
        "/deadlines/publication", "reviewer", params={"department": MARKET, "kind": "penalty"}
    )
    [market] = r.json()["items"]
    assert market["market_regulator"] and market["publication_due"] == "2026-10-29"
    r = api.get("/deadlines/publication", "admin", params={"limit": 2})
    assert r.json()["next_offset"] == 2

    r = api.get("/deadlines/publication/summary", "supervisor")
    assert r.status_code == 200, r.text
    by_department = {s["department"]: s for s in r.json()}
    assert by_department[ECOLOGY]["share_met"] == 0.5
    assert by_department[MARKET]["met"] == 1
    r = api.get("/deadlines/publication/summary", "admin", params={"by": "source_department"})
    assert {s["department"] for s in r.json()} == {ECOLOGY, MARKET}

    assert api.get("/deadlines/publication", "implementer").status_code == 403
    assert api.get("/deadlines/publication/summary").status_code == 401
    r = api.get("/deadlines/publication", "supervisor", params={"kind": "black-list"})
    assert r.status_code == 422
    r = api.get("/deadlines/publication", "supervisor", params={"decided_from": "yesterday"})
    assert r.status_code == 422
