"""The measure catalog over HTTP: public, paginated, the same selection as the CLI."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.api.server import LiveServer

from jointcredit.catalog import load_catalog

MATTER = "enterprise-bond-issuance"


def _all(api: LiveServer, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paginated list, following next_offset."""
    items: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        r = api.get(path, params={**params, "limit": 7, "offset": offset})
        assert r.status_code == 200, r.text
        page = r.json()
        assert page["limit"] == 7 and page["offset"] == offset
        assert len(page["items"]) <= 7
        items += page["items"]
        offset = page["next_offset"]
        assert offset is None or offset == page["offset"] + 7
    return items


def test_catalog_version_and_counts(sqlite_api: LiveServer) -> None:
    catalog = load_catalog()
    r = sqlite_api.get("/catalog")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] == str(catalog.version)
    assert body["digest"] == catalog.version.digest
    assert body["counts"] == {
        "departments": len(catalog.departments),
        "matters": len(catalog.matters),
        "list_types": len(catalog.list_types),
        "documents": len(catalog.documents),
        "measures": len(catalog.measures),
    }


def test_lists_are_paginated_and_complete(sqlite_api: LiveServer) -> None:
    catalog = load_catalog()
    assert [d["code"] for d in _all(sqlite_api, "/catalog/departments")] == list(
        catalog.departments
    )
    assert [m["code"] for m in _all(sqlite_api, "/catalog/matters")] == list(catalog.matters)
    types = _all(sqlite_api, "/catalog/list-types")
    assert [t["code"] for t in types] == list(catalog.list_types)
    defaulters = next(t for t in types if t["code"] == "judgment-defaulters")
    assert defaulters["kind"] == "black" and defaulters["legal_basis"]
    measures = _all(sqlite_api, "/catalog/measures")
    assert [m["id"] for m in measures] == list(catalog.measures)


def test_last_page_and_page_size_limit(sqlite_api: LiveServer) -> None:
    total = len(load_catalog().departments)
    last = sqlite_api.get("/catalog/departments", params={"offset": total - 1}).json()
    assert len(last["items"]) == 1 and last["next_offset"] is None
    beyond = sqlite_api.get("/catalog/departments", params={"offset": total + 5}).json()
    assert beyond["items"] == [] and beyond["next_offset"] is None
    big = sqlite_api.get("/catalog/measures", params={"limit": 100_000}).json()
    assert big["limit"] == 500
    assert sqlite_api.get("/catalog/departments", params={"limit": 0}).status_code == 422


def test_measures_filtered_like_the_cli(sqlite_api: LiveServer) -> None:
    catalog = load_catalog()
    implementer = next(d for m in catalog.measures.values() for d in m.implementing_departments)
    for params in (
        {"matter": MATTER},
        {"list_type": "judgment-defaulters"},
        {"department": implementer},
        {"department": "NDRC", "include_inferred": True},
        {"list_type": "judgment-defaulters", "matter": MATTER},
    ):
        found = _all(sqlite_api, "/catalog/measures", **params)
        assert [m["id"] for m in found] == [m.id for m in catalog.select(**params)]
        assert found, params
        for m in found:
            assert m["legal_basis"]
            assert m["document"]["id"] == catalog.measures[m["id"]].document
            assert isinstance(m["implementing_departments"], list)


def test_unknown_filter_is_not_found(sqlite_api: LiveServer) -> None:
    for name in ("matter", "department", "list_type"):
        r = sqlite_api.get("/catalog/measures", params={name: "no-such-code"})
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not-found"
        assert "no-such-code" in r.json()["error"]["message"]


def test_one_measure_by_id(sqlite_api: LiveServer) -> None:
    catalog = load_catalog()
    measure = next(iter(catalog.measures.values()))
    r = sqlite_api.get(f"/catalog/measures/{measure.id}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == measure.id
    assert body["legal_basis"] == measure.legal_basis
    assert body["document"]["id"] == measure.document
    missing = sqlite_api.get("/catalog/measures/no-such/measure")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not-found"


def test_catalog_is_public_to_every_caller(sqlite_api: LiveServer) -> None:
    assert sqlite_api.get("/catalog/matters").status_code == 200
    assert sqlite_api.get("/catalog/matters", "implementer").status_code == 200


def test_measures_in_force_on_a_day(sqlite_api: LiveServer) -> None:
    catalog = load_catalog()
    day = "2016-01-01"
    found = _all(sqlite_api, "/catalog/measures", on=day)
    expected = catalog.select(on=dt.date.fromisoformat(day))
    assert [m["id"] for m in found] == [m.id for m in expected]
    for bad in ("0", "2024-02-30"):
        r = sqlite_api.get("/catalog/measures", params={"on": bad})
        assert r.status_code == 422, r.text
