"""The lint rules of regions (issue 15): departments' counterparts, parents and USCCs, regional
documents and lists, who carries a regional measure, and the node's own region. Each on a small
synthetic catalog, broken in one place that ``# HERE`` marks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from catalog.helpers import Fixture, only
from jointcredit.catalog import SHIPPED_DIR, Severity, lint, load_catalog
from jointcredit.settings import get_settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "regions"

# Synthetic authorities (the JCG marker of jointcredit.synth.subjects.authority_uscc).
DEPARTMENTS = """\
- code: ZJ-AMR
  name_zh: 浙江省市场监督管理局（示例）
  name_en: Zhejiang market regulator (sample)
  region: "330000"
  counterpart: SAMR
  uscc: 11330000JCG1B2C55K
- code: HZ-AMR
  name_zh: 杭州市市场监督管理局（示例）
  name_en: Hangzhou market regulator (sample)
  region: 330100
  counterpart: SAMR
  parent: ZJ-AMR
  uscc: 11330100JCG1B2FC1L
- code: JS-AMR
  name_zh: 江苏省市场监督管理局（示例）
  name_en: Jiangsu market regulator (sample)
  region: "320000"
  counterpart: SAMR
  uscc: 11320000JCG1ANYJ1F
"""

LIST_TYPES = """\
- code: zj-honest
  kind: red
  name_zh: 浙江省诚信企业（示例）
  name_en: Zhejiang honest enterprises (sample)
  initiating_department: ZJ-AMR
  legal_basis: 某条例第一条
  subject_types: [legal-person]
  default_period: P3Y
  region: "330000"
- code: js-dishonest
  kind: black
  name_zh: 江苏省失信主体（示例）
  name_en: Jiangsu dishonest subjects (sample)
  initiating_department: JS-AMR
  legal_basis: 某条例第二条
  subject_types: [legal-person]
  default_period: P3Y
  region: "320000"
"""

DOCUMENT = """\
id: zj-doc
title_zh: 浙江省联合惩戒备忘录（示例）
title_en: Zhejiang memorandum (sample)
document_number: 浙示〔2026〕1号
issued: 2026-01-05
kind: punishment
list_type: defaulters
initiating_department: ZJ-AMR
signatories: [ZJ-AMR, HZ-AMR]
source: null
region: "330000"
measures:
  - id: zj-doc/01
    text_zh: 限制参与省内招标投标。
    text_en: No public bidding in the province.
    category: administrative
    binding: mandatory
    targets: [subject]
    implementing_departments: [SAMR]
    matters: [public-bidding]
    legal_basis: 浙示〔2026〕1号 第一条
"""


def _script() -> str:
    beside = Path(sys.executable).parent / "jointcredit"
    found = str(beside) if beside.is_file() else shutil.which("jointcredit")
    if found is None:  # pragma: no cover - the package is installed with its script
        pytest.fail("the jointcredit console script is not installed")
    return found


@pytest.fixture
def region_env() -> Iterator[Callable[[str | None], None]]:
    """Set JOINTCREDIT_REGION for the process settings; restored afterwards."""
    before = os.environ.get("JOINTCREDIT_REGION")

    def apply(value: str | None) -> None:
        if value is None:
            os.environ.pop("JOINTCREDIT_REGION", None)
        else:
            os.environ["JOINTCREDIT_REGION"] = value
        get_settings.cache_clear()

    apply(None)
    yield apply
    apply(before)


@pytest.fixture
def zj(cat: Fixture, region_env: Callable[[str | None], None]) -> Fixture:
    """The synthetic catalog plus a province's departments, lists and memorandum."""
    cat.write("departments-regions.yaml", DEPARTMENTS)
    cat.write("list-types-regions.yaml", LIST_TYPES)
    cat.write("zj-doc.yaml", DOCUMENT)
    return cat


def test_the_regional_catalogs_are_clean(zj: Fixture) -> None:
    assert lint([zj.root]) == []
    catalog = load_catalog([zj.root])
    assert catalog.departments["HZ-AMR"].region == "330100"
    shipped = lint([SHIPPED_DIR, FIXTURES])
    assert [str(p) for p in shipped if p.is_error] == []
    assert not [p for p in shipped if p.file.parent == FIXTURES]


def test_unknown_counterpart_and_parent(zj: Fixture) -> None:
    zj.replace(
        "departments-regions.yaml",
        "counterpart: SAMR\n  uscc: 1133000",
        "counterpart: SMAR  # HERE\n  uscc: 1133000",
    )
    problem = only(lint([zj.root]), "unknown-department")
    assert problem.line == zj.line_of("departments-regions.yaml")
    assert "counterpart names unknown department 'SMAR'" in problem.message
    zj.replace("departments-regions.yaml", "SMAR  # HERE", "SAMR")
    zj.replace("departments-regions.yaml", "parent: ZJ-AMR", "parent: ZJ-AM  # HERE")
    problem = only(lint([zj.root]), "unknown-department")
    assert problem.line == zj.line_of("departments-regions.yaml")
    assert "parent names unknown department 'ZJ-AM'" in problem.message


def test_circles_of_counterparts_and_of_parents(zj: Fixture) -> None:
    # A national body whose counterpart is itself (through its successor SAIC → SAMR).
    zj.replace(
        "departments.yaml",
        "name_en: State Administration for Market Regulation",
        "name_en: State Administration for Market Regulation\n  counterpart: SAIC  # HERE",
    )
    problem = only(lint([zj.root]), "bad-value")
    assert problem.line == zj.line_of("departments.yaml")
    assert "counterparts go round in a circle" in problem.message
    zj.replace("departments.yaml", "\n  counterpart: SAIC  # HERE", "")
    zj.replace(
        "departments-regions.yaml",
        "  counterpart: SAMR\n  uscc: 1133000",
        "  counterpart: SAMR\n  parent: HZ-AMR  # HERE\n  uscc: 1133000",
    )
    problems = [p for p in lint([zj.root]) if p.code == "bad-value"]
    # Both members of the circle: ZJ-AMR (marked) and HZ-AMR (its parent: ZJ-AMR).
    assert len(problems) == 2, problems
    assert zj.line_of("departments-regions.yaml") in {p.line for p in problems}
    assert all("parents go round in a circle" in p.message for p in problems)


def test_two_departments_with_one_uscc(zj: Fixture) -> None:
    zj.replace(
        "departments-regions.yaml", "uscc: 11320000JCG1ANYJ1F", "uscc: 11330000JCG1B2C55K  # HERE"
    )
    problem = only(lint([zj.root]), "duplicate-uscc")
    assert problem.severity is Severity.ERROR
    assert problem.line == zj.line_of("departments-regions.yaml")
    assert "JS-AMR" in problem.message and "ZJ-AMR" in problem.message
    assert "departments-regions.yaml:" in problem.message


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        # A counterpart in another province.
        ("region: 330100\n  counterpart: JS-AMR  # HERE", "counterpart JS-AMR is 320000 江苏省"),
        # A counterpart of the same jurisdiction: not wider.
        ("region: 320000\n  counterpart: JS-AMR  # HERE", "counterpart JS-AMR is 320000 江苏省"),
        # A parent of a narrower jurisdiction.
        ("region: 330000\n  parent: HZ-AMR  # HERE", "parent HZ-AMR is 330100 杭州市"),
    ],
)
def test_counterpart_or_parent_outside_the_department_s_region(
    zj: Fixture, entry: str, says: str
) -> None:
    text = (zj.root / "departments-regions.yaml").read_text(encoding="utf-8")
    zj.write(
        "departments-regions.yaml",
        text
        + f"- code: X-BUREAU\n  name_zh: 某局（示例）\n  name_en: A bureau (sample)\n  {entry}\n",
    )
    problem = only(lint([zj.root]), "region-mismatch")
    assert problem.severity is Severity.ERROR
    assert problem.line == zj.line_of("departments-regions.yaml")
    assert says in problem.message


def test_a_national_department_with_a_regional_counterpart(zj: Fixture) -> None:
    zj.replace(
        "departments.yaml",
        "name_en: Ministry of Public Security",
        "name_en: Ministry of Public Security\n  counterpart: ZJ-AMR  # HERE",
    )
    problem = only(lint([zj.root]), "region-mismatch")
    assert problem.line == zj.line_of("departments.yaml")
    assert "department MPS (national): counterpart ZJ-AMR is 330000 浙江省" in problem.message


def test_a_superseded_counterpart_is_followed_with_a_warning(zj: Fixture) -> None:
    zj.replace(
        "departments-regions.yaml",
        "counterpart: SAMR\n  uscc: 1132",
        "counterpart: SAIC  # HERE\n  uscc: 1132",
    )
    problem = only(lint([zj.root]), "superseded-counterpart")
    assert problem.severity is Severity.WARNING
    assert problem.line == zj.line_of("departments-regions.yaml")
    assert "SAMR is followed in its place" in problem.message
    assert load_catalog([zj.root]).carriers("SAMR")[-1] == "JS-AMR"


def test_regional_list_type_of_another_region(zj: Fixture) -> None:
    zj.replace("zj-doc.yaml", "list_type: defaulters", "list_type: js-dishonest  # HERE")
    problem = only(lint([zj.root]), "region-mismatch")
    assert problem.severity is Severity.ERROR
    assert problem.line == zj.line_of("zj-doc.yaml")
    assert "could never apply" in problem.message
    # A measure's own list types, reported at the item.
    zj.replace("zj-doc.yaml", "list_type: js-dishonest  # HERE", "list_type: defaulters")
    zj.replace(
        "zj-doc.yaml",
        "    matters: [public-bidding]",
        "    list_types: [defaulters, js-dishonest]  # HERE\n    matters: [public-bidding]",
    )
    problem = only(lint([zj.root]), "region-mismatch")
    assert problem.line == zj.line_of("zj-doc.yaml")
    assert problem.column == len("    list_types: [defaulters, ") + 1
    # A Hangzhou document on a Zhejiang list overlaps: nothing to report.
    zj.replace("zj-doc.yaml", "[defaulters, js-dishonest]  # HERE", "[defaulters]")
    zj.replace("zj-doc.yaml", 'region: "330000"', 'region: "330100"')
    zj.replace("zj-doc.yaml", "kind: punishment", "kind: mixed")
    zj.add_measure(
        """\
        - id: zj-doc/02
          kind: incentive
          text_zh: 优先办理。
          text_en: Priority handling.
          category: administrative
          binding: recommended
          targets: [subject]
          implementing_departments: [HZ-AMR]
          matters: [public-bidding]
          list_types: [zj-honest]
          legal_basis: 浙示〔2026〕1号 第二条
        """,
        "zj-doc.yaml",
    )
    zj.replace(
        "zj-doc.yaml",
        "    matters: [public-bidding]\n    legal_basis: 浙示〔2026〕1号 第一条",
        "    kind: punishment\n"
        "    matters: [public-bidding]\n    legal_basis: 浙示〔2026〕1号 第一条",
    )
    problems = lint([zj.root])
    assert [p for p in problems if p.code == "region-mismatch"] == []
    # ZJ-AMR (Zhejiang) initiates and signs a Hangzhou document: outside its region.
    assert {p.code for p in problems} == {"department-outside-region"}


def test_departments_of_a_regional_document_outside_its_region(zj: Fixture) -> None:
    zj.replace(
        "zj-doc.yaml", "signatories: [ZJ-AMR, HZ-AMR]", "signatories: [ZJ-AMR, JS-AMR, SPC]  # HERE"
    )
    zj.replace(
        "zj-doc.yaml", "initiating_department: ZJ-AMR", "initiating_department: JS-AMR  # THERE"
    )
    problems = [p for p in lint([zj.root]) if p.code == "department-outside-region"]
    assert all(p.severity is Severity.WARNING for p in problems)
    here, there = zj.line_of("zj-doc.yaml"), zj.line_of("zj-doc.yaml", "# THERE")
    assert [(p.line, p.message.split("its ")[-1]) for p in problems] == [
        (there, "initiating_department JS-AMR is 320000 江苏省"),
        (here, "signatories JS-AMR is 320000 江苏省"),
        (here, "signatories SPC is national"),
    ]
    # The same for a regional list type's initiating department.
    zj.replace(
        "list-types-regions.yaml",
        "initiating_department: JS-AMR",
        "initiating_department: ZJ-AMR  # HERE",
    )
    problems = [p for p in lint([zj.root]) if p.file.name == "list-types-regions.yaml"]
    assert [(p.code, p.line) for p in problems] == [
        ("department-outside-region", zj.line_of("list-types-regions.yaml"))
    ]


def test_a_regional_measure_nobody_in_its_region_carries(zj: Fixture) -> None:
    # MPS has no Zhejiang counterpart: nobody in Zhejiang is due to apply the measure.
    zj.replace(
        "zj-doc.yaml", "implementing_departments: [SAMR]", "implementing_departments: [MPS]  # HERE"
    )
    problem = only(lint([zj.root]), "no-implementer-in-region")
    assert problem.severity is Severity.WARNING
    assert problem.line == zj.line_of("zj-doc.yaml")
    assert "330000 浙江省" in problem.message and "MPS" in problem.message
    # Through a superseded body (SAIC → SAMR → ZJ-AMR, HZ-AMR) someone does.
    zj.replace("zj-doc.yaml", "[MPS]  # HERE", "[SAIC]")
    assert lint([zj.root]) == []
    # JS-AMR is a carrier of SAMR, but not in Zhejiang.
    zj.replace("zj-doc.yaml", "[SAIC]", "[JS-AMR]")
    assert only(lint([zj.root]), "no-implementer-in-region")
    # A national measure on a national list is carried everywhere: no such warning.
    zj.replace("zj-doc.yaml", 'region: "330000"\n', "")
    assert not [p for p in lint([zj.root]) if p.code == "no-implementer-in-region"]


def test_documents_and_lists_outside_the_node_s_region(
    zj: Fixture, region_env: Callable[[str | None], None]
) -> None:
    zj.replace("list-types-regions.yaml", 'region: "320000"', 'region: "320000"  # HERE')
    region_env("330100")  # a Hangzhou node: Zhejiang's documents apply, Jiangsu's never
    problem = only(lint([zj.root]), "outside-node-region")
    assert problem.severity is Severity.WARNING
    assert problem.line == zj.line_of("list-types-regions.yaml")
    assert "js-dishonest" in problem.message and "330100 杭州市" in problem.message
    assert [w.code for w in load_catalog([zj.root]).warnings] == ["outside-node-region"]
    region_env(None)  # the national node: every region is its own
    assert lint([zj.root]) == []


def test_the_lint_command_reports_the_region_rules(zj: Fixture) -> None:
    zj.replace("zj-doc.yaml", "list_type: defaulters", "list_type: js-dishonest")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env |= {"COLUMNS": "200", "JOINTCREDIT_REGION": "330000"}
    result = subprocess.run(
        [_script(), "catalog", "lint", "--only", "catalog"],
        capture_output=True,
        text=True,
        env=env,
        cwd=zj.root.parent,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        "catalog/list-types-regions.yaml:18: warning outside-node-region: list type "
        "js-dishonest is of 320000 江苏省, outside this node's region 330000 浙江省 "
        "(JOINTCREDIT_REGION): it never applies here",
        "catalog/zj-doc.yaml:7: error region-mismatch: document zj-doc is of 330000 浙江省 but "
        "list type js-dishonest of 320000 江苏省: no department lies in both, so its measures "
        "could never apply",
    ]
    assert "1 error(s), 1 warning(s)" in result.stderr
