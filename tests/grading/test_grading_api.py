"""``GET /api/v1/subjects/{identifier}/grade`` on a live server: a department's key reads the
grade with its explanation (audited); the public gets 401; a person 422; an unknown 404."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from tests.api.server import LiveServer, live_server
from tests.grading.registry import generate, write

from jointcredit.access import OPERATOR
from jointcredit.services import audit


@pytest.fixture
def sqlite_api(sqlite_url: str) -> Iterator[LiveServer]:
    with live_server(sqlite_url) as server:
        yield server


def test_a_department_reads_an_explained_grade(sqlite_api: LiveServer) -> None:
    orgs = generate(8, seed=9)
    write(sqlite_api.engine, orgs)
    org = max(orgs, key=lambda o: len(o.records))
    response = sqlite_api.get(f"/subjects/{org.identifier}/grade", role="implementer")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["identifier"] == org.identifier and body["grade"] in "ABCD"
    total = Decimal(body["base"]) + sum(Decimal(i["points"]) for i in body["indicators"])
    assert min(max(total, Decimal(0)), Decimal(100)) == Decimal(body["score"])
    assert body["history"][0]["reason"] == "first"
    for indicator in body["indicators"]:
        assert indicator["count"] == len(indicator["records"])
    rows = audit.page(sqlite_api.engine, by=OPERATOR, limit=5)
    assert any(r["action"] == "grade" and r["subject"] == org.identifier for r in rows)

    assert sqlite_api.get(f"/subjects/{org.identifier}/grade").status_code == 401
    assert sqlite_api.get("/subjects/91110000JC99999999/grade", role="reviewer").status_code == 404
