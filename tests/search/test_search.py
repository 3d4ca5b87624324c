"""Subject search, on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm): substrings of Chinese
names, traditional/simplified, full-width and spaces, ranking, short queries, identifiers, and
what the public may not see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from tests.check.entries import entry, write_entries
from tests.importing.rows import resident_id

from jointcredit.errors import InvalidInputError
from jointcredit.rules.searchtext import search_key
from jointcredit.services import search
from jointcredit.services.imports import import_file

NAMES = {
    1: "杭州云帆科技有限公司",
    2: "云帆科技有限公司",
    3: "云帆科技",
    4: "深圳市云帆科技发展有限责任公司",
    5: "远新(南京)广告有限公司",
    6: "北京海风贸易有限公司",
}


def _company(serial: int, name: str) -> dict[str, Any]:
    row = entry(serial, "major-tax-violation-parties", department="SAT")
    row["subject"]["name"] = name
    return row


@pytest.fixture
def registry_with_names(registry: Engine, tmp_path: Path) -> Engine:
    rows = [_company(s, n) for s, n in NAMES.items()]
    person = entry(7, kind="natural-person", decided_on="2026-06-01")
    person["subject"]["name"] = "云帆科技人"
    rows.append(person)
    done = import_file(registry, "list-entry", write_entries(tmp_path / "names.jsonl", rows))
    assert done.accepted == len(rows), done.rejected
    return registry


def _names(engine: Engine, query: str, **kw: Any) -> list[str]:
    return [h.name for h in search.search(engine, query, **kw).hits]


def test_a_part_of_a_name_finds_the_whole_ranked_by_closeness(registry_with_names: Engine) -> None:
    found = _names(registry_with_names, "云帆科技")
    # Equal name first, then names whose brand it is (right after the region, shorter
    # first), then names starting with it.
    assert found == [
        "云帆科技",
        "杭州云帆科技有限公司",
        "深圳市云帆科技发展有限责任公司",
        "云帆科技有限公司",
    ]
    reasons = [h.reason for h in search.search(registry_with_names, "云帆科技").hits]
    assert reasons == ["name", "brand", "brand", "prefix"]


@pytest.mark.parametrize(
    "typed",
    ["雲帆科技", "云帆 科技", "云帆科技", " 雲 帆 科 技 ", "杭州云帆"],
)
def test_what_people_type_finds_the_issues_example(registry_with_names: Engine, typed: str) -> None:
    assert "杭州云帆科技有限公司" in _names(registry_with_names, typed)


def test_brackets_full_width_and_case_do_not_matter(registry_with_names: Engine) -> None:
    for typed in ("远新南京广告", "遠新（南京）廣告", "远新(南京)广告有限公司"):
        assert _names(registry_with_names, typed) == ["远新(南京)广告有限公司"], typed


def test_short_queries_find_names_containing_them(registry_with_names: Engine) -> None:
    result = search.search(registry_with_names, "云帆")
    assert result.short_query and (result.count, result.count_exact) == (4, True)
    assert [h.name for h in result.hits] == [
        "杭州云帆科技有限公司",
        "深圳市云帆科技发展有限责任公司",
        "云帆科技",
        "云帆科技有限公司",
    ]
    assert _names(registry_with_names, "海风") == ["北京海风贸易有限公司"]
    assert _names(registry_with_names, "贸") == ["北京海风贸易有限公司"]


def test_identifiers_are_found_exactly_and_persons_only_so(registry_with_names: Engine) -> None:
    code = entry(6)["subject"]["uscc"]
    hits = search.search(registry_with_names, code.lower()).hits
    assert [(h.name, h.reason, h.identifier) for h in hits] == [
        ("北京海风贸易有限公司", "identifier", code)
    ]
    # A person is never found by name in the public view; by the full number, masked.
    assert "云帆科技人" not in str(search.search(registry_with_names, "云帆科技").to_dict())
    number = resident_id(7, birth="19700101")
    [person] = search.search(registry_with_names, number).hits
    assert person.kind == "natural-person" and number not in person.identifier
    assert "*" in person.identifier and person.name.startswith("云") and "帆" not in person.name
    # A department's view (not public) shows what is there.
    assert "云帆科技人" in _names(registry_with_names, "云帆科技", public=False)


def test_pages_and_bad_queries(registry_with_names: Engine) -> None:
    first = search.search(registry_with_names, "有限公司", limit=2)
    second = search.search(registry_with_names, "有限公司", limit=2, offset=2)
    assert first.has_more and len(first.hits) == len(second.hits) == 2
    assert not {h.subject_id for h in first.hits} & {h.subject_id for h in second.hits}
    for bad, message in (
        ("  ", "q: give a name"),
        ("——", "q: give a name"),
        ("x" * 101, "q: at most"),
    ):
        with pytest.raises(InvalidInputError, match=message):
            search.search(registry_with_names, bad)
    assert _names(registry_with_names, '云帆"科技') == _names(registry_with_names, "云帆科技")
    assert _names(registry_with_names, "100%_") == []


def test_new_subjects_are_searchable_at_once(registry_with_names: Engine, tmp_path: Path) -> None:
    assert _names(registry_with_names, "星河") == []
    path = write_entries(tmp_path / "more.jsonl", [_company(8, "苏州星河光电有限公司")])
    assert import_file(registry_with_names, "list-entry", path).accepted == 1
    assert _names(registry_with_names, "星河光电") == ["苏州星河光电有限公司"]


@settings(deadline=None)
@given(st.text(max_size=30))
def test_the_search_key_is_idempotent(text: str) -> None:
    key = search_key(text)
    assert search_key(key) == key and " " not in key


# Loading OpenCC's dictionaries takes a moment: once, not per example.
TO_TRADITIONAL = opencc.OpenCC("s2t")


@settings(deadline=None)
@given(st.sampled_from(list(NAMES.values())))
def test_full_width_and_traditional_forms_have_the_same_key(name: str) -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name)
    traditional = TO_TRADITIONAL.convert(name)
    assert search_key(full_width) == search_key(traditional) == search_key(name)
