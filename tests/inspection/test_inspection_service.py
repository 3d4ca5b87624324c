"""The inspection service on a real registry, both databases: organisations graded through
services.grading (plus ungraded ones, one imported, and a natural person who is never drawn),
a plan drawn by the filter and the rates, its inspectors free of conflict, publication,
results, and verification — including after grades change and after tampering."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, update
from tests.grading.registry import DAY, Org, generate, write
from tests.importing.rows import PENALTIES, penalty_row, uscc, write_csv

from jointcredit.access import OPERATOR, PUBLIC, Principal
from jointcredit.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from jointcredit.inspection import draw
from jointcredit.inspection.draw import Inspector
from jointcredit.inspection.rates import Rates, load_rates
from jointcredit.services import audit, grading, inspections
from jointcredit.services.imports import import_file
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import credit_grades, inspection_items, subjects

SEED = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
INSPECTORS = [
    Inspector("I1", "张三", "SAMR-3301", subjects=frozenset({"91330100JC00000001"})),
    Inspector("I2", "李四", "SAMR-3301", regions=("330200",)),
    Inspector("I3", "王五", "SAMR-3301"),
    Inspector("I4", "赵六", "SAMR-3301"),
]


def _rates(**values: str) -> Rates:
    base = load_rates()
    chosen = {k: Decimal(v) for k, v in values.items()} if values else base.rates
    return Rates(base.version, base.name_zh, base.name_en, chosen, base.digest, base.file)


def _build(engine: Engine, tmp_path: Path) -> dict[str, str]:
    """40 graded organisations in 330100 and 330200 (10 registered by 民政, first character
    5), 4 ungraded ones, one imported through the importer, and a natural person. Returns
    identifier → class."""
    orgs = generate(40, seed=13)
    for org in orgs:
        region = "330100" if org.serial <= 25 else "330200"
        first = "51" if org.serial > 30 else "91"
        org.identifier = f"{first}{region}JC{org.serial:08d}"
    write(engine, orgs)
    grading.grade_all(engine, by=OPERATOR, day=DAY)
    write(engine, [Org(100 + k, f"91330100JC{100 + k:08d}") for k in range(4)])
    path = write_csv(
        tmp_path / "p.csv", [penalty_row(7, CF_XDR_SHXYM=uscc(7, region="330102"))], PENALTIES
    )
    assert import_file(engine, "penalty", path, today=DAY).accepted == 1
    now = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    with write_transaction(engine) as conn:
        conn.execute(
            insert(subjects).values(
                kind="natural-person",
                name="某某",
                identifier="330102198001011234",
                identifier_type="resident-id",
                created_at=now,
                updated_at=now,
            )
        )
    with engine.connect() as conn:
        rows = conn.execute(
            select(subjects.c.identifier, subjects.c.kind, credit_grades.c.grade).outerjoin(
                credit_grades, credit_grades.c.subject_id == subjects.c.id
            )
        ).all()
    return {i: (g or "ungraded") for i, kind, g in rows if kind != "natural-person"}


def test_plan_publish_results_verify(registry: Engine, tmp_path: Path) -> None:
    classes = _build(registry, tmp_path)
    assert "ungraded" in classes.values() and len(classes) == 45
    rates = _rates()
    summary = inspections.plan(
        registry,
        by=OPERATOR,
        name="2026年第一批",
        department="SAMR-3301",
        rates=rates,
        inspectors=INSPECTORS,
        seed=SEED,
        region="330000",
    )
    assert summary["filter"]["region"] == "33" and summary["status"] == "draft"
    assert summary["population"] == 45, "organisations only: the person is never in it"
    expected = [(i, c, n) for i, c, n in draw.select(SEED, classes.items(), rates.rates)]
    assert summary["drawn"] == len(expected) > 0
    for cls, row in summary["counts"].items():
        population = sum(1 for c in classes.values() if c == cls)
        assert row["population"] == population
        assert row["drawn"] == sum(1 for _, c, _ in expected if c == cls)
        assert Decimal(row["expected"]) == (rates.rates[cls] * population).quantize(Decimal("0.01"))
    code = summary["code"]
    assert code.endswith("-0001") and len(code) == 13

    # A draft is not public.
    with pytest.raises(NotFoundError):
        inspections.public_plan(registry, code, by=PUBLIC)
    with pytest.raises(InvalidInputError, match="publish the plan before its results"):
        inspections.publish(registry, code, by=OPERATOR, results=True)
    with pytest.raises(InvalidInputError, match="is draft"):
        inspections.record_result(registry, code, expected[0][0], by=OPERATOR, outcome="closed")

    document = inspections.publish(registry, code, by=OPERATOR)
    assert document["status"] == "published" and document["seed"] == SEED
    assert [s["identifier"] for s in document["subjects"]] == [i for i, _, _ in expected]
    assert "grade" not in document["subjects"][0], "risk classes are not published"
    for item, (ident, _, n) in zip(document["subjects"], expected, strict=True):
        assert item["draw"] == draw.value_text(n)
        chosen = {i["id"] for i in item["inspectors"]}
        assert len(chosen) == 2 or item["unassigned"]
        for inspector in INSPECTORS:
            if inspector.id in chosen:
                assert not inspector.conflicts_with(ident, ident[2:8])
    assert inspections.publish(registry, code, by=OPERATOR) == document, "idempotent"
    assert inspections.public_plan(registry, code, by=PUBLIC) == document

    with pytest.raises(NotFoundError, match="was not drawn"):
        inspections.record_result(
            registry,
            code,
            next(i for i in classes if i not in {e[0] for e in expected}),
            by=OPERATOR,
            outcome="no-problem",
        )
    with pytest.raises(InvalidInputError, match="--outcome"):
        inspections.record_result(registry, code, expected[0][0], by=OPERATOR, outcome="fine")
    for n, (ident, _, _) in enumerate(expected[:-1]):
        inspections.record_result(
            registry, code, ident, by=OPERATOR, outcome="no-problem" if n % 2 else "corrected"
        )
    with pytest.raises(InvalidInputError, match="1 drawn subject"):
        inspections.publish(registry, code, by=OPERATOR, results=True)
    inspections.record_result(
        registry, code, expected[-1][0], by=OPERATOR, outcome="not-found", note="无人"
    )
    closed = inspections.publish(registry, code, by=OPERATOR, results=True)
    assert closed["status"] == "closed" and closed["results_published_at"]
    assert closed["subjects"][-1]["result"] == "not-found"
    assert closed["subjects"][-1]["note"] == "无人"
    assert closed["subjects"][0]["result_zh"] == "发现问题已责令改正"
    with pytest.raises(InvalidInputError, match="is closed"):
        inspections.record_result(registry, code, expected[0][0], by=OPERATOR, outcome="closed")

    checked = inspections.verify(registry, code, by=OPERATOR)
    assert checked["matches"] and checked["population_unchanged"] and checked["checked"] == 45

    # Grades change after the draw: the stored draw still verifies; the note says so.
    with write_transaction(registry) as conn:
        conn.execute(update(credit_grades).values(grade="D"))
    checked = inspections.verify(registry, code, by=OPERATOR)
    assert checked["matches"] and not checked["population_unchanged"]

    # Tampering with a stored selection is found.
    with write_transaction(registry) as conn:
        conn.execute(
            update(inspection_items)
            .where(inspection_items.c.identifier == expected[0][0])
            .values(selected=False)
        )
    checked = inspections.verify(registry, code, by=OPERATOR)
    assert not checked["matches"]
    assert any(expected[0][0] in p for p in checked["problems"])

    actions = {r["action"] for r in audit.page(registry, by=OPERATOR, limit=50)}
    assert {
        "inspection-plan",
        "inspection-publish",
        "inspection-result",
        "inspection-verify",
    } <= actions


def test_filters_conflicts_and_unassigned(registry: Engine, tmp_path: Path) -> None:
    classes = _build(registry, tmp_path)
    everyone = _rates(A="1", B="1", C="1", D="1", ungraded="1")
    # 民政-registered organisations in 330200 only: all of them drawn at rate 1.
    summary = inspections.plan(
        registry,
        by=OPERATOR,
        name="民政",
        department="MCA",
        rates=everyone,
        inspectors=INSPECTORS,
        seed=SEED,
        region="3302",
        authority="5",
    )
    assert summary["population"] == summary["drawn"] == 10
    # I2 may not inspect in 330200 and I1 conflicts with one subject: teams from I3, I4.
    document = inspections.publish(registry, summary["code"], by=OPERATOR)
    for item in document["subjects"]:
        assert {i["id"] for i in item["inspectors"]} <= {"I1", "I3", "I4"}

    # Only the ungraded class, teams of 4 — but I1 may not inspect in Zhejiang (33): no
    # subject has a team, and every one is named.
    lone = inspections.plan(
        registry,
        by=OPERATOR,
        name="未评级",
        department="SAMR-3301",
        rates=everyone,
        inspectors=[Inspector("I1", "张三", "SAMR-3301", regions=("33",)), *INSPECTORS[1:]],
        seed=SEED,
        grades=["ungraded"],
        team=4,
    )
    ungraded = sorted(i for i, c in classes.items() if c == "ungraded")
    assert lone["population"] == lone["drawn"] == len(ungraded) == 5
    assert lone["unassigned"] == ungraded, "every one named, none dropped"
    assert lone["counts"].keys() == {"ungraded"}
    assert inspections.verify(registry, lone["code"], by=OPERATOR)["matches"]

    # A grade without a rate is refused, naming the file and the field.
    with pytest.raises(InvalidInputError, match=r"default.yaml: rates.D: missing"):
        inspections.plan(
            registry,
            by=OPERATOR,
            name="x",
            department="SAMR",
            rates=_rates(A="0.1", B="0.1", C="0.1", ungraded="0.1"),
            inspectors=INSPECTORS,
        )
    for bad, message in (
        ({"region": "3x"}, "--region"),
        ({"authority": "99"}, "--authority"),
        ({"kinds": ["natural-person"]}, "only organisations"),
        ({"grades": ["E"]}, "--grades 'E'"),
        ({"team": 0}, "--team"),
        ({"seed": "123"}, "--seed"),
    ):
        with pytest.raises(InvalidInputError, match=message):
            inspections.plan(
                registry,
                by=OPERATOR,
                name="x",
                department="SAMR",
                rates=everyone,
                inspectors=INSPECTORS,
                **bad,  # type: ignore[arg-type]
            )
    with pytest.raises(PermissionDeniedError):
        inspections.plan(
            registry,
            by=Principal("supervisor", "SAMR", key_id=1),
            name="x",
            department="SAMR",
            rates=everyone,
            inspectors=INSPECTORS,
        )
    with pytest.raises(NotFoundError):
        inspections.verify(registry, "20260101-9999", by=OPERATOR)
    listed = inspections.plans(registry, by=OPERATOR)
    assert [p["name"] for p in listed] == ["未评级", "民政"]
