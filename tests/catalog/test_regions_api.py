"""The catalog over HTTP shows regions (issue 15): a department's region, level, counterpart,
parent and USCC; a list type's and a document's region. A real server on the two-province test
catalog."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.api.server import LiveServer, live_server

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "regions"


@pytest.fixture
def api(sqlite_url: str, settings_env: Callable[[str | None], None]) -> Iterator[LiveServer]:
    settings_env(str(FIXTURES))
    with live_server(sqlite_url) as server:
        yield server


def _items(api: LiveServer, path: str, **params: Any) -> list[dict[str, Any]]:
    r = api.get(path, params={"limit": 500, **params})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def test_departments_show_their_jurisdiction(api: LiveServer) -> None:
    departments = {d["code"]: d for d in _items(api, "/catalog/departments")}
    assert departments["XH-AMR"] == {
        "code": "XH-AMR",
        "name_zh": "杭州市西湖区市场监督管理局（示例）",
        "name_en": "Xihu District Administration for Market Regulation, Hangzhou (sample)",
        "superseded_by": None,
        "region": "330106",
        "level": "county",
        "counterpart": "SAMR",
        "parent": "HZ-AMR",
        "uscc": "11330106JCG1B2FJ9A",
    }
    assert departments["HZ-AMR"]["level"] == "municipal"
    assert departments["ZJ-AIC"]["superseded_by"] == "ZJ-AMR"
    assert departments["ZJ-AIC"]["uscc"] is None
    national = departments["SAMR"]
    assert (national["region"], national["level"], national["counterpart"]) == (
        None,
        "national",
        None,
    )


def test_list_types_and_documents_show_their_region(api: LiveServer) -> None:
    types = {t["code"]: t for t in _items(api, "/catalog/list-types")}
    assert types["zj-honest-enterprises"]["region"] == "330000"
    assert types["js-serious-dishonest"]["region"] == "320000"
    assert types["judgment-defaulters"]["region"] is None
    measures = _items(api, "/catalog/measures", list_type="judgment-defaulters")
    documents = {m["document"]["id"]: m["document"] for m in measures}
    assert documents["zj-defaulter-measures"]["region"] == "330000"
    assert all(d["region"] is None for i, d in documents.items() if i != "zj-defaulter-measures")
    one = api.get("/catalog/measures/js-dishonest-punishments/02").json()
    assert one["document"]["region"] == "320000"


def test_the_openapi_document_describes_the_new_fields(api: LiveServer) -> None:
    r = api.get("/openapi.json")
    assert r.status_code == 200
    schemas = r.json()["components"]["schemas"]
    department = schemas["DepartmentOut"]["properties"]
    for name in ("region", "level", "counterpart", "parent", "uscc"):
        assert department[name]["description"], name
    assert department["level"]["enum"] == ["national", "provincial", "municipal", "county"]
    assert "GB/T 2260" in schemas["ListTypeOut"]["properties"]["region"]["description"]
    assert "GB/T 2260" in schemas["DocumentOut"]["properties"]["region"]["description"]
