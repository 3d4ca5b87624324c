"""Property tests of the joint check's invariants (the issue):

- no decision without a legal basis;
- no ``applied`` decision from an expired, repaired, withdrawn, revoked, cancelled or disputed
  entry (a disputed one yields only ``suspended``; one not in effect yields nothing);
- a person is reached only through a role the measure targets, held on the day of the check;
- a record of another subject never changes the result;
- the same inputs give the same decisions;
- a clean-record incentive only for a subject without negative records in the period.

Mostly on the pure :func:`decide` with generated :class:`Facts` against the shipped catalog (and
a small synthetic one written to a temporary directory); the expected decisions are worked out
here from the catalog's own queries (``Catalog.select``) and the rules of the catalog README, not
from the check's code. One property runs end to end on a real SQLite registry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.importing.rows import resident_id, uscc

from jointcredit.catalog import Catalog, CatalogError, Measure, load_catalog
from jointcredit.rules.check import (
    CheckResult,
    Entry,
    Facts,
    Role,
    RuleBook,
    Subject,
    clean_record_holds,
    decide,
)
from jointcredit.services.check import check, screen
from jointcredit.services.imports import import_file
from jointcredit.services.registry import open_registry

from .entries import entry, write_entries

PURE = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CATALOG = load_catalog()
CLEAN = CATALOG.measures["policy-2016-33/04-clean"]
#: Days around the issue and supersession of the shipped documents.
SHIFTS = (dt.date(2014, 6, 1), dt.date(2016, 3, 1), dt.date(2016, 11, 30), dt.date(2016, 12, 1))
TODAY = dt.date(2026, 11, 27)

LIST_KINDS = ("black-list", "red-list")
RECORD_KINDS = (*LIST_KINDS, "penalty", "licensing")
YIELDS = {"active": "applied", "disputed": "suspended"}
CLEARED = frozenset({"repaired", "withdrawn", "revoked", "cancelled"})
STATUSES = ("active", "disputed", *sorted(CLEARED))
SEVERITIES = ("minor", "general", "severe")
#: Roles of the registry (drafts.RELATION_ROLES) and one more role target of the catalog.
ROLES = (
    "legal-representative",
    "principal-responsible-person",
    "directly-responsible-person",
    "actual-controller",
    "director-supervisor-senior-manager",
)
SUBJECT_KINDS = ("legal-person", "other-organization", "individual-business", "natural-person")


# -- the synthetic catalog ------------------------------------------------------------------------

SYNTHETIC: dict[str, str] = {
    "departments.yaml": """\
- code: SPC
  name_zh: 最高人民法院
  name_en: Supreme People's Court
- code: MPS
  name_zh: 公安部
  name_en: Ministry of Public Security
- code: SAMR
  name_zh: 市场监管总局
  name_en: State Administration for Market Regulation
""",
    "matters.yaml": """\
- code: air-travel
  name_zh: 乘坐民航飞机
  name_en: Air travel
- code: public-bidding
  name_zh: 招标投标
  name_en: Public bidding
- code: administrative-licensing
  name_zh: 行政许可
  name_en: Administrative licensing
""",
    "list-types.yaml": """\
- code: defaulters
  kind: black
  name_zh: 失信被执行人名单
  name_en: Judgment defaulters
  initiating_department: SPC
  legal_basis: 某规定第一条
  subject_types: [natural-person, legal-person]
  default_period: P2Y
- code: models
  kind: red
  name_zh: 诚信企业
  name_en: Model enterprises
  initiating_department: SAMR
  legal_basis: 某办法第三条
  subject_types: [legal-person]
  default_period: P1Y
""",
    "mou-old.yaml": """\
id: mou-old
title_zh: 旧备忘录
title_en: Old memorandum
document_number: 测〔2015〕1号
issued: 2015-01-01
kind: punishment
list_type: defaulters
initiating_department: SPC
signatories: [SPC, MPS]
source: null
status: superseded
superseded_by: mou-new
measures:
  - id: mou-old/01
    text_zh: 限制乘坐飞机（旧）。
    text_en: Restrict air travel (old).
    category: market
    binding: mandatory
    targets: [subject, legal-representative]
    implementing_departments: [MPS]
    matters: [air-travel]
    legal_basis: 测〔2015〕1号 第1项
""",
    "mou-new.yaml": """\
id: mou-new
title_zh: 新备忘录
title_en: New memorandum
document_number: 测〔2020〕1号
issued: 2020-01-01
kind: punishment
list_type: defaulters
initiating_department: SPC
signatories: [SPC, MPS]
source: null
measures:
  - id: mou-new/01
    text_zh: 限制乘坐飞机。
    text_en: Restrict air travel.
    category: market
    binding: mandatory
    targets: [subject]
    implementing_departments: [MPS]
    matters: [air-travel]
    legal_basis: 测〔2020〕1号 第1项
  - id: mou-new/02
    text_zh: 限制参与招标投标。
    text_en: Restrict public bidding.
    category: administrative
    binding: recommended
    targets: [subject, legal-representative, actual-controller]
    implementing_departments: [SAMR]
    matters: [public-bidding, air-travel]
    legal_basis: 测〔2020〕1号 第2项
""",
    "policy-test.yaml": """\
id: policy-test
title_zh: 测试意见
title_en: Test opinions
document_number: 测〔2018〕3号
issued: 2018-01-01
kind: incentive
list_type: null
initiating_department: SAMR
signatories: [SAMR]
source: null
measures:
  - id: policy-test/clean
    text_zh: 一年无不良记录的，便利办理。
    text_en: Facilitation after a clean year.
    category: administrative
    binding: recommended
    trigger:
      clean_record:
        period: P1Y
        negative: [black-list-entry, penalty-minor, penalty-general]
        subject_known: false
    targets: [subject]
    implementing_departments: []
    matters: [administrative-licensing, public-bidding]
    legal_basis: 测〔2018〕3号 第1项
  - id: policy-test/red
    text_zh: 诚信企业绿色通道。
    text_en: Green channel for model enterprises.
    category: administrative
    binding: recommended
    list_types: [models]
    targets: [subject, legal-representative]
    implementing_departments: []
    matters: [administrative-licensing]
    legal_basis: 测〔2018〕3号 第2项
""",
}


def write_synthetic(root: Path, replace: Mapping[str, tuple[str, str]] = {}) -> Path:
    """The synthetic catalog in ``root``; ``replace`` maps a file to one (old, new) change."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in SYNTHETIC.items():
        if name in replace:
            old, new = replace[name]
            assert old in text, f"{old!r} not in {name}"
            text = text.replace(old, new, 1)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return load_catalog([write_synthetic(tmp_path_factory.mktemp("catalog"))])


# -- generated facts ------------------------------------------------------------------------------


def days(base: dt.date, low: int, high: int) -> st.SearchStrategy[dt.date]:
    return st.integers(low, high).map(lambda n: base + dt.timedelta(days=n))


@st.composite
def entries(
    draw: st.DrawFn, catalog: Catalog, anchor: dt.date, kinds: Sequence[str] = RECORD_KINDS
) -> Entry:
    """A record around ``anchor`` (id 0: numbered later), with a valid window and a status
    timeline recorded on or after its decision. ``valid_from`` is never before the decision
    (the retroactive case has a test of its own)."""
    kind = draw(st.sampled_from(kinds))
    list_type: str | None = None
    if kind in LIST_KINDS:
        wanted = "black" if kind == "black-list" else "red"
        codes = sorted(c for c, t in catalog.list_types.items() if t.kind == wanted)
        # Now and then a list type the catalog does not have: it draws no measure.
        list_type = draw(st.sampled_from([*codes, *codes, "no-such-list"]))
    # Mostly in effect on ``anchor``; else ended before it, beginning after it, or anywhere.
    fate = draw(st.sampled_from(("in-effect",) * 3 + ("ended", "ahead", "anywhere")))
    if fate == "in-effect":
        decided = draw(days(anchor, -2000, 0))
        valid_from = draw(st.none() | days(decided, 0, (anchor - decided).days))
        valid_until = draw(st.none() | days(anchor, 0, 1500))
    elif fate == "ended":
        decided = draw(days(anchor, -3000, -1))
        valid_from = draw(st.none() | days(decided, 0, (anchor - decided).days - 1))
        valid_until = draw(
            days(valid_from or decided, 0, (anchor - (valid_from or decided)).days - 1)
        )
    elif fate == "ahead":
        decided = draw(days(anchor, -30, 400))
        valid_from = draw(days(max(decided, anchor + dt.timedelta(1)), 0, 400))
        valid_until = draw(st.none() | days(valid_from, 0, 1500))
    else:
        decided = draw(days(anchor, -2500, 400))
        valid_from = draw(st.none() | days(decided, 0, 400))
        valid_until = draw(st.none() | days(valid_from or decided, 0, 2000))
    severity = {"black-list": "severe", "penalty": draw(st.sampled_from(SEVERITIES))}.get(kind)
    recorded = draw(days(decided, 0, 800))
    weighted = st.sampled_from(("active",) * 4 + ("disputed",) + STATUSES)
    statuses = [(recorded, draw(weighted))]
    for gap, status in draw(st.lists(st.tuples(st.integers(0, 500), weighted), max_size=2)):
        statuses.append((statuses[-1][0] + dt.timedelta(days=gap), status))
    return Entry(
        id=0,
        kind=kind,
        list_type=list_type,
        document_number=f"测〔{decided.year}〕{draw(st.integers(1, 999))}号",
        decision_date=decided,
        valid_from=valid_from,
        valid_until=valid_until,
        severity=severity,
        statuses=tuple(statuses),
    )


@st.composite
def roles(draw: st.DrawFn, anchor: dt.date) -> tuple[str, dt.date | None, dt.date | None]:
    """A role and its period (``valid_until`` exclusive, never before ``valid_from``)."""
    role = draw(st.sampled_from(ROLES))
    valid_from = draw(st.none() | days(anchor, -1500, 100))
    valid_until = draw(st.none() | days(anchor, -300, 1500))
    if valid_from and valid_until and valid_until < valid_from:
        valid_from, valid_until = valid_until, valid_from
    return role, valid_from, valid_until


def numbered(items: Sequence[Entry], ids: itertools.count[int]) -> tuple[Entry, ...]:
    return tuple(dataclasses.replace(e, id=next(ids)) for e in items)


@st.composite
def facts_on(
    draw: st.DrawFn, catalog: Catalog, as_of: dt.date, *, serial: int = 1, first_id: int = 1
) -> Facts:
    """What the registry could know of one subject: nothing (an unknown subject), or its own
    records and, for a person, roles in organisations with list entries (each organisation
    with one set of entries, however many roles the person holds in it)."""
    if draw(st.integers(0, 7)) == 7:
        return Facts(None)
    ids = itertools.count(first_id)
    records = numbered(draw(st.lists(entries(catalog, as_of), max_size=6)), ids)
    held: list[Role] = []
    for index in range(draw(st.integers(0, 3))):
        org_entries = numbered(
            draw(st.lists(entries(catalog, as_of, LIST_KINDS), min_size=1, max_size=3)), ids
        )
        for role, valid_from, valid_until in draw(st.lists(roles(as_of), min_size=1, max_size=2)):
            org = uscc(serial * 10 + index)
            held.append(Role(role, org, valid_from, valid_until, org_entries))
    kind = "natural-person" if held else draw(st.sampled_from(SUBJECT_KINDS))
    identifier = resident_id(serial) if kind == "natural-person" else uscc(serial)
    return Facts(Subject(identifier, f"测试{serial}", kind), records, tuple(held))


def matters_of(catalog: Catalog) -> list[str]:
    """Matters some measure is checked at, and now and then one nothing is checked at."""
    used = sorted({m for measure in catalog.measures.values() for m in measure.matters})
    return [*used, *used, *sorted(catalog.matters)]


@st.composite
def checks(draw: st.DrawFn, catalog: Catalog) -> tuple[Facts, str, dt.date]:
    """Facts of a subject, a matter and a day: from before the first shipped document to 2030."""
    as_of = draw(st.dates(dt.date(2013, 1, 1), dt.date(2030, 12, 31)))
    facts = draw(facts_on(catalog, as_of))
    # Mostly a matter at which a measure reaching the subject through an entry is checked.
    reached = [(e, "subject") for e in facts.records if e.kind in LIST_KINDS]
    reached += [(e, r.role) for r in facts.roles if held_on(r, as_of) for e in r.entries]
    live = [
        (e, t)
        for e, t in reached
        if in_effect(e, as_of)
        and status_on(e, as_of) in YIELDS
        and e.list_type in catalog.list_types
    ]
    relevant = sorted(
        {
            x
            for e, target in live or reached
            if e.list_type in catalog.list_types
            for m in catalog.select(list_type=e.list_type, on=as_of)
            if target in m.targets
            for x in m.matters
        }
    )
    if draw(st.integers(0, 3)) == 3:
        relevant = []
    matter = draw(st.sampled_from(relevant or matters_of(catalog)))
    return facts, matter, as_of


# -- the rules, restated from the catalog README ---------------------------------------------


def status_on(e: Entry, day: dt.date) -> str:
    """The last status recorded by ``day``; before any, the first one (recorded late)."""
    known = [status for recorded, status in e.statuses if recorded <= day]
    return known[-1] if known else e.statuses[0][1]


def in_effect(e: Entry, day: dt.date) -> bool:
    return (e.valid_from or e.decision_date) <= day and (
        e.valid_until is None or day <= e.valid_until
    )


def held_on(r: Role, day: dt.date) -> bool:
    return (r.valid_from is None or r.valid_from <= day) and (
        r.valid_until is None or day < r.valid_until
    )


Key = tuple[str, int | None, tuple[str, str] | None, str]


def key(d: Any) -> Key:
    via = (d.via["role"], d.via["organisation"]) if d.via else None
    return (d.measure, d.entry, via, d.status)


def expected_from_entries(
    catalog: Catalog, facts: Facts, matter: str, day: dt.date
) -> Counter[Key]:
    """Decisions from list entries: of the subject's own (target ``subject``) and of the
    organisations where it holds a role on ``day`` (target: that role)."""
    found: Counter[Key] = Counter()
    reached = [(e, "subject", None) for e in facts.records] + [
        (e, r.role, (r.role, r.organization))
        for r in facts.roles
        if held_on(r, day)
        for e in r.entries
    ]
    for e, target, via in reached:
        if e.kind not in LIST_KINDS or e.list_type not in catalog.list_types:
            continue
        status = YIELDS.get(status_on(e, day))
        if status is None or not in_effect(e, day):
            continue
        for m in catalog.select(list_type=e.list_type, matter=matter, on=day):
            if target in m.targets and m.legal_basis:
                found[(m.id, e.id, via, status)] += 1
    return found


def period_start(day: dt.date, period: str) -> dt.date:
    match = re.fullmatch(r"P(\d+)Y", period)
    assert match, f"these tests know periods in whole years, not {period}"
    year = day.year - int(match[1])
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def clean(facts: Facts, trigger: Any, day: dt.date, *, first_day_in: bool) -> bool:
    """The clean-record rule; ``first_day_in`` says whether the day ``period`` before ``day``
    belongs to the period (the README does not say: the tests accept either reading)."""
    start = period_start(day, trigger.period)
    if trigger.subject_known and (
        facts.subject is None or not any(r.decision_date <= start for r in facts.records)
    ):
        return False
    first = start if first_day_in else start + dt.timedelta(days=1)
    for r in facts.records:
        if status_on(r, day) in CLEARED:
            continue
        if r.kind == "black-list" and "black-list-entry" in trigger.negative:
            begins = r.valid_from or r.decision_date
            if begins <= day and (r.valid_until is None or r.valid_until >= first):
                return False
        if (
            r.kind == "penalty"
            and f"penalty-{r.severity}" in trigger.negative
            and first <= r.decision_date <= day
        ):
            return False
    return True


def clean_measures(catalog: Catalog, matter: str, day: dt.date) -> list[Measure]:
    return [
        m
        for m in catalog.select(matter=matter, on=day)
        if m.trigger is not None and "subject" in m.targets
    ]


def run(catalog: Any, facts: Facts, matter: str, as_of: dt.date) -> CheckResult:
    return decide(facts, RuleBook(catalog), department="SPC", matter=matter, as_of=as_of)


def entry_of(facts: Facts, entry_id: int) -> Entry:
    [found] = {e for e in facts.records if e.id == entry_id} | {
        e for r in facts.roles for e in r.entries if e.id == entry_id
    }
    return found


# -- no decision without a legal basis ----------------------------------------------------------


def assert_grounded(catalog: Catalog, facts: Facts, matter: str, as_of: dt.date) -> None:
    result = run(catalog, facts, matter, as_of)
    assert result.catalog_version == catalog.version.digest
    for d in result.decisions:
        m = catalog.measures.get(d.measure)
        assert m is not None, f"{d.measure} is not a measure of the catalog"
        assert d.legal_basis and d.legal_basis.strip()
        assert d.legal_basis == m.legal_basis
        assert matter in m.matters
        assert catalog.measure_in_force(m, as_of), f"{m.id} is not in force on {as_of}"
        assert (d.kind, d.binding, d.text) == (str(m.kind), str(m.binding), m.text)
        assert d.text_en == (m.text_en or "")
        if d.entry is None:
            assert m.trigger is not None and d.list_type is None and d.status == "applied"
        else:
            assert d.list_type in m.list_types


@PURE
@given(checks(CATALOG))
def test_every_decision_names_its_measure_and_legal_basis(case: tuple[Facts, str, dt.date]) -> None:
    assert_grounded(CATALOG, *case)


def test_every_decision_on_a_synthetic_catalog_is_grounded(synthetic: Catalog) -> None:
    @PURE
    @given(checks(synthetic))
    def grounded(case: tuple[Facts, str, dt.date]) -> None:
        assert_grounded(synthetic, *case)

    grounded()


@pytest.mark.parametrize(
    "blank",
    [
        '""',
        '"   "',
        "null",
        "~",
        None,  # the key left out
    ],
)
def test_no_measure_without_a_legal_basis_can_even_load(tmp_path: Path, blank: str | None) -> None:
    assert load_catalog([write_synthetic(tmp_path / "good")]).measures["mou-new/01"].legal_basis
    line = "    legal_basis: 测〔2020〕1号 第1项\n"
    instead = "" if blank is None else f"    legal_basis: {blank}\n"
    root = write_synthetic(tmp_path / "bad", {"mou-new.yaml": (line, instead)})
    with pytest.raises(CatalogError) as refused:
        load_catalog([root])
    codes = {(p.code, p.file.name) for p in refused.value.problems}
    assert ("missing-legal-basis", "mou-new.yaml") in codes, refused.value


class Blanked:
    """The shipped catalog with the legal basis of some measures taken away: a catalog object
    the loader would never build, for the check's own guard."""

    def __init__(self, catalog: Catalog, blank: frozenset[str]):
        self.catalog, self.blank = catalog, blank
        self.version = catalog.version
        self.list_types = catalog.list_types
        self.departments = catalog.departments

    def _strip(self, measures: Sequence[Measure]) -> tuple[Measure, ...]:
        return tuple(
            dataclasses.replace(m, legal_basis="") if m.id in self.blank else m for m in measures
        )

    def measures_for_list_type(
        self, code: str, on: dt.date, region: str | None = None
    ) -> tuple[Measure, ...]:
        return self._strip(self.catalog.measures_for_list_type(code, on, region))

    def clean_record_measures(
        self, on: dt.date | None = None, region: str | None = None
    ) -> tuple[Measure, ...]:
        return self._strip(self.catalog.clean_record_measures(on, region))


@PURE
@given(st.data(), checks(CATALOG))
def test_a_measure_without_a_legal_basis_is_never_applied(
    data: st.DataObject, case: tuple[Facts, str, dt.date]
) -> None:
    facts, matter, as_of = case
    decided = sorted({d.measure for d in run(CATALOG, facts, matter, as_of).decisions})
    # Some of the measures the check gives, and some others.
    blank = data.draw(st.sets(st.sampled_from(decided))) if decided else set()
    blank |= data.draw(st.sets(st.sampled_from(sorted(CATALOG.measures)), min_size=1))
    stripped = run(Blanked(CATALOG, frozenset(blank)), facts, matter, as_of)
    full = run(CATALOG, facts, matter, as_of)
    assert all(d.legal_basis for d in stripped.decisions)
    assert stripped.decisions == tuple(d for d in full.decisions if d.measure not in blank)


# -- statuses and windows; roles ------------------------------------------------------------------


def assert_reached_rightly(catalog: Catalog, facts: Facts, matter: str, as_of: dt.date) -> None:
    result = run(catalog, facts, matter, as_of)
    for d in result.decisions:
        m = catalog.measures[d.measure]
        if d.entry is not None:
            e = entry_of(facts, d.entry)
            assert e.kind in LIST_KINDS and in_effect(e, as_of), (
                "an entry not in effect yields nothing"
            )
            status = status_on(e, as_of)
            assert status not in CLEARED
            assert d.status == YIELDS[status], f"{status} entry gave {d.status}"
            assert (d.list_type, d.document_number, d.until) == (
                e.list_type,
                e.document_number,
                e.valid_until,
            )
        if d.via is not None:
            assert set(d.via) == {"role", "organisation"}
            assert d.via["role"] in m.targets
            assert any(
                r.role == d.via["role"]
                and r.organization == d.via["organisation"]
                and held_on(r, as_of)
                and d.entry in {e.id for e in r.entries}
                for r in facts.roles
            ), f"{d} reached through a role not held on {as_of}"
        elif d.entry is not None:
            assert "subject" in m.targets
            assert d.entry in {e.id for e in facts.records}, "an own decision from an own entry"
    # And every measure the rules give is there, exactly once.
    given_ = Counter(key(d) for d in result.decisions if d.entry is not None)
    assert given_ == expected_from_entries(catalog, facts, matter, as_of)


@PURE
@given(checks(CATALOG))
def test_only_entries_in_effect_and_not_cleared_yield_and_only_through_targeted_roles(
    case: tuple[Facts, str, dt.date],
) -> None:
    assert_reached_rightly(CATALOG, *case)


def test_the_same_on_a_synthetic_catalog(synthetic: Catalog) -> None:
    @PURE
    @given(checks(synthetic))
    def reached(case: tuple[Facts, str, dt.date]) -> None:
        assert_reached_rightly(synthetic, *case)

    reached()


def each_entry(facts: Facts, change: Any) -> Facts:
    """``facts`` with ``change`` applied to every entry, own or reached through a role."""
    return dataclasses.replace(
        facts,
        records=tuple(change(e) for e in facts.records),
        roles=tuple(
            dataclasses.replace(r, entries=tuple(change(e) for e in r.entries)) for r in facts.roles
        ),
    )


def from_entries(facts: Facts, matter: str, as_of: dt.date) -> list[Key]:
    return [key(d) for d in run(CATALOG, facts, matter, as_of).decisions if d.entry is not None]


@PURE
@given(checks(CATALOG), st.sampled_from(sorted(CLEARED)), st.integers(0, 30))
def test_a_cleared_entry_yields_nothing_and_a_disputed_one_only_suspended(
    case: tuple[Facts, str, dt.date], cleared: str, earlier: int
) -> None:
    """Give every entry the status ``cleared`` (recorded ``earlier`` days before the check, or
    on its day), or ``disputed``, or ``active``: see what remains."""
    facts, matter, as_of = case
    recorded = as_of - dt.timedelta(days=earlier)

    def to(status: str) -> Any:
        def change(e: Entry) -> Entry:
            kept = tuple(s for s in e.statuses if s[0] < recorded)
            return dataclasses.replace(e, statuses=(*kept, (recorded, status)))

        return change

    assert from_entries(each_entry(facts, to(cleared)), matter, as_of) == []
    disputed = from_entries(each_entry(facts, to("disputed")), matter, as_of)
    active = from_entries(each_entry(facts, to("active")), matter, as_of)
    assert {status for *_, status in disputed} <= {"suspended"}
    assert {status for *_, status in active} <= {"applied"}
    # The same entries, disputed or not, give the same measures.
    assert [k[:3] for k in disputed] == [k[:3] for k in active]


@PURE
@given(checks(CATALOG), st.integers(1, 1000), st.sampled_from(STATUSES))
def test_a_status_recorded_after_the_day_changes_nothing_for_that_day(
    case: tuple[Facts, str, dt.date], later: int, status: str
) -> None:
    """A check as of a day answers as the registry stood then (docs/check.md, "Dates")."""
    facts, matter, as_of = case

    def change(e: Entry) -> Entry:
        after = max(as_of, e.statuses[-1][0]) + dt.timedelta(days=later)
        return dataclasses.replace(e, statuses=(*e.statuses, (after, status)))

    assert run(CATALOG, each_entry(facts, change), matter, as_of) == run(
        CATALOG, facts, matter, as_of
    )


@PURE
@given(checks(CATALOG), st.integers(0, 800))
def test_an_entry_is_in_effect_from_its_first_through_its_last_day(
    case: tuple[Facts, str, dt.date], length: int
) -> None:
    """Every entry given a window that contains the day of the check (open, from that day,
    until that day inclusive) yields the same; a window that ended the day before or begins the
    day after yields nothing."""
    facts, matter, as_of = case
    one = dt.timedelta(days=1)

    def window(first: dt.date | None, last: dt.date | None) -> Facts:
        def change(e: Entry) -> Entry:
            decided = min(e.decision_date, first or last or as_of)
            return dataclasses.replace(e, decision_date=decided, valid_from=first, valid_until=last)

        return each_entry(facts, change)

    open_ended = from_entries(window(None, None), matter, as_of)
    longer = as_of + dt.timedelta(days=length)
    for first, last in (
        (as_of, as_of),
        (as_of, None),
        (None, as_of),
        (as_of - one * length, longer),
    ):
        assert from_entries(window(first, last), matter, as_of) == open_ended, (first, last)
    last_day = run(CATALOG, window(as_of - one * length, as_of), matter, as_of).decisions
    assert {d.until for d in last_day if d.entry} <= {as_of}
    assert from_entries(window(None, as_of - one), matter, as_of) == []
    assert from_entries(window(as_of - one * length - one, as_of - one), matter, as_of) == []
    assert from_entries(window(as_of + one, None), matter, as_of) == []
    assert from_entries(window(as_of + one, longer + one), matter, as_of) == []


# -- another subject; determinism ---------------------------------------------------------------


@PURE
@given(st.data(), checks(CATALOG), st.integers(0, 4))
def test_another_subjects_facts_never_change_the_result(
    data: st.DataObject, case: tuple[Facts, str, dt.date], others: int
) -> None:
    facts, matter, as_of = case
    alone = run(CATALOG, facts, matter, as_of)
    # The same rule book (and its memory of measures per list type and day) serves others first.
    shared = RuleBook(CATALOG)
    for n in range(others):
        # Days on which other measures are in force: before and after documents were issued
        # or superseded.
        other_day = data.draw(st.sampled_from([as_of, *SHIFTS]))
        other = data.draw(facts_on(CATALOG, other_day, serial=100 + n, first_id=1000 * (n + 1)))
        other_matter = data.draw(st.sampled_from([matter, *matters_of(CATALOG)[:5]]))
        decide(other, shared, department="MPS", matter=other_matter, as_of=other_day)
    assert decide(facts, shared, department="SPC", matter=matter, as_of=as_of) == alone
    # An organisation's entries reached through a role not held that day change nothing.
    if facts.subject is not None:
        org_entries = numbered(
            data.draw(st.lists(entries(CATALOG, as_of, LIST_KINDS), min_size=1, max_size=3)),
            itertools.count(5000),
        )
        role = data.draw(st.sampled_from(ROLES))
        ended = data.draw(days(as_of, -900, 0))  # exclusive: the last day held is before as_of
        begun = data.draw(days(as_of, 1, 900))
        for period in ((ended - dt.timedelta(days=365), ended), (None, ended), (begun, None)):
            stranger = Role(role, uscc(999), *period, org_entries)
            wider = dataclasses.replace(facts, roles=(*facts.roles, stranger))
            assert run(CATALOG, wider, matter, as_of).decisions == alone.decisions


@PURE
@given(st.data(), checks(CATALOG))
def test_the_same_inputs_give_the_same_decisions(
    data: st.DataObject, case: tuple[Facts, str, dt.date]
) -> None:
    facts, matter, as_of = case
    first = run(CATALOG, facts, matter, as_of)
    rules = RuleBook(CATALOG)
    assert decide(facts, rules, department="SPC", matter=matter, as_of=as_of) == first
    assert decide(facts, rules, department="SPC", matter=matter, as_of=as_of) == first
    shuffled = dataclasses.replace(
        facts,
        records=tuple(data.draw(st.permutations(facts.records))),
        roles=tuple(
            dataclasses.replace(r, entries=tuple(data.draw(st.permutations(r.entries))))
            for r in data.draw(st.permutations(facts.roles))
        ),
    )
    assert run(CATALOG, shuffled, matter, as_of) == first
    backwards = dataclasses.replace(
        facts,
        records=facts.records[::-1],
        roles=tuple(dataclasses.replace(r, entries=r.entries[::-1]) for r in facts.roles[::-1]),
    )
    assert run(CATALOG, backwards, matter, as_of) == first
    # The checking department is recorded, and changes nothing else.
    other = decide(facts, rules, department="CAAC", matter=matter, as_of=as_of)
    assert other.department == "CAAC" and other.decisions == first.decisions


# -- clean record --------------------------------------------------------------------------------


def assert_clean_record_rule(catalog: Catalog, facts: Facts, matter: str, as_of: dt.date) -> None:
    result = run(catalog, facts, matter, as_of)
    given_ = {d.measure for d in result.decisions if d.entry is None}
    for m in clean_measures(catalog, matter, as_of):
        trigger = m.trigger.clean_record  # type: ignore[union-attr]
        if clean(facts, trigger, as_of, first_day_in=True):
            assert m.id in given_, f"{m.id}: clean under either reading of the period"
        if m.id in given_:
            assert clean(facts, trigger, as_of, first_day_in=False), f"{m.id}: not clean"
            if trigger.subject_known:
                start = period_start(as_of, trigger.period)
                assert facts.subject is not None
                assert any(r.decision_date <= start for r in facts.records)
    assert given_ <= {m.id for m in clean_measures(catalog, matter, as_of)}


@st.composite
def clean_record_checks(draw: st.DrawFn, catalog: Catalog) -> tuple[Facts, str, dt.date]:
    """Checks at a matter of a clean-record measure, of subjects with penalties and black-list
    entries of every severity around the period's start."""
    as_of = draw(st.dates(dt.date(2017, 1, 1), dt.date(2030, 12, 31)))
    matter = draw(
        st.sampled_from(sorted({x for m in catalog.clean_record_measures() for x in m.matters}))
    )
    if draw(st.integers(0, 9)) == 9:
        return Facts(None), matter, as_of
    start = period_start(as_of, "P3Y")
    anchor = draw(st.sampled_from([as_of, start, period_start(as_of, "P1Y")]))
    kinds = ("black-list", "penalty", "penalty", "licensing", "red-list")
    made = draw(st.lists(entries(catalog, anchor + dt.timedelta(days=400), kinds), max_size=4))
    if draw(st.booleans()):  # a record of long ago: the subject is known
        made.append(draw(entries(catalog, start - dt.timedelta(days=400), ("licensing",))))
    records = numbered(draw(st.permutations(made)), itertools.count(1))
    return Facts(Subject(uscc(1), "测试1", "legal-person"), records), matter, as_of


@PURE
@given(clean_record_checks(CATALOG))
def test_a_clean_record_incentive_only_for_a_clean_known_subject(
    case: tuple[Facts, str, dt.date],
) -> None:
    assert_clean_record_rule(CATALOG, *case)


def test_the_clean_record_rule_on_a_synthetic_catalog(synthetic: Catalog) -> None:
    """Here the trigger does not require a known subject: an unknown one qualifies too."""

    @PURE
    @given(clean_record_checks(synthetic))
    def rule(case: tuple[Facts, str, dt.date]) -> None:
        assert_clean_record_rule(synthetic, *case)
        facts, matter, as_of = case
        if facts.subject is None and clean_measures(synthetic, matter, as_of):
            assert "policy-test/clean" in {d.measure for d in run(synthetic, *case).decisions}

    rule()


def assert_clean_record_breakers(catalog: Catalog, measure_id: str, data: st.DataObject) -> None:
    """A known subject with records outside the period, or of kinds and severities the trigger
    does not name, earns the incentive; one negative record in the period takes it away,
    disputed or not; cleared by the day of the check, it does not."""
    m = catalog.measures[measure_id]
    assert m.trigger is not None
    trigger = m.trigger.clean_record
    as_of = data.draw(st.dates(dt.date(2019, 1, 1), dt.date(2030, 12, 31)), label="as_of")
    matter = data.draw(st.sampled_from(m.matters), label="matter")
    start = period_start(as_of, trigger.period)
    inside = (as_of - start).days  # start + 1 … as_of lie in the period under either reading
    ids = itertools.count(1)
    black = sorted(c for c, t in catalog.list_types.items() if t.kind == "black")
    red = sorted(c for c, t in catalog.list_types.items() if t.kind == "red")

    def record(kind: str, decided: dt.date, **fields: Any) -> Entry:
        number = next(ids)
        fields.setdefault("statuses", ((decided, "active"),))
        fields = {"valid_from": None, "valid_until": None, "severity": None, **fields}
        list_type = fields.pop("list_type", None)
        return Entry(number, kind, list_type, f"测〔{decided.year}〕{number}号", decided, **fields)

    def draw_day(low: dt.date, offset_low: int, offset_high: int, label: str) -> dt.date:
        return data.draw(days(low, offset_low, offset_high), label=label)

    history = record("licensing", draw_day(start, -1500, 0, "history"))
    harmless = [history]
    for severity in SEVERITIES:
        before = draw_day(start, -2000, -1, f"{severity} before")
        harmless.append(record("penalty", before, severity=severity))
        if f"penalty-{severity}" not in trigger.negative:
            during = draw_day(start, 1, inside, f"{severity} during")
            harmless.append(record("penalty", during, severity=severity))
    ended = draw_day(start, -2000, -1, "black-list ended")
    harmless.append(
        record(
            "black-list",
            ended - dt.timedelta(days=300),
            list_type=data.draw(st.sampled_from(black)),
            valid_until=ended,
            severity="severe",
        )
    )
    harmless.append(record("red-list", draw_day(as_of, -500, 0, "red"), list_type=red[0]))
    kept = [r for r in harmless if r is history or data.draw(st.booleans(), label="keep")]
    subject = Subject(uscc(1), "测试1", "legal-person")

    def given_(records: Sequence[Entry], who: Subject | None = subject) -> bool:
        result = run(catalog, Facts(who, tuple(records)), matter, as_of)
        return measure_id in {d.measure for d in result.decisions}

    assert given_(kept), "a clean record"

    breakers = [
        record("penalty", draw_day(start, 1, inside, f"{s} breaks"), severity=s)
        for s in SEVERITIES
        if f"penalty-{s}" in trigger.negative
    ]
    if "black-list-entry" in trigger.negative:
        begins = draw_day(start, -1500, inside, "black-list begins")
        until = data.draw(st.none() | days(max(begins, start + dt.timedelta(1)), 0, 1500))
        decided = begins - dt.timedelta(days=data.draw(st.integers(0, 100)))
        breakers.append(
            record(
                "black-list",
                decided,
                list_type=data.draw(st.sampled_from(black)),
                valid_from=begins,
                valid_until=until,
                severity="severe",
            )
        )
    breaker = data.draw(st.sampled_from(breakers), label="breaker")
    assert not given_([*kept, breaker]), f"broken by {breaker}"
    objected = draw_day(breaker.decision_date, 0, (as_of - breaker.decision_date).days, "objected")
    under_objection = dataclasses.replace(
        breaker, statuses=(*breaker.statuses, (objected, "disputed"))
    )
    assert not given_([*kept, under_objection]), "a record under objection still counts"
    cleared = dataclasses.replace(
        breaker,
        statuses=(*breaker.statuses, (objected, data.draw(st.sampled_from(sorted(CLEARED))))),
    )
    assert given_([*kept, cleared]), "a cleared record does not count"

    newcomer = [record("licensing", draw_day(start, 1, inside, "newcomer"))]
    assert given_(newcomer) is not trigger.subject_known
    assert given_([], None) is not trigger.subject_known


@PURE
@given(st.data())
def test_one_negative_record_in_the_period_breaks_the_clean_record(data: st.DataObject) -> None:
    assert_clean_record_breakers(CATALOG, CLEAN.id, data)


def test_one_negative_record_breaks_the_clean_record_of_a_synthetic_catalog(
    synthetic: Catalog,
) -> None:
    @PURE
    @given(st.data())
    def breakers(data: st.DataObject) -> None:
        assert_clean_record_breakers(synthetic, "policy-test/clean", data)

    breakers()


PERIOD_START = dt.date(2023, 11, 27)  # three years before TODAY


def _known_subject(*records: Entry) -> Facts:
    history = Entry(
        1,
        "licensing",
        None,
        "许〔2019〕1号",
        dt.date(2019, 5, 1),
        dt.date(2019, 5, 1),
        None,
        None,
        ((dt.date(2019, 5, 2), "active"),),
    )
    return Facts(Subject(uscc(1), "测试1", "legal-person"), (history, *records))


def test_the_clean_record_period_has_one_first_day() -> None:
    """A black-list entry whose last day in effect is the day three years before the check, and
    a general penalty decided on that very day: either both lie in the period or neither."""
    trigger = CLEAN.trigger.clean_record  # type: ignore[union-attr]
    listed = Entry(
        2,
        "black-list",
        "judgment-defaulters",
        "（2021）京0101执1号",
        dt.date(2021, 11, 28),
        dt.date(2021, 11, 28),
        PERIOD_START,
        "severe",
        ((dt.date(2021, 11, 28), "active"),),
    )
    fined = Entry(
        3,
        "penalty",
        None,
        "京市监罚〔2023〕1号",
        PERIOD_START,
        None,
        None,
        "general",
        ((PERIOD_START, "active"),),
    )
    assert clean_record_holds(_known_subject(listed), trigger, TODAY) == clean_record_holds(
        _known_subject(fined), trigger, TODAY
    )


def test_a_black_list_entry_in_effect_on_the_day_breaks_the_clean_record() -> None:
    """An entry decided on 10 June with effect from 1 May is in effect on 1 June (valid time,
    docs/check.md "Dates"): the same check that punishes the subject must not also reward it for
    a record without black-list entries."""
    day = dt.date(2025, 6, 1)
    listed = Entry(
        2,
        "black-list",
        "judgment-defaulters",
        "（2025）京0101执9号",
        dt.date(2025, 6, 10),
        dt.date(2025, 5, 1),
        dt.date(2027, 4, 30),
        "severe",
        ((dt.date(2025, 6, 10), "active"),),
    )
    facts = _known_subject(listed)
    punished = run(CATALOG, facts, "public-bidding", day)
    assert any(d.entry == 2 and d.status == "applied" for d in punished.decisions)
    rewarded = run(CATALOG, facts, "administrative-licensing", day)
    assert CLEAN.id not in {d.measure for d in rewarded.decisions}


# -- end to end: another subject's entries on a real registry ------------------------------------

E2E_MATTERS = (
    "air-travel",
    "public-bidding",
    "enterprise-bond-issuance",
    "administrative-licensing",
    "government-procurement",
)


def _person(n: int) -> str:
    return resident_id(n % 1000, birth=f"19{60 + n // 1000:02d}0101")


@st.composite
def listed(
    draw: st.DrawFn,
    serial: int,
    kind: str,
    doc: itertools.count[int],
    persons: list[dict[str, str]],
) -> dict[str, Any]:
    """A list entry of subject ``serial`` as the importer takes it."""
    fitting = sorted(code for code, t in CATALOG.list_types.items() if kind in t.subject_types)
    decided = draw(st.dates(dt.date(2016, 1, 1), TODAY))
    fields: dict[str, Any] = {"document_number": f"（{decided.year}）测执{next(doc)}号"}
    if draw(st.booleans()):
        fields["valid_until"] = (
            decided + dt.timedelta(days=draw(st.integers(0, 2000)))
        ).isoformat()
    made = entry(
        serial,
        draw(st.sampled_from(fitting)),
        decided_on=decided.isoformat(),
        kind=kind,
        persons=persons,
        **fields,
    )
    if kind == "natural-person":
        made["subject"]["id_number"] = _person(serial)
    return made


def test_another_subjects_entries_never_change_a_check_on_a_registry() -> None:
    """Subject A's entries are imported and A checked; then entries of other subjects (other
    companies and persons, with their own representatives) are imported: A's check is the same,
    and screening A among the others answers what checking A alone does."""
    with tempfile.TemporaryDirectory(prefix="jc-check-") as name:
        directory = Path(name)
        engine = open_registry(f"sqlite:///{directory}/registry.sqlite3")
        serials = itertools.count(1)
        documents = itertools.count(1)

        @settings(
            max_examples=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(st.data())
        def prop(data: st.DataObject) -> None:
            a = next(serials)
            kind = data.draw(st.sampled_from(["legal-person", "natural-person"]))
            own: list[dict[str, Any]] = []
            role = "subject"
            if kind == "legal-person":
                reps = data.draw(
                    st.sampled_from(
                        [
                            [],
                            [
                                {
                                    "role": "legal-representative",
                                    "name": "王测试",
                                    "id_number": _person(next(serials)),
                                }
                            ],
                        ]
                    )
                )
                for _ in range(data.draw(st.integers(1, 3))):
                    own.append(data.draw(listed(a, kind, documents, reps)))
                identifier = uscc(a)
            else:
                identifier = _person(a)
                role = data.draw(st.sampled_from(["legal-representative", "actual-controller"]))
                org = next(serials)
                me = [{"role": role, "name": "赵测试", "id_number": identifier}]
                for _ in range(data.draw(st.integers(1, 2))):
                    own.append(data.draw(listed(org, "legal-person", documents, me)))
                for _ in range(data.draw(st.integers(0, 2))):
                    own.append(data.draw(listed(a, kind, documents, [])))
            others: list[dict[str, Any]] = []
            for _ in range(data.draw(st.integers(1, 4))):
                b = next(serials)
                b_kind = data.draw(st.sampled_from(["legal-person", "natural-person"]))
                persons = (
                    []
                    if b_kind == "natural-person"
                    else [
                        {
                            "role": "legal-representative",
                            "name": "李测试",
                            "id_number": _person(next(serials)),
                        }
                    ]
                )
                others.append(data.draw(listed(b, b_kind, documents, persons)))
            # Mostly a day and a matter at which one of A's entries (or its organisation's)
            # reaches A.
            as_of = data.draw(st.dates(dt.date(2016, 1, 1), dt.date(2029, 12, 31)))
            matters: list[str] = list(E2E_MATTERS)
            if own and data.draw(st.integers(0, 3)) < 3:
                chosen = data.draw(st.sampled_from(own))
                decided = dt.date.fromisoformat(chosen["decided_on"])
                as_of = data.draw(days(decided, 0, 700))
                mine = chosen["subject"].get("id_number", chosen["subject"].get("uscc"))
                target = "subject" if mine == identifier else role
                matters = (
                    sorted(
                        {
                            x
                            for m in CATALOG.select(list_type=chosen["list_type"], on=as_of)
                            if target in m.targets
                            for x in m.matters
                        }
                    )
                    or matters
                )
            matter = data.draw(st.sampled_from(matters))

            if own:
                summary = import_file(
                    engine, "list-entry", write_entries(directory / f"a{a}.jsonl", own), today=TODAY
                )
                assert summary.rejected == [], summary.rejected
            ask: dict[str, Any] = {"department": "SPC", "matter": matter, "as_of": as_of}
            before = check(engine, identifier, **ask)
            assert before.subject is not None and before.subject.identifier == identifier
            summary = import_file(
                engine, "list-entry", write_entries(directory / f"b{a}.jsonl", others), today=TODAY
            )
            assert summary.rejected == [], summary.rejected
            after = check(engine, identifier, **ask)
            assert after == before
            # Screened in one batch with the others (and an invalid line), A's answer is the same.
            inputs = [(1, uscc(a + 1)), (2, identifier), (3, "12345"), (4, _person(a + 1))]
            lines = list(screen(engine, inputs, **ask))
            assert [line.line for line in lines] == [1, 2, 3, 4]
            assert lines[1].result == before and lines[2].error and lines[2].result is None

        try:
            prop()
        finally:
            engine.dispose()
