"""Local departments through a real server on loopback, on SQLite and PostgreSQL, with the
two-province test catalog: the feed of a local department's key holds the entries of the lists
it implements measures on (through its counterpart, or its own province's documents) and never
another province's; the check answers a local key with its province's measures; a local
department reports feedback on a message it received and only on those; its subscription and its
staff's console sign-in work; a code in no catalog file is refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.api.server import LiveServer, live_server
from tests.check.entries import write_entries
from tests.importing.rows import uscc
from tests.web.console import Console

from jointcredit.services.imports import import_file_audited

from .helpers import AS_OF, regional_entries

DEFAULTER = uscc(701)
HONEST = uscc(702)
DISHONEST = uscc(703)


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(db_url) as server:
        # As ``import list-entries`` loads them: in effect at once, pushed like approved ones.
        summary = import_file_audited(
            server.engine,
            "list-entry",
            write_entries(tmp_path / "e.jsonl", regional_entries()),
            today=dt.date.fromisoformat(AS_OF),
        )
        assert summary.accepted == 3
        yield server


def _feed(api: LiveServer, department: str) -> list[dict[str, Any]]:
    response = api.get("/feed", "implementer", department, params={"limit": 500})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    assert all(i["department"] == department for i in items)
    return items


def _subjects(items: list[dict[str, Any]]) -> set[str]:
    return {i["entry"]["subject"]["identifier"] for i in items}


def test_a_local_departments_feed_holds_its_lists_and_no_other_provinces(
    api: LiveServer,
) -> None:
    xihu = _feed(api, "XH-AMR")
    # Judgment defaulters through SAMR (SAIC's successor, named by the national measures), and
    # Zhejiang's own red list; never Jiangsu's.
    assert _subjects(xihu) == {DEFAULTER, HONEST}
    by_list = {i["entry"]["list_type"]: i for i in xihu}
    assert set(by_list) == {"judgment-defaulters", "zj-honest-enterprises"}
    assert _subjects(_feed(api, "ZJ-AMR")) == {DEFAULTER, HONEST}
    assert _subjects(_feed(api, "ZJ-TAX")) >= {HONEST}
    for code in ("JS-AMR", "NJ-AMR"):
        assert _subjects(_feed(api, code)) == {DEFAULTER, DISHONEST}, code
    # CBRC's measure on Jiangsu's list: NFRA's Jiangsu office, not NFRA in Beijing.
    assert DISHONEST in _subjects(_feed(api, "JS-NFRA"))
    assert DISHONEST not in _subjects(_feed(api, "NFRA"))
    assert not {HONEST, DISHONEST} & _subjects(_feed(api, "SAMR"))


def test_a_local_key_checks_with_its_provinces_measures(api: LiveServer) -> None:
    def measures(department: str) -> set[str]:
        response = api.get(
            "/check",
            "implementer",
            department,
            params={"subject": DEFAULTER, "matter": "government-procurement", "as_of": AS_OF},
        )
        assert response.status_code == 200, response.text
        assert response.json()["department"] == department
        return {d["measure"] for d in response.json()["decisions"]}

    national = measures("SAMR")
    assert measures("XH-AMR") == national | {"zj-defaulter-measures/01"}
    assert measures("NJ-AMR") == national


def test_a_local_department_reports_feedback_on_what_it_received(api: LiveServer) -> None:
    [message] = [
        i for i in _feed(api, "XH-AMR") if i["entry"]["list_type"] == "zj-honest-enterprises"
    ]
    body = {
        "message_id": message["id"],
        "measure": "zj-honest-incentives/01",
        "applied": True,
        "matter": "administrative-approval-green-channel",
        "case_reference": "西湖市监〔2026〕1号",
    }
    made = api.post("/feedback", "implementer", "XH-AMR", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["department"] == "XH-AMR" and made.json()["record_id"]
    # A message sent to Jiangsu's regulator is not Xihu's to report on.
    [other] = [i for i in _feed(api, "JS-AMR") if i["entry"]["list_type"] == "js-serious-dishonest"]
    refused = api.post(
        "/feedback",
        "implementer",
        "XH-AMR",
        json={**body, "message_id": other["id"], "measure": "js-dishonest-punishments/01"},
    )
    assert refused.status_code == 403, refused.text
    listed = api.get("/feedback", "implementer", "XH-AMR")
    assert listed.status_code == 200, listed.text
    assert [f["message_id"] for f in listed.json()["items"]] == [message["id"]]


def test_subscription_and_console_for_a_local_department(api: LiveServer) -> None:
    put = api.client("admin", "ZJ-AMR").put(
        "/subscriptions/ZJ-AMR",
        json={"url": "https://hooks.example.cn/zj", "list_types": ["zj-honest-enterprises"]},
    )
    assert put.status_code in (200, 201), put.text
    got = api.get("/subscriptions/ZJ-AMR", "admin", "ZJ-AMR")
    assert got.status_code == 200, got.text
    assert got.json()["department"] == "ZJ-AMR"
    console = Console(api.url, api.engine, "li.xihu", "implementer", "XH-AMR")
    try:
        home = console.get("/console")
        assert home.status_code == 200
        assert "XH-AMR" in home.text or "西湖区" in home.text
    finally:
        console.close()


def test_a_department_in_no_catalog_file_is_refused(api: LiveServer) -> None:
    from jointcredit.access import OPERATOR
    from jointcredit.errors import InvalidInputError
    from jointcredit.services import keys

    with pytest.raises(InvalidInputError, match="'GD-AMR' is not in the catalog"):
        keys.create(api.engine, department="GD-AMR", role="implementer", name="t", by=OPERATOR)
    response = api.get(
        "/check",
        "implementer",
        "XH-AMR",
        params={"subject": DEFAULTER, "matter": "government-procurement", "department": "GD-AMR"},
    )
    assert response.status_code in (403, 422), response.text
    assert "GD-AMR" in response.text
