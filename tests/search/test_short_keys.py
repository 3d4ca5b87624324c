"""Keys of one and two characters found anywhere in a name, ranked as people mean them (the
brand after the region first), with counts; on SQLite (FTS5 grams) and PostgreSQL (GIN)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from tests.check.entries import entry, write_entries

from jointcredit.rules.searchtext import search_grams, search_key
from jointcredit.services import search
from jointcredit.services.imports import import_file

#: Names with 华为 at the start, after the region, in the middle and at the end.
NAMES = {
    1: "华为",
    2: "广东省深圳市华为通信有限公司",
    3: "华为路餐饮店",
    4: "中华为民科技有限公司",
    5: "深圳市华为技术有限公司",
    6: "测试贸易华为",
    7: "上海瑞华为科技有限公司",
    8: "北京测试科技有限责任公司",
    9: "深圳华为数字能源有限公司",
}


@pytest.fixture
def named(registry: Engine, tmp_path: Path) -> Engine:
    rows: list[dict[str, Any]] = []
    for serial, name in NAMES.items():
        row = entry(serial, "major-tax-violation-parties", department="SAT")
        row["subject"]["name"] = name
        rows.append(row)
    done = import_file(registry, "list-entry", write_entries(tmp_path / "n.jsonl", rows))
    assert done.accepted == len(rows), done.rejected
    return registry


def _found(engine: Engine, query: str, **kw: Any) -> list[tuple[str, str]]:
    return [(h.name, h.reason) for h in search.search(engine, query, **kw).hits]


def test_the_brand_after_the_region_comes_first(named: Engine) -> None:
    assert _found(named, "华为") == [
        ("华为", "name"),
        ("深圳市华为技术有限公司", "brand"),
        ("深圳华为数字能源有限公司", "brand"),
        ("广东省深圳市华为通信有限公司", "brand"),
        ("华为路餐饮店", "prefix"),
        ("测试贸易华为", "contains"),
        ("中华为民科技有限公司", "contains"),
        ("上海瑞华为科技有限公司", "contains"),
    ]
    # Traditional script, full-width spaces: the same key.
    assert _found(named, "華　為") == _found(named, "华为")
    result = search.search(named, "华为", limit=3)
    assert (result.count, result.count_exact, result.has_more) == (8, True, True)


def test_one_character_anywhere(named: Engine) -> None:
    names = [name for name, _ in _found(named, "民", limit=100)]
    assert names == ["中华为民科技有限公司"]
    assert len(_found(named, "司", limit=100)) == 6
    assert _found(named, "技术") == [("深圳市华为技术有限公司", "contains")]


def test_a_key_in_more_names_than_the_bound_gives_a_full_page(
    registry: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "CANDIDATES", 5)
    monkeypatch.setattr(search, "COUNT_BOUND", 8)
    _insert(registry, [f"北京测试{n}贸易有限公司" for n in range(12)])
    result = search.search(registry, "贸易", public=False, limit=5)
    assert len(result.hits) == 5 and (result.count, result.count_exact) == (8, False)
    assert all("贸易" in h.name for h in result.hits)
    assert search.search(registry, "测试1", public=False).count == 3  # 测试1, 测试10, 测试11


def _insert(engine: Engine, names: list[str]) -> list[int]:
    """Subjects written as the import writes their keys (the index is the database's)."""
    now = dt.datetime.now(dt.UTC)
    ids = []
    with engine.begin() as conn:
        start = conn.execute(text("SELECT coalesce(max(id), 0) FROM subjects")).scalar_one()
        for n, name in enumerate(names, start + 1):
            key = search_key(name)
            conn.execute(
                text(
                    "INSERT INTO subjects (id, kind, name, identifier, identifier_type, "
                    "created_at, updated_at, search_key, search_grams) VALUES (:id, "
                    "'legal-person', :name, :code, 'uscc', :now, :now, :key, :grams)"
                ),
                {"id": n, "name": name, "code": f"X{n:017d}", "now": now, "key": key,
                 "grams": search_grams(key)},
            )  # fmt: skip
            ids.append(n)
    return ids


_CHARS = st.sampled_from(list("华为小米京东万科贸易餐饮深圳市北京有限公司技术科技中国银行ab12"))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    names=st.lists(st.text(_CHARS, min_size=2, max_size=12), min_size=1, max_size=8),
    data=st.data(),
)
def test_every_name_is_found_by_any_short_piece_of_it(
    registry: Engine, names: list[str], data: st.DataObject
) -> None:
    with registry.begin() as conn:
        conn.execute(text("DELETE FROM subjects"))
    ids = _insert(registry, names)
    n = data.draw(st.integers(0, len(names) - 1))
    key = search_key(names[n])
    size = data.draw(st.integers(1, min(3, len(key))))
    at = data.draw(st.integers(0, len(key) - size))
    piece = key[at : at + size]
    result = search.search(registry, piece, public=False, limit=100)
    containing = sum(piece in search_key(name) for name in names)
    assert result.count_exact and result.count == containing
    assert ids[n] in {h.subject_id for h in result.hits}


def test_the_cli_gives_the_portal_s_hits(named: Engine, db_url: str) -> None:
    script = Path(sys.executable).parent / "jointcredit"
    done = subprocess.run(
        [str(script), "subjects", "search", "华为", "--json", "-d", db_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    import json

    body = json.loads(done.stdout)
    assert [h["name"] for h in body["hits"]] == [n for n, _ in _found(named, "华为")]
    assert (body["count"], body["count_exact"]) == (8, True)
