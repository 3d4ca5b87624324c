"""Property tests of issue 15's rules of regions, on the pure functions:

- a measure of a regional document (or on a regional list) never applies to a check by a
  department outside its region, and the national measures apply to a check by any department
  as they do to a national one (``rules.check.decide`` over the two-province test catalog);
- a successor always receives what its superseded body would have: the receivers that
  ``services.push.implementers`` computes hold, for every department named as an implementer,
  its successor (when inside the measure's region), and the local departments carrying its
  duties there, and never a superseded body or a department outside the region (over the
  shipped catalog with the test provinces, and over generated catalogs).

The expected receivers are worked out here from the departments' fields (``superseded_by``,
``counterpart``, ``parent``, ``region``) and ``divisions.within``, not from ``Catalog.carriers``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from types import MappingProxyType

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.importing.rows import uscc

from jointcredit.catalog import Catalog, Measure, load_catalog
from jointcredit.catalog.loader import SHIPPED_DIR
from jointcredit.catalog.model import (
    Binding,
    CatalogVersion,
    Category,
    Department,
    Document,
    DocumentKind,
    ListKind,
    ListType,
    Matter,
    MeasureKind,
    Status,
    SubjectType,
    Target,
)
from jointcredit.identifiers import divisions
from jointcredit.rules.check import Entry, Facts, RuleBook, Subject, decide
from jointcredit.services.push import implementers

from .helpers import FIXTURE

PURE = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CATALOG = load_catalog([SHIPPED_DIR, FIXTURE])
RULES = RuleBook(CATALOG)
AS_OF = dt.date(2026, 3, 2)
#: The test provinces' divisions, and every current division besides.
NEAR = ("330000", "330100", "330106", "330200", "320000", "320100", "320500")
CURRENT = tuple(sorted(divisions.current()))
REGIONAL_LISTS = ("zj-honest-enterprises", "js-serious-dishonest")
#: National lists, one of them with a Zhejiang document's measure.
NATIONAL_LISTS = ("judgment-defaulters", "a-grade-taxpayers", "major-tax-violation-parties")


def _region(measure: Measure, list_type: str | None = None) -> tuple[str | None, str | None]:
    lt = CATALOG.list_types.get(list_type) if list_type else None
    return CATALOG.documents[measure.document].region, lt.region if lt else None


def _national(measure: Measure, list_type: str | None) -> bool:
    return _region(measure, list_type) == (None, None)


# -- (a) regional measures only inside their region ---------------------------------------------


@st.composite
def checkers(draw: st.DrawFn) -> tuple[str, str | None]:
    """A checking department and its region: a department of the catalog (national or of a
    test province), or a local one anywhere in China."""
    if draw(st.booleans()):
        code = draw(st.sampled_from(sorted(CATALOG.departments)))
        return code, CATALOG.region_of(code)
    region = draw(st.sampled_from(NEAR) | st.sampled_from(CURRENT))
    return f"LOCAL-{region}", region


@st.composite
def list_facts(draw: st.DrawFn) -> Facts:
    """A company with active list entries in effect, on regional and national list types."""
    ids = itertools.count(1)
    records = tuple(
        Entry(
            id=next(ids),
            kind=CATALOG.list_types[list_type].kind + "-list",
            list_type=list_type,
            document_number=f"测〔2026〕{draw(st.integers(1, 999))}号",
            decision_date=decided,
            valid_from=None,
            valid_until=None,
            severity=None,
            statuses=((decided, draw(st.sampled_from(("active", "active", "disputed")))),),
        )
        for list_type, decided in draw(
            st.lists(
                st.tuples(
                    st.sampled_from(REGIONAL_LISTS + NATIONAL_LISTS),
                    st.dates(dt.date(2025, 6, 1), AS_OF),
                ),
                min_size=1,
                max_size=5,
            )
        )
    )
    return Facts(Subject(uscc(801), "测试801有限公司", "legal-person"), records)


MATTERS = sorted(
    {
        matter
        for code in REGIONAL_LISTS + NATIONAL_LISTS
        for m in CATALOG.measures_for_list_type(code, AS_OF)
        for matter in m.matters
    }
)


@PURE
@given(checker=checkers(), facts=list_facts(), matter=st.sampled_from(MATTERS))
def test_a_regional_measure_applies_only_inside_its_region(
    checker: tuple[str, str | None], facts: Facts, matter: str
) -> None:
    department, region = checker
    result = decide(facts, RULES, department=department, matter=matter, as_of=AS_OF, region=region)
    for d in result.decisions:
        doc_region, list_region = _region(CATALOG.measures[d.measure], d.list_type)
        assert divisions.within(region, doc_region), (d.measure, region)
        assert divisions.within(region, list_region), (d.list_type, region)
    # The national measures: as a national department gets them, whoever checks.
    national = decide(facts, RULES, department="SAMR", matter=matter, as_of=AS_OF, region=None)
    assert [
        d for d in result.decisions if _national(CATALOG.measures[d.measure], d.list_type)
    ] == list(national.decisions)
    # The regional ones in force in the checker's region: every one that fits the entry.
    expected = {
        (m.id, e.id)
        for e in facts.records
        for m in CATALOG.measures.values()
        if e.list_type in m.list_types
        and not _national(m, e.list_type)
        and CATALOG.measure_in_force(m, AS_OF)
        and matter in m.matters
        and Target.SUBJECT in m.targets
        and all(divisions.within(region, r) for r in _region(m, e.list_type))
    }
    assert {
        (d.measure, d.entry)
        for d in result.decisions
        if not _national(CATALOG.measures[d.measure], d.list_type)
    } == expected


def test_the_test_provinces_measures_reach_their_own_departments_only() -> None:
    """Known answers of the property above, so that it cannot pass on an empty catalog."""
    facts = Facts(
        Subject(uscc(802), "测试802有限公司", "legal-person"),
        (
            Entry(1, "black-list", "judgment-defaulters", "（2026）浙执1号", AS_OF, None, None,
                  None, ((AS_OF, "active"),)),
        ),
    )  # fmt: skip
    procurement = {
        code: {
            d.measure
            for d in decide(
                facts,
                RULES,
                department=code,
                matter="government-procurement",
                as_of=AS_OF,
                region=CATALOG.region_of(code),
            ).decisions
        }
        for code in ("SAMR", "ZJ-AMR", "XH-AMR", "JS-AMR")
    }
    assert "zj-defaulter-measures/01" in procurement["ZJ-AMR"] & procurement["XH-AMR"]
    assert "zj-defaulter-measures/01" not in procurement["SAMR"] | procurement["JS-AMR"]
    assert procurement["SAMR"] and procurement["SAMR"] < procurement["ZJ-AMR"]
    assert procurement["JS-AMR"] == procurement["SAMR"]


# -- (b) successors and local counterparts receive ----------------------------------------------


def _successor(departments: Mapping[str, Department], code: str) -> str:
    while code in departments and departments[code].superseded_by is not None:
        code = departments[code].superseded_by or code
    return code


def _chain(departments: Mapping[str, Department], code: str, key: str) -> list[str]:
    """``code``'s counterparts (or parents), each taken at its successor, nearest first."""
    out: list[str] = []
    above = getattr(departments[code], key)
    while above is not None:
        above = _successor(departments, above)
        out.append(above)
        above = getattr(departments[above], key) if above in departments else None
    return out


def expected_receivers(catalog: Catalog, measure: Measure, list_type: str) -> set[str]:
    """Who must receive ``measure``: for each named implementer, its successor, the current
    departments whose counterparts lead to that successor, and those below it by ``parent``
    with the same national counterpart; of those, the ones in the measure's region."""
    departments = catalog.departments
    doc_region = catalog.documents[measure.document].region
    list_region = catalog.list_types[list_type].region

    def root(code: str) -> str:
        chain = _chain(departments, code, "counterpart")
        return chain[-1] if chain else code

    found: set[str] = set()
    named = (*measure.implementing_departments, *measure.implementing_departments_inferred)
    for code in named:
        heir = _successor(departments, code)
        for candidate, d in departments.items():
            if d.superseded_by is not None:
                continue
            carries = (
                candidate == heir
                or heir in _chain(departments, candidate, "counterpart")
                or (
                    heir in _chain(departments, candidate, "parent")
                    and root(heir) == root(candidate)
                )
            )
            if (
                carries
                and divisions.within(d.region, doc_region)
                and divisions.within(d.region, list_region)
            ):
                found.add(candidate)
    return found


def assert_receivers(catalog: Catalog, day: dt.date) -> int:
    """The properties for every list type of ``catalog``; returns how many measures it saw."""
    seen = 0
    for code, lt in catalog.list_types.items():
        receivers = implementers(code, day, catalog)
        for department in receivers:
            assert department in catalog.departments, department
            assert catalog.departments[department].superseded_by is None, (code, department)
        for measure in catalog.measures_for_list_type(code, day):
            seen += 1
            doc_region = catalog.documents[measure.document].region
            got = {d for d, measures in receivers.items() if measure in measures}
            for d in got:
                region = catalog.region_of(d)
                assert divisions.within(region, doc_region), (measure.id, d)
                assert divisions.within(region, lt.region), (code, d)
            for named in (
                *measure.implementing_departments,
                *measure.implementing_departments_inferred,
            ):
                heir = catalog.successor(named)
                if heir in catalog.departments and all(
                    divisions.within(catalog.region_of(heir), r) for r in (doc_region, lt.region)
                ):
                    assert heir in got, (measure.id, named, heir)
            assert got == expected_receivers(catalog, measure, code), measure.id
    return seen


def test_the_shipped_and_test_catalogs_reach_successors_and_local_counterparts() -> None:
    assert assert_receivers(CATALOG, AS_OF) > 50
    # The known answers behind the property: CBRC's measure reaches NFRA's Jiangsu office,
    # SAIC's (abolished 2018) reach SAMR and every local market regulator.
    js = implementers("js-serious-dishonest", AS_OF, CATALOG)
    assert set(js) == {"JS-AMR", "NJ-AMR", "JS-NFRA"}
    defaulters = implementers("judgment-defaulters", AS_OF, CATALOG)
    assert {"SAMR", "ZJ-AMR", "HZ-AMR", "XH-AMR", "JS-AMR", "NJ-AMR"} <= set(defaulters)
    assert not {"SAIC", "CBRC", "ZJ-AIC"} & set(defaulters)


# -- generated catalogs -------------------------------------------------------------------------

LIST_TYPES = ("lt-national", "lt-regional")
GEN_REGIONS = ("330000", "330100", "330106", "320000", "320100", "110000")


def _department(code: str, **fields: str | None) -> Department:
    return Department(code=code, name_zh=code, name_en=code, **fields)  # type: ignore[arg-type]


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    """A small catalog: national bodies (some abolished into later ones), local departments
    with a national counterpart and perhaps a parent (some abolished into earlier ones, so that
    no chain circles), a national and a regional list, national and regional documents whose
    measures name any of them."""
    departments: dict[str, Department] = {}
    nationals = [f"N{i}" for i in range(draw(st.integers(1, 5)))]
    for i, code in enumerate(nationals):
        later = nationals[i + 1 :]
        heir = draw(st.none() | st.sampled_from(later)) if later else None
        departments[code] = _department(code, superseded_by=heir)
    locals_: list[str] = []
    for i in range(draw(st.integers(0, 7))):
        code = f"L{i}"
        region = draw(st.sampled_from(GEN_REGIONS))
        earlier = st.sampled_from(locals_) if locals_ else st.nothing()
        departments[code] = _department(
            code,
            region=region,
            counterpart=draw(st.none() | st.sampled_from(nationals)),
            parent=draw(st.none() | earlier),
            superseded_by=draw(st.none() | earlier),
        )
        locals_.append(code)
    codes = sorted(departments)
    list_types = {
        code: ListType(
            code=code,
            kind=ListKind.BLACK,
            name_zh=code,
            name_en=code,
            initiating_department=codes[0],
            legal_basis="某条",
            subject_types=(SubjectType.LEGAL_PERSON,),
            default_period=None,
            region=draw(st.sampled_from(GEN_REGIONS)) if code == "lt-regional" else None,
        )
        for code in LIST_TYPES
    }
    documents: dict[str, Document] = {}
    measures: dict[str, Measure] = {}
    for i in range(draw(st.integers(1, 4))):
        doc_id = f"doc-{i}"
        list_type = draw(st.sampled_from(LIST_TYPES))
        ids = []
        for j in range(draw(st.integers(1, 3))):
            measure_id = f"{doc_id}/{j}"
            ids.append(measure_id)
            measures[measure_id] = Measure(
                id=measure_id,
                document=doc_id,
                text_zh="措施",
                text_en=None,
                category=Category.ADMINISTRATIVE,
                binding=Binding.MANDATORY,
                targets=(Target.SUBJECT,),
                implementing_departments=tuple(
                    draw(st.lists(st.sampled_from(codes), max_size=3, unique=True))
                ),
                implementing_departments_inferred=tuple(
                    draw(st.lists(st.sampled_from(codes), max_size=1))
                ),
                matters=("m",),
                legal_basis="某条",
                kind=MeasureKind.PUNISHMENT,
                list_types=(list_type,),
            )
        documents[doc_id] = Document(
            id=doc_id,
            title_zh=doc_id,
            title_en=None,
            document_number=None,
            issued=None,
            issued_precision=None,
            kind=DocumentKind.PUNISHMENT,
            list_type=list_type,
            initiating_department=None,
            signatories=(),
            source=None,
            status=Status.CURRENT,
            superseded_by=None,
            measures=tuple(ids),
            region=draw(st.none() | st.sampled_from(GEN_REGIONS)),
        )
    return Catalog(
        departments=MappingProxyType(departments),
        matters=MappingProxyType({"m": Matter("m", "事项", "matter")}),
        list_types=MappingProxyType(list_types),
        documents=MappingProxyType(documents),
        measures=MappingProxyType(measures),
        version=CatalogVersion("sha256:0000000000000000", 0),
        files=(),
    )


@PURE
@given(catalog=catalogs())
def test_a_successor_receives_what_its_superseded_body_would_have(catalog: Catalog) -> None:
    assert_receivers(catalog, AS_OF)
