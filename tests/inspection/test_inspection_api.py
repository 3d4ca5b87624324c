"""``GET /api/v1/inspections/{code}`` on a live server: a published plan is public (no key),
with results once published; a draft is 404 to everyone, as is an unknown plan."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from tests.api.server import LiveServer, live_server
from tests.grading.registry import generate, write

from jointcredit.access import OPERATOR
from jointcredit.inspection.draw import Inspector
from jointcredit.inspection.rates import Rates, load_rates
from jointcredit.services import inspections


@pytest.fixture
def sqlite_api(sqlite_url: str) -> Iterator[LiveServer]:
    with live_server(sqlite_url) as server:
        yield server


def test_a_published_plan_is_public(sqlite_api: LiveServer) -> None:
    engine = sqlite_api.engine
    write(engine, generate(12, seed=2))
    base = load_rates()
    half = Rates("t", "t", "t", dict.fromkeys(base.rates, Decimal("0.5")), "0" * 16, "t.yaml")
    staff = [Inspector(f"I{k}", f"检查员{k}", "SAMR") for k in range(3)]
    code = inspections.plan(
        engine, by=OPERATOR, name="公开", department="SAMR", rates=half, inspectors=staff
    )["code"]

    assert sqlite_api.get(f"/inspections/{code}").status_code == 404, "a draft is not public"
    published = inspections.publish(engine, code, by=OPERATOR)
    response = sqlite_api.get(f"/inspections/{code}")
    assert response.status_code == 200, response.text
    body = response.json()
    shown = [{k: v for k, v in s.items() if v is not None} for s in body.pop("subjects")]
    assert shown == published.pop("subjects") and body == published
    assert body["status"] == "published" and len(body["seed"]) == 32
    assert shown and all(len(s["inspectors"]) == 2 for s in shown)

    for item in shown:
        inspections.record_result(
            engine, code, item["identifier"], by=OPERATOR, outcome="no-problem"
        )
    inspections.publish(engine, code, by=OPERATOR, results=True)
    closed = sqlite_api.get(f"/inspections/{code}", role="implementer").json()
    assert closed["status"] == "closed"
    assert {s["result_zh"] for s in closed["subjects"]} <= {"未发现问题"}

    assert sqlite_api.get("/inspections/20990101-0001").status_code == 404
    assert sqlite_api.get("/inspections/not-a-code").status_code == 422
