"""Loading: operator files by configuration, duplicates across files, superseded documents."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from catalog.helpers import Fixture, only
from jointcredit.catalog import SHIPPED_DIR, CatalogError, default_paths, lint, load_catalog
from jointcredit.errors import NotFoundError
from jointcredit.settings import Settings

LOCAL_MOU = """\
# A city's own memorandum: new measures for the national list of judgment defaulters.
id: local-mou-2025-7
title_zh: 某市关于对失信被执行人实施联合惩戒的备忘录
title_en: City memorandum on judgment defaulters
document_number: 某发〔2025〕7号
issued: 2025-03-01
kind: punishment
list_type: judgment-defaulters
initiating_department: CITY-COURT
signatories: [CITY-COURT, SPC]
source: null
measures:
  - id: local-mou-2025-7/01
    text_zh: 限制失信被执行人申请市级人才补贴。
    text_en: Restrict applications for city talent subsidies.
    category: administrative
    binding: mandatory
    targets: [subject]
    implementing_departments: [CITY-COURT]
    matters: [government-subsidy]
    legal_basis: 某发〔2025〕7号 第1项
"""

LOCAL_DEPARTMENTS = """\
- code: CITY-COURT
  name_zh: 某市中级人民法院
  name_en: City Intermediate People's Court
"""


def _operator_dir(tmp_path: Path) -> Path:
    local = tmp_path / "local"
    local.mkdir()
    (local / "departments-city.yaml").write_text(LOCAL_DEPARTMENTS, encoding="utf-8")
    (local / "local-mou-2025-7.yaml").write_text(LOCAL_MOU, encoding="utf-8")
    return local


def test_operator_adds_a_local_mou_by_configuration(
    tmp_path: Path, settings_env: Callable[[str | None], None]
) -> None:
    shipped = load_catalog()
    local = _operator_dir(tmp_path)
    settings_env(str(local))
    assert default_paths() == (SHIPPED_DIR, local)

    catalog = load_catalog()
    assert catalog is not shipped
    assert "CITY-COURT" in catalog.departments
    assert catalog.version.files == shipped.version.files + 2
    assert catalog.version.digest != shipped.version.digest
    measure = catalog.measures["local-mou-2025-7/01"]
    assert measure.list_types == ("judgment-defaulters",)
    assert measure in catalog.measures_for_list_type("judgment-defaulters", date(2025, 3, 1))
    assert measure not in catalog.measures_for_list_type("judgment-defaulters", date(2025, 2, 28))
    assert catalog.select(department="CITY-COURT") == (measure,)


def test_several_paths_split_like_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "JOINTCREDIT_CATALOG_PATHS", f"/etc/a.yaml{os.pathsep}/etc/local{os.pathsep}"
    )
    assert Settings().catalog_paths == [Path("/etc/a.yaml"), Path("/etc/local")]
    monkeypatch.delenv("JOINTCREDIT_CATALOG_PATHS")
    assert Settings().catalog_paths == []


def test_single_file_and_missing_path(tmp_path: Path) -> None:
    local = _operator_dir(tmp_path)
    catalog = load_catalog(
        [SHIPPED_DIR, local / "departments-city.yaml", local / "local-mou-2025-7.yaml"]
    )
    assert "local-mou-2025-7/01" in catalog.measures
    problem = only(lint([SHIPPED_DIR, tmp_path / "nowhere"]), "parse-error")
    assert problem.file == tmp_path / "nowhere"


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    local = _operator_dir(tmp_path)
    (local / "departments-city.yaml").write_text(
        LOCAL_DEPARTMENTS + "- code: SPC\n  name_zh: 法院\n  name_en: Court\n", encoding="utf-8"
    )
    (local / "local-mou-2025-7.yaml").write_text(
        LOCAL_MOU.replace("local-mou-2025-7/01", "mou-2016-141/01"), encoding="utf-8"
    )
    problems = [p for p in lint([SHIPPED_DIR, local]) if p.is_error]
    assert [(p.code, p.file.name, p.line) for p in problems] == [
        ("duplicate-id", "departments-city.yaml", 4),
        ("duplicate-id", "local-mou-2025-7.yaml", 13),
    ]
    assert "departments.yaml:30" in problems[0].message  # the shipped SPC
    with pytest.raises(CatalogError) as caught:
        load_catalog([SHIPPED_DIR, local])
    assert [p.code for p in caught.value.problems] == ["duplicate-id", "duplicate-id"]
    assert "local-mou-2025-7.yaml:13: error duplicate-id" in str(caught.value)


def test_broken_catalog_refuses_to_load(cat: Fixture) -> None:
    cat.replace("mou-test.yaml", "matters: [air-travel]", "matters: [nowhere]")
    with pytest.raises(CatalogError, match="unknown-matter"):
        load_catalog([cat.root])


SUPERSEDING = """\
id: mou-new
title_zh: 新版
title_en: New edition
document_number: null
issued: 2022-06-01
kind: punishment
list_type: defaulters
initiating_department: SPC
signatories: [SPC]
source: null
measures:
  - id: mou-new/01
    text_zh: 限制乘坐飞机（新版）。
    text_en: Restrict air travel (new edition).
    category: market
    binding: mandatory
    targets: [subject]
    implementing_departments: [MPS]
    matters: [air-travel]
    legal_basis: 新版 第1项
"""


def test_superseded_document_applies_only_before_its_successor(cat: Fixture) -> None:
    cat.write("mou-new.yaml", SUPERSEDING)
    cat.replace(
        "mou-test.yaml",
        "kind: punishment\n",
        "kind: punishment\nstatus: superseded  # HERE\nsuperseded_by: mou-new\n",
    )
    problem = only(lint([cat.root]), "superseded-document")
    assert problem.line == cat.line_of("mou-test.yaml")
    assert "before 2022-06-01" in problem.message

    catalog = load_catalog([cat.root])

    def ids(day: date) -> list[str]:
        return [m.id for m in catalog.measures_for_list_type("defaulters", day)]

    assert ids(date(2019, 12, 31)) == []
    assert ids(date(2020, 1, 1)) == ["mou-test/01"]
    assert ids(date(2022, 5, 31)) == ["mou-test/01"]
    assert ids(date(2022, 6, 1)) == ["mou-new/01"]
    # Past checks stay reproducible: the old measures remain in the catalog.
    assert "mou-test/01" in catalog.measures
    assert [m.id for m in catalog.select(list_type="defaulters", on=date(2021, 1, 1))] == [
        "mou-test/01"
    ]


def test_successor_without_issue_date_is_an_error(cat: Fixture) -> None:
    cat.write("mou-new.yaml", SUPERSEDING.replace("issued: 2022-06-01", "issued: null"))
    cat.replace(
        "mou-test.yaml",
        "kind: punishment\n",
        "kind: punishment\nstatus: superseded\nsuperseded_by: mou-new  # HERE\n",
    )
    problem = only([p for p in lint([cat.root]) if p.is_error], "bad-value")
    assert problem.line == cat.line_of("mou-test.yaml")
    assert "no issue date" in problem.message


def test_lookups_refuse_unknown_codes() -> None:
    catalog = load_catalog([SHIPPED_DIR])
    with pytest.raises(NotFoundError):
        catalog.measures_for_list_type("no-such-list", date(2026, 1, 1))
    with pytest.raises(NotFoundError):
        catalog.select(matter="no-such-matter")
