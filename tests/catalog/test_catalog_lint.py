"""Each lint rule on a synthetic catalog: the right code, file and line (one test per code)."""

from __future__ import annotations

from catalog.helpers import Fixture, only
from jointcredit.catalog import Severity, lint, load_catalog


def test_the_synthetic_catalog_is_clean(cat: Fixture) -> None:
    assert lint([cat.root]) == []
    catalog = load_catalog([cat.root])
    assert list(catalog.measures) == ["mou-test/01"]
    assert catalog.measures["mou-test/01"].list_types == ("defaulters",)


def test_missing_legal_basis(cat: Fixture) -> None:
    cat.add_measure(
        """\
        - id: mou-test/02  # HERE
          text_zh: 限制招标。
          text_en: Restrict bidding.
          category: market
          binding: mandatory
          targets: [subject]
          implementing_departments: [MPS]
          matters: [public-bidding]
        """
    )
    problem = only(lint([cat.root]), "missing-legal-basis")
    assert problem.file == cat.root / "mou-test.yaml"
    assert problem.line == cat.line_of("mou-test.yaml")
    assert problem.severity is Severity.ERROR


def test_missing_legal_basis_null_and_on_a_list_type(cat: Fixture) -> None:
    cat.replace("mou-test.yaml", "legal_basis: 测〔2020〕1号 第1项", "legal_basis: null  # HERE")
    cat.replace("list-types.yaml", "legal_basis: 某规定第二条", "legal_basis: ''  # HERE")
    problems = [p for p in lint([cat.root]) if p.code == "missing-legal-basis"]
    assert [(p.file.name, p.line) for p in problems] == [
        ("list-types.yaml", cat.line_of("list-types.yaml")),
        ("mou-test.yaml", cat.line_of("mou-test.yaml")),
    ]


def test_unknown_department_points_at_the_item(cat: Fixture) -> None:
    cat.replace(
        "mou-test.yaml",
        "implementing_departments: [MPS]",
        "implementing_departments: [MPS, XYZ]  # HERE",
    )
    problem = only(lint([cat.root]), "unknown-department")
    assert problem.line == cat.line_of("mou-test.yaml")
    # A flow list keeps one line: the column tells which item.
    assert problem.column == len("    implementing_departments: [MPS, ") + 1
    assert "'XYZ'" in problem.message


def test_unknown_department_in_a_department_successor_and_signatories(cat: Fixture) -> None:
    cat.replace("departments.yaml", "superseded_by: SAMR", "superseded_by: NOPE  # HERE")
    cat.replace("mou-test.yaml", "signatories: [SPC, MPS]", "signatories: [SPC, MOF]  # HERE")
    problems = [p for p in lint([cat.root]) if p.code == "unknown-department"]
    assert {(p.file.name, p.line) for p in problems} == {
        ("departments.yaml", cat.line_of("departments.yaml")),
        ("mou-test.yaml", cat.line_of("mou-test.yaml")),
    }


def test_unknown_matter(cat: Fixture) -> None:
    cat.replace("mou-test.yaml", "matters: [air-travel]", "matters: [air-travle]  # HERE")
    problem = only(lint([cat.root]), "unknown-matter")
    assert (problem.file.name, problem.line) == ("mou-test.yaml", cat.line_of("mou-test.yaml"))


def test_unknown_list_type_of_a_document_and_of_a_measure(cat: Fixture) -> None:
    cat.replace("mou-test.yaml", "list_type: defaulters", "list_type: defaulter  # HERE")
    problem = only(lint([cat.root]), "unknown-list-type")
    assert problem.line == cat.line_of("mou-test.yaml")
    # Reported once at the document, not again at each measure that inherits it.
    cat.replace("mou-test.yaml", "list_type: defaulter  # HERE", "list_type: defaulters")
    cat.replace(
        "mou-test.yaml",
        "    matters: [air-travel]\n",
        "    matters: [air-travel]\n    list_types:\n      - defaulters\n      - nope  # HERE\n",
    )
    problem = only(lint([cat.root]), "unknown-list-type")
    assert problem.line == cat.line_of("mou-test.yaml")


def test_duplicate_id_in_one_file(cat: Fixture) -> None:
    cat.add_measure(
        """\
        - id: mou-test/01  # HERE
          text_zh: 重复。
          text_en: Duplicate.
          category: market
          binding: mandatory
          targets: [subject]
          implementing_departments: [MPS]
          matters: [air-travel]
          legal_basis: 测〔2020〕1号 第2项
        """
    )
    problem = only(lint([cat.root]), "duplicate-id")
    assert problem.line == cat.line_of("mou-test.yaml")
    assert "mou-test.yaml:12" in problem.message  # where the first one is


def test_target_not_allowed_for_a_persons_only_list_type(cat: Fixture) -> None:
    cat.replace(
        "mou-test.yaml",
        "    targets: [subject]\n",
        "    list_types: [persons-only]\n    targets: [subject, legal-representative]  # HERE\n",
    )
    problem = only(lint([cat.root]), "target-not-allowed")
    assert problem.line == cat.line_of("mou-test.yaml")
    assert "natural-person" in problem.message


def test_target_allowed_when_one_list_type_lists_organisations(cat: Fixture) -> None:
    cat.replace(
        "mou-test.yaml",
        "    targets: [subject]\n",
        "    list_types: [persons-only, defaulters]\n"
        "    targets: [subject, legal-representative]\n",
    )
    assert [p.code for p in lint([cat.root])] == []


def test_target_not_allowed_for_a_clean_record_trigger(cat: Fixture) -> None:
    cat.write(
        "policy.yaml",
        """\
        id: policy
        title_zh: 政策
        title_en: Policy
        document_number: null
        issued: 2016-05
        kind: incentive
        list_type: null
        initiating_department: null
        signatories: []
        source: null
        measures:
          - id: policy/clean
            text_zh: 对连续三年无不良信用记录的，实施绿色通道。
            text_en: Green channel after three clean years.
            category: administrative
            binding: recommended
            trigger:
              clean_record:
                period: P3Y
                negative: [black-list-entry, penalty-severe]
                subject_known: true
            targets: [subject, actual-controller]  # HERE
            implementing_departments: [SAMR]
            matters: [public-bidding]
            legal_basis: 国发〔2016〕33号 二（四）
        """,
    )
    problem = only(lint([cat.root]), "target-not-allowed")
    assert (problem.file.name, problem.line) == ("policy.yaml", cat.line_of("policy.yaml"))


def test_person_reach_without_target_from_the_text(cat: Fixture) -> None:
    cat.replace(
        "mou-test.yaml",
        "text_zh: 限制失信被执行人乘坐飞机。",
        "text_zh: 限制失信被执行人及其法定代表人、实际控制人乘坐飞机。",
    )
    cat.replace(
        "mou-test.yaml", "targets: [subject]", "targets: [subject, legal-representative]  # HERE"
    )
    problem = only(lint([cat.root]), "person-reach-without-target")
    assert problem.line == cat.line_of("mou-test.yaml")
    assert "actual-controller" in problem.message
    assert "legal-representative" not in problem.message


def test_a_position_restriction_does_not_reach_persons(cat: Fixture) -> None:
    cat.replace(
        "mou-test.yaml",
        "text_zh: 限制失信被执行人乘坐飞机。",
        "text_zh: 限制其担任企业的法定代表人、董事、监事及经理。",
    )
    assert lint([cat.root]) == []


def test_person_reach_without_target_from_the_listing_criteria(cat: Fixture) -> None:
    cat.replace(
        "list-types.yaml",
        "  default_period: P2Y\n",
        "  default_period: P2Y\n"
        "  listing_criteria: 被执行人为单位的，其法定代表人、主要负责人同受限制。\n",
    )
    cat.replace("mou-test.yaml", "targets: [subject]", "targets: [subject]  # HERE")
    problem = only(lint([cat.root]), "person-reach-without-target")
    assert problem.line == cat.line_of("mou-test.yaml")
    assert "legal-representative, principal-responsible-person" in problem.message


def test_person_reach_partial_is_a_warning(cat: Fixture) -> None:
    cat.replace(
        "mou-test.yaml",
        "text_zh: 限制失信被执行人乘坐飞机。",
        "text_zh: 撤销失信企业及其高级管理人员的荣誉称号。",
    )
    problem = only(lint([cat.root]), "person-reach-partial")
    assert problem.severity is Severity.WARNING
    load_catalog([cat.root])  # a warning does not block loading


def test_bad_value(cat: Fixture) -> None:
    cat.replace("mou-test.yaml", "category: market", "category: marketing  # HERE")
    problem = only(lint([cat.root]), "bad-value")
    assert problem.line == cat.line_of("mou-test.yaml")
    assert "administrative, market, sectoral, social" in problem.message


def test_bad_value_period_and_issued(cat: Fixture) -> None:
    cat.replace("list-types.yaml", "default_period: P1Y", "default_period: 1 year  # HERE")
    cat.replace("mou-test.yaml", "issued: 2020-01-01", "issued: 2020  # HERE")
    problems = [p for p in lint([cat.root]) if p.code == "bad-value"]
    assert {(p.file.name, p.line) for p in problems} == {
        ("list-types.yaml", cat.line_of("list-types.yaml")),
        ("mou-test.yaml", cat.line_of("mou-test.yaml")),
    }


def test_parse_error_with_the_line(cat: Fixture) -> None:
    cat.write("broken.yaml", "id: broken\nmeasures:\n  - id: x\n   text_zh: [unclosed\n")
    problem = only(lint([cat.root]), "parse-error")
    assert problem.file.name == "broken.yaml"
    assert problem.line == 4


def test_parse_error_for_a_document_that_is_a_list(cat: Fixture) -> None:
    cat.write("local.yaml", "- code: X\n")
    problem = only(lint([cat.root]), "parse-error")
    assert "departments*" in problem.message


def test_missing_field(cat: Fixture) -> None:
    cat.replace("mou-test.yaml", "    binding: mandatory\n", "")
    problem = only(lint([cat.root]), "missing-field")
    assert "'binding'" in problem.message
    assert problem.line == 12  # the measure's first line


def test_duplicate_key(cat: Fixture) -> None:
    cat.replace(
        "mou-test.yaml",
        "    binding: mandatory\n",
        "    binding: mandatory\n    binding: recommended  # HERE\n",
    )
    problem = only(lint([cat.root]), "duplicate-key")
    assert problem.line == cat.line_of("mou-test.yaml")


def test_unknown_field_is_a_warning(cat: Fixture) -> None:
    cat.replace("mou-test.yaml", "    legal_basis:", "    legal_bases: x  # HERE\n    legal_basis:")
    problem = only(lint([cat.root]), "unknown-field")
    assert problem.severity is Severity.WARNING
    assert problem.line == cat.line_of("mou-test.yaml")


def test_kind_mismatch(cat: Fixture) -> None:
    cat.replace(
        "mou-test.yaml",
        "    targets: [subject]\n",
        "    list_types: [model-enterprises]  # HERE\n    targets: [subject]\n",
    )
    problem = only(lint([cat.root]), "kind-mismatch")
    assert problem.line == cat.line_of("mou-test.yaml")
    assert "punishment measure on red list" in problem.message


def test_missing_list_type(cat: Fixture) -> None:
    cat.replace("mou-test.yaml", "list_type: defaulters", "list_type: null")
    problem = only(lint([cat.root]), "missing-list-type")
    assert problem.line == 12


def test_unknown_document_as_successor(cat: Fixture) -> None:
    cat.replace(
        "mou-test.yaml",
        "kind: punishment\n",
        "kind: punishment\nstatus: superseded\nsuperseded_by: mou-2099  # HERE\n",
    )
    problem = only(lint([cat.root]), "unknown-document")
    assert problem.line == cat.line_of("mou-test.yaml")


def test_usual_warnings(cat: Fixture) -> None:
    cat.replace("mou-test.yaml", "binding: mandatory", "binding: unknown  # HERE")
    cat.replace("mou-test.yaml", "implementing_departments: [MPS]", "implementing_departments: []")
    problems = lint([cat.root])
    assert {p.code for p in problems} == {"binding-unknown", "no-implementing-department"}
    assert all(p.severity is Severity.WARNING for p in problems)
    assert only(problems, "binding-unknown").line == cat.line_of("mou-test.yaml")
    load_catalog([cat.root])


def test_problem_prints_as_file_line_severity_code_message(cat: Fixture) -> None:
    cat.replace("mou-test.yaml", "matters: [air-travel]", "matters: [nowhere]")
    problem = only(lint([cat.root]), "unknown-matter")
    assert str(problem) == (
        f"{cat.root / 'mou-test.yaml'}:19: error unknown-matter: "
        "measure mou-test/01: matters names unknown matter 'nowhere'"
    )
