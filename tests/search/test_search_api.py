"""GET /api/v1/search over HTTP on a live server: public, masked, and refusing bad queries with
what is wrong."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.api.server import LiveServer, live_server
from tests.check.entries import entry, write_entries
from tests.importing.rows import resident_id

from jointcredit.services.imports import import_file


@pytest.fixture
def api(db_url: str) -> Iterator[LiveServer]:
    with live_server(db_url) as server:
        yield server


def test_search_over_http(api: LiveServer, tmp_path: Path) -> None:
    company = entry(1, "major-tax-violation-parties", department="SAT")
    company["subject"]["name"] = "杭州云帆科技有限公司"
    person = entry(2, kind="natural-person", decided_on="2026-06-01")
    path = write_entries(tmp_path / "e.jsonl", [company, person])
    assert import_file(api.engine, "list-entry", path).accepted == 2

    with api.client() as public:  # no key
        found = public.get("/search", params={"q": "雲帆 科技"})
        assert found.status_code == 200, found.text
        body = found.json()
        assert [h["name"] for h in body["hits"]] == ["杭州云帆科技有限公司"]
        assert body["key"] == "云帆科技" and body["hits"][0]["reason"] == "brand"
        assert (body["count"], body["count_exact"]) == (1, True)
        # Two characters, anywhere in the name; the person is not counted by name.
        short = public.get("/search", params={"q": "科技", "limit": 100}).json()
        assert [h["name"] for h in short["hits"]] == ["杭州云帆科技有限公司"]
        assert (short["count"], short["short_query"]) == (1, True)

        number = resident_id(2, birth="19700101")
        [hit] = public.get("/search", params={"q": number}).json()["hits"]
        assert number not in hit["identifier"] and hit["kind"] == "natural-person"

        empty = public.get("/search", params={"q": "——"})
        assert empty.status_code == 422 and "q: give a name" in empty.text
        missing = public.get("/search")
        assert missing.status_code == 422 and "q" in missing.text
        long = public.get("/search", params={"q": "x" * 101})
        assert long.status_code == 422
