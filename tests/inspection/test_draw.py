"""The draw as a pure function: known answers computed here independently with hmac, order
independence, the configured rates followed (binomial bounds), inspectors never assigned with
a conflict (Hypothesis), the load balanced, and the inspectors file read with named errors."""

from __future__ import annotations

import hashlib
import hmac
import math
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointcredit.errors import InvalidInputError
from jointcredit.inspection import draw
from jointcredit.inspection.draw import Inspector, Target
from jointcredit.inspection.inspectors import from_json, parse, to_json

SEED = "00112233445566778899aabbccddeeff"
POPULATION = [(f"91330100MA{n:08d}", "ABCD"[n % 4]) for n in range(40)]
RATES = {"A": Decimal("0.1"), "B": Decimal("0.25"), "C": Decimal("0.5"), "D": Decimal("0.9")}


def _independent(seed: str, identifier: str) -> int:
    mac = hmac.new(bytes.fromhex(seed), b"subject:" + identifier.encode(), hashlib.sha256)
    return int.from_bytes(mac.digest()[:8], "big")


def test_known_answer_pinned() -> None:
    """The algorithm's output for a fixed seed and population, written down: a change to
    the algorithm (which would break every published plan's verification) fails here."""
    drawn = draw.select(SEED, POPULATION, RATES)
    assert [i for i, _, _ in drawn] == [
        f"91330100MA{n:08d}" for n in (3, 4, 6, 7, 10, 14, 15, 19, 23, 25, 27, 29, 30, 31, 35)
    ]
    assert [draw.value_text(n) for _, _, n in drawn[:3]] == [
        "e35f7ed90813db49",
        "0b9c61b8bd94c2b2",
        "44e9184f98a79e88",
    ]
    inspectors = [Inspector(f"I{k}", f"n{k}", "D") for k in range(1, 5)]
    teams = draw.assign(SEED, [Target(i) for i, _, _ in drawn[:5]], inspectors, 2)
    assert teams == {
        "91330100MA00000003": ["I3", "I2"],
        "91330100MA00000004": ["I1", "I4"],
        "91330100MA00000006": ["I2", "I4"],
        "91330100MA00000007": ["I3", "I1"],
        "91330100MA00000010": ["I2", "I3"],
    }


@settings(max_examples=50, deadline=None)
@given(
    seed=st.binary(min_size=16, max_size=32).map(bytes.hex),
    rates=st.fixed_dictionaries({c: st.decimals(0, 1, places=6) for c in ("A", "B", "C", "D")}),
)
def test_known_answers_computed_independently(seed: str, rates: dict[str, Decimal]) -> None:
    """Every selection is exactly: HMAC-SHA256(seed, "subject:" + id)'s first 8 bytes,
    over 2**64, below the class's rate — as the docs tell the public to compute it."""
    expected = [
        (i, c, _independent(seed, i))
        for i, c in sorted(POPULATION)
        if Fraction(_independent(seed, i), 2**64) < Fraction(str(rates[c]))
    ]
    assert draw.select(seed, POPULATION, rates) == expected


def test_the_docs_snippet_agrees() -> None:
    def drawn(seed_hex: str, identifier: str, rate: str) -> bool:  # as in docs/inspection.md
        digest = hmac.new(
            bytes.fromhex(seed_hex), ("subject:" + identifier).encode(), hashlib.sha256
        )
        n = int.from_bytes(digest.digest()[:8], "big")
        return n < Fraction(rate) * 2**64

    chosen = {i for i, _, _ in draw.select(SEED, POPULATION, RATES)}
    assert chosen == {i for i, c in POPULATION if drawn(SEED, i, str(RATES[c]))}


def test_rates_zero_and_one_and_exact_thresholds() -> None:
    assert draw.select(SEED, POPULATION, dict.fromkeys("ABCD", Decimal(0))) == []
    assert len(draw.select(SEED, POPULATION, dict.fromkeys("ABCD", Decimal(1)))) == 40
    assert draw.threshold(Decimal("0.5")) == 2**63
    assert draw.threshold(Decimal("0.1")) == math.ceil(Fraction(1, 10) * 2**64)


def test_same_inputs_same_draw_and_order_does_not_matter() -> None:
    first = draw.select(SEED, POPULATION, RATES)
    shuffled = list(POPULATION)
    random.Random(4).shuffle(shuffled)
    assert draw.select(SEED, shuffled, RATES) == first
    assert draw.select(SEED, reversed(POPULATION), RATES) == first
    # A subject's fate does not depend on who else is in the population.
    half = draw.select(SEED, POPULATION[:20], RATES)
    assert half == [d for d in first if d[0] in {i for i, _ in POPULATION[:20]}]
    assert draw.select("ff" * 16, POPULATION, RATES) != first


def test_the_draw_follows_the_rates() -> None:
    """20,000 identifiers per class: the drawn share lies within 5 standard deviations of
    the rate (a false alarm about once in 3.5 million runs per class; the draw is
    deterministic anyway, so this never flakes)."""
    rates = {
        "A": Decimal("0.02"),
        "B": Decimal("0.05"),
        "C": Decimal("0.15"),
        "D": Decimal("0.4"),
        "ungraded": Decimal("0.5"),
    }
    n = 20_000
    population = [(f"9133{c:>8}{k:06d}", c) for c in rates for k in range(n)]
    for seed in (SEED, draw.seed_from("2026年第一期福利彩票")):
        drawn = draw.select(seed, population, rates)
        for cls, rate in rates.items():
            p = float(rate)
            k = sum(1 for _, c, _ in drawn if c == cls)
            sigma = math.sqrt(n * p * (1 - p))
            assert abs(k - n * p) <= 5 * sigma, (cls, k, n * p, sigma)


def test_seeds() -> None:
    assert len(draw.new_seed()) == 32 and draw.new_seed() != draw.new_seed()
    assert draw.check_seed(" " + SEED.upper() + " ") == SEED
    assert draw.seed_from("x") == hashlib.sha256(b"x").hexdigest()[:32]
    for bad in ("abc", "zz" * 16, "0" * 33, "0" * 130):
        with pytest.raises(InvalidInputError, match="hex digits"):
            draw.check_seed(bad)


IDS = [f"9133{r}00MA{k:08d}" for r in ("01", "02") for k in range(6)]


@st.composite
def staffs(draw_: st.DrawFn) -> list[Inspector]:
    count = draw_(st.integers(1, 7))
    out = []
    for k in range(count):
        out.append(
            Inspector(
                f"I{k}",
                f"inspector {k}",
                "SAMR",
                subjects=frozenset(draw_(st.lists(st.sampled_from(IDS), max_size=6))),
                regions=tuple(
                    draw_(st.lists(st.sampled_from(["33", "3301", "330200"]), max_size=1))
                ),
            )
        )
    return out


@settings(max_examples=200, deadline=None)
@given(inspectors=staffs(), team=st.integers(1, 3), seed=st.binary(min_size=16, max_size=16))
def test_never_a_conflict_and_never_dropped(
    inspectors: list[Inspector], team: int, seed: bytes
) -> None:
    targets = [Target(i, i[2:8]) for i in IDS]
    teams = draw.assign(seed.hex(), targets, inspectors, team)
    assert set(teams) == set(IDS), "every drawn subject is in the result"
    by_id = {i.id: i for i in inspectors}
    for target in targets:
        chosen = teams[target.identifier]
        eligible = [i for i in inspectors if not i.conflicts_with(target.identifier, target.region)]
        if len(eligible) < team:
            assert chosen == [], "no team when too few are free of conflict"
            continue
        assert len(chosen) == team == len(set(chosen))
        for ident in chosen:
            assert not by_id[ident].conflicts_with(target.identifier, target.region)


def test_load_is_balanced_without_conflicts() -> None:
    inspectors = [Inspector(f"I{k:02d}", "x", "D") for k in range(7)]
    targets = [Target(f"91330100MA{k:08d}") for k in range(101)]
    teams = draw.assign(SEED, targets, inspectors, 2)
    load: dict[str, int] = {i.id: 0 for i in inspectors}
    for chosen in teams.values():
        for ident in chosen:
            load[ident] += 1
    assert sum(load.values()) == 202
    assert max(load.values()) - min(load.values()) <= 1


def test_region_conflicts_exclude_inspectors() -> None:
    inspectors = [
        Inspector("I1", "a", "D", regions=("3301",)),
        Inspector("I2", "b", "D"),
        Inspector("I3", "c", "D"),
    ]
    teams = draw.assign(
        SEED, [Target("913301001", "330100"), Target("913302001", "330200")], inspectors, 2
    )
    assert set(teams["913301001"]) == {"I2", "I3"}, "I1 lives in 3301"
    assert len(teams["913302001"]) == 2


def test_inspectors_csv_and_json() -> None:
    text = (
        "id,name,department,conflict_subjects,conflict_regions\n"
        "I2,李四,SAMR,,3301;330200\n"
        "I1,张三,SAMR,9133-0100-MA00000001；91330100MA00000002,\n"
    )
    people = parse(text, "staff.csv")
    assert [p.id for p in people] == ["I1", "I2"]
    assert people[0].subjects == {"91330100MA00000001", "91330100MA00000002"}
    assert people[1].regions == ("3301", "330200")
    assert from_json(to_json(people)) == people
    again = parse(
        '{"inspectors": [{"id": 7, "name": "王五", "department": "SAMR",'
        ' "conflicts": {"subjects": ["x1"], "regions": ["33"]}}]}',
        "staff.json",
    )
    assert again == [Inspector("7", "王五", "SAMR", frozenset({"X1"}), ("33",))]


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("id,name\nI1,a\n", "s.csv", "the header lacks department"),
        ("id,name,department\nI1,,SAMR\n", "s.csv", "row 2.name: must be non-empty text"),
        ("id,name,department\nI1,a,S\nI1,b,S\n", "s.csv", "row 3.id: 'I1' is listed twice"),
        (
            "id,name,department,conflict_regions\nI1,a,S,3x\n",
            "s.csv",
            "row 2.conflicts.regions: '3x' is not a division-code prefix",
        ),
        ("id,name,department\n", "s.csv", "no inspectors listed"),
        ('[{"id": "I1", "name": "a", "department": "S", "age": 3}]', "s.json", "[0].age: unknown"),
        ("[1]", "s.json", "[0]: must be an object"),
        ("{not json", "s.json", "not valid JSON"),
    ],
)
def test_inspectors_file_errors_are_named(text: str, name: str, expected: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse(text, name)
    assert name in str(caught.value) and expected in str(caught.value)
