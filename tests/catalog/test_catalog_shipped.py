"""The catalog shipped in the package: loads, lints clean of errors, keeps its version, and its
real measures follow the date and target rules."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from jointcredit.catalog import (
    SHIPPED_DIR,
    Binding,
    Severity,
    Target,
    lint,
    load_catalog,
)

#: The version of the shipped files. A check result carries it, so a change must be deliberate:
#: when the shipped catalog is edited on purpose, put the new value here.
SHIPPED_VERSION = "sha256:095b87ddd6ef59aa (11 files)"

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "catalog"


def test_shipped_catalog_lints_clean_of_errors() -> None:
    """The CI gate: the platform would refuse to start on an error."""
    problems = lint([SHIPPED_DIR])
    errors = [str(p) for p in problems if p.severity is Severity.ERROR]
    assert errors == []


def test_shipped_catalog_warnings_are_the_known_kinds() -> None:
    counts = Counter(p.code for p in lint([SHIPPED_DIR]))
    assert set(counts) == {
        "binding-unknown",
        "no-implementing-department",
        "missing-text",
        "relative-legal-basis",
        "truncated-text",
        "possible-duplicate",
        "superseded-document",
        "issued-unknown",
        "person-reach-partial",
    }
    # Real findings in the transcribed data (reported, not edited): two codes for one matter,
    # a basis that says "同上", senior managers named but not targetable on their own.
    assert counts["possible-duplicate"] == 1
    assert counts["relative-legal-basis"] == 8
    assert counts["person-reach-partial"] == 1


def test_shipped_catalog_loads() -> None:
    catalog = load_catalog([SHIPPED_DIR])
    assert len(catalog.departments) == 65
    assert len(catalog.matters) == 44
    assert len(catalog.list_types) == 6
    assert len(catalog.documents) == 8
    assert len(catalog.measures) == 74
    assert catalog.warnings and all(not w.is_error for w in catalog.warnings)


def test_version_is_stable_and_independent_of_location(tmp_path: Path) -> None:
    shipped = load_catalog([SHIPPED_DIR]).version
    assert str(shipped) == SHIPPED_VERSION
    copy = tmp_path / "elsewhere"
    shutil.copytree(SHIPPED_DIR, copy)
    assert load_catalog([copy]).version == shipped
    (copy / "matters.yaml").write_text(
        (copy / "matters.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )
    assert load_catalog([copy]).version.digest != shipped.digest


def test_shipped_files_are_the_reference_unchanged() -> None:
    if not REFERENCE.is_dir():
        pytest.skip(f"reference catalog not present at {REFERENCE}")
    for path in sorted(REFERENCE.iterdir()):
        assert (SHIPPED_DIR / path.name).read_bytes() == path.read_bytes(), path.name


def test_default_catalog_is_loaded_once(settings_env: object) -> None:
    assert load_catalog() is load_catalog()
    assert str(load_catalog().version) == SHIPPED_VERSION


def test_tax_memorandum_editions_by_date() -> None:
    """mou-2014-3062 is superseded by mou-2016-2798, issued "2016-12" (read as 2016-12-01)."""
    catalog = load_catalog([SHIPPED_DIR])
    new = catalog.documents["mou-2016-2798"]
    assert (new.issued, new.issued_precision) == (date(2016, 12, 1), "month")

    def documents_on(day: date) -> set[str]:
        found = catalog.measures_for_list_type("major-tax-violation-parties", day)
        return {m.document for m in found}

    assert documents_on(date(2016, 11, 30)) == {"mou-2014-3062", "policy-2016-33"}
    assert documents_on(date(2016, 12, 1)) == {"mou-2016-2798", "policy-2016-33"}
    assert documents_on(date(2014, 12, 28)) == set()  # before the first edition was issued


def test_judgment_defaulter_measures() -> None:
    catalog = load_catalog([SHIPPED_DIR])
    measures = catalog.measures_for_list_type("judgment-defaulters", date(2026, 11, 27))
    documents = {m.document for m in measures}
    assert documents == {"mou-2016-141", "notice-2016-285", "opinions-2016-64", "policy-2016-33"}
    air = catalog.measures["opinions-2016-64/07-1"]
    assert air in measures
    assert Target.ACTUAL_CONTROLLER in air.targets
    assert air.implementing_departments == ()
    assert air.implementing_departments_inferred == ("CR", "CAAC")  # kept apart from the facts


def test_clean_record_measure() -> None:
    catalog = load_catalog([SHIPPED_DIR])
    (clean,) = catalog.clean_record_measures()
    assert clean.id == "policy-2016-33/04-clean"
    assert clean.list_types == ()
    assert clean.trigger is not None
    record = clean.trigger.clean_record
    assert record.period == "P3Y"
    assert record.negative == ("black-list-entry", "penalty-general", "penalty-severe")
    assert record.subject_known is True
    assert clean.binding is Binding.RECOMMENDED
    assert catalog.clean_record_measures(date(2016, 5, 29)) == ()


def test_unverified_marks_are_read_from_comments() -> None:
    catalog = load_catalog([SHIPPED_DIR])
    assert "text_zh" in catalog.measures["mou-2014-3062/05"].unverified
    assert catalog.measures["mou-2014-3062/02"].unverified == ()
