"""Synthetic credit subjects: organisations, individual businesses and natural persons.

Every organisation code made here starts with :data:`MARKER` ("JC"); see :mod:`jointcredit.synth`.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate

from jointcredit.identifiers.checkchars import (
    USCC_ALPHABET,
    mod_11_10_check_digit,
    org_check_char,
    ric_check_char,
    uscc_check_char,
)
from jointcredit.synth import catalog, names
from jointcredit.synth.places import County, counties

#: First two characters of every synthetic organisation code (USCC positions 9–10).
MARKER = "JC"
# Authorities' codes continue the marker with "G" (see ``authority_org_code``); subjects' codes
# never do, so the two sets cannot collide.
_AUTHORITY_MARK = "G"
_SUBJECT_CHARS = USCC_ALPHABET.replace(_AUTHORITY_MARK, "")

_BIRTH_FIRST = date(1950, 1, 1).toordinal()
_BIRTH_LAST = date(2005, 12, 31).toordinal()

#: Kinds of organisation: (department + category prefix, weight). 91 enterprises dominate.
_ORG_TYPES = (("91", 86), ("93", 5), ("52", 4), ("12", 3), ("Y1", 2))
_ORG_TYPE_CUM = tuple(accumulate(w for _, w in _ORG_TYPES))
#: Subject kinds and their shares among all subjects.
_KINDS = ((catalog.ORG, 55), (catalog.SHOP, 30), (catalog.PERSON, 15))
_KIND_CUM = tuple(accumulate(w for _, w in _KINDS))
#: Share of legal representatives who already represent another synthetic organisation.
_REP_REUSE = 0.15
#: Share of organisations and shops registered before the 2015 code reform: they still carry a
#: 15-digit registration number, and organisations a 9-character organisation code too.
_LEGACY = 0.3

CATEGORY_ORG, CATEGORY_PERSON, CATEGORY_SHOP = "法人及非法人组织", "自然人", "个体工商户"
ID_CARD = "身份证"


@dataclass(frozen=True, slots=True)
class Person:
    """A natural person: name and resident identity number (GB 11643-1999)."""

    name: str
    ric: str
    county: str


@dataclass(slots=True)
class Subject:
    """A credit subject and the 13 subject fields its records carry.

    ``fields`` are the values of the subject fields (XDR_MC … XDR_ZJHM) without legacy
    identifiers, ``legacy_fields`` with them (the same tuple when the subject has none).
    """

    kind: str  # catalog.ORG, catalog.SHOP or catalog.PERSON
    category: str  # 相对人类别
    name: str
    county: County
    uscc: str  # "" for natural persons
    org_code: str  # positions 9–17 of the USCC, "" for natural persons
    registration_number: str  # legacy 15-digit 工商注册号, or ""
    #: Legal representative (organisations), operator (individual businesses) or the person.
    person: Person
    fields: tuple[str, ...] = field(default=())
    legacy_fields: tuple[str, ...] = field(default=())


def authority_org_code(kind: catalog.AuthorityKind, county: County) -> str:
    """Organisation code of an authority: "JC", "G", the kind, the county in base 31, check.

    Derived, not drawn, so that an authority's code does not depend on the order in which
    records meet it.
    """
    return _authority_org(kind.code, county.code)


def _authority_org(kind: str, division: str) -> str:
    n, digits = int(division), []
    for _ in range(4):  # division codes are below 31**4
        n, r = divmod(n, 31)
        digits.append(USCC_ALPHABET[r])
    first8 = MARKER + _AUTHORITY_MARK + kind + "".join(reversed(digits))
    return first8 + org_check_char(first8)


def authority_uscc(kind: str, division: str) -> str:
    """The synthetic USCC of the authority of ``kind`` (an ``AuthorityKind.code``, or another
    character for kinds synthetic records never issue, e.g. ``"9"`` for a development and reform
    commission) in ``division`` (any level): the one synthetic records name, for a county's
    authority; sample departments files give it so that the records find their department.

    >>> authority_uscc("1", "330106") == authority_uscc("1", "330106")
    True
    """
    return make_uscc("11", division, _authority_org(kind, division))


def make_uscc(prefix: str, county: str, org_code: str) -> str:
    """USCC from department + category, division code and the 9-character organisation code."""
    first17 = prefix + county + org_code
    return first17 + uscc_check_char(first17)


class _Maker:
    """Draws unique identifiers and names with one random stream."""

    def __init__(
        self, rng: random.Random, home: tuple[County, ...] = (), home_share: float = 0.0
    ) -> None:
        self.rng = rng
        self.used: set[str] = set()
        all_counties = list(counties())
        rng.shuffle(all_counties)
        # Subjects cluster in some counties (Zipf-like), so local relations arise.
        self.counties = all_counties
        self.county_cum = tuple(accumulate(1 / (rank + 5) for rank in range(len(all_counties))))
        self.reps: list[Person] = []
        self.home, self.home_share = home, home_share

    def county(self) -> County:
        # No draw at all without home counties: the subjects of a seed stay what they were.
        if self.home and self.rng.random() < self.home_share:
            return self.rng.choice(self.home)
        r = self.rng.random() * self.county_cum[-1]
        return self.counties[bisect(self.county_cum, r, 0, len(self.counties) - 1)]

    def unique(self, make: Callable[[], str]) -> str:
        while True:
            value: str = make()
            if value not in self.used:
                self.used.add(value)
                return value

    def org_code(self) -> str:
        def make() -> str:
            first8 = MARKER + "".join(self.rng.choices(_SUBJECT_CHARS, k=6))
            return first8 + org_check_char(first8)

        return self.unique(make)

    def ric(self, county: str, male: bool) -> str:
        def make() -> str:
            born = date.fromordinal(self.rng.randint(_BIRTH_FIRST, _BIRTH_LAST))
            seq = self.rng.randrange(0, 1000, 2) + (1 if male else 0)  # odd: male
            first17 = f"{county}{born:%Y%m%d}{seq % 1000:03d}"
            return first17 + ric_check_char(first17)

        return self.unique(make)

    def registration_number(self, county: str) -> str:
        def make() -> str:
            first14 = county + f"{self.rng.randrange(10**8):08d}"
            return first14 + mod_11_10_check_digit(first14)

        return self.unique(make)

    def person(self, near: County) -> Person:
        # Most people are registered where they live and work.
        county = near if self.rng.random() < 0.7 else self.county()
        male = self.rng.random() < 0.55
        return Person(names.person_name(self.rng, male), self.ric(county.code, male), county.code)

    def representative(self, county: County) -> Person:
        # Appending on every use makes busy representatives busier (preferential attachment).
        if self.reps and self.rng.random() < _REP_REUSE:
            rep = self.rng.choice(self.reps)
        else:
            rep = self.person(county)
        self.reps.append(rep)
        return rep


def _organisation(mk: _Maker) -> Subject:
    rng, county = mk.rng, mk.county()
    prefix = _ORG_TYPES[bisect(_ORG_TYPE_CUM, rng.random() * _ORG_TYPE_CUM[-1], 0, 4)][0]
    if prefix == "91":
        name = names.enterprise_name(rng, county)
    elif prefix == "93":
        name = names.cooperative_name(rng, county)
    elif prefix == "52":
        name = names.unit_name(rng, county, names.NON_ENTERPRISE)
    elif prefix == "12":
        name = names.unit_name(rng, county, names.INSTITUTIONS)
    else:
        name = names.unit_name(rng, county, names.OTHERS)
    org_code = mk.org_code()
    uscc = make_uscc(prefix, county.code, org_code)
    rep = mk.representative(county)
    legacy = rng.random() < _LEGACY
    reg_no = mk.registration_number(county.code) if legacy and prefix[0] == "9" else ""
    # Public institutions and social organisations keep their own certificate numbers.
    sydw = f"事证第{county.code}{rng.randrange(10**5):05d}号" if prefix == "12" else ""
    shzz = (f"{county.province_abbr}民证字第{rng.randrange(10**7):07d}号"
            if prefix == "52" and rng.random() < 0.4 else "")  # fmt: skip
    base = (name, CATEGORY_ORG, uscc, "", "", "", sydw, shzz, rep.name, ID_CARD, rep.ric, "", "")
    subject = Subject(catalog.ORG, CATEGORY_ORG, name, county, uscc, org_code, reg_no, rep, base)
    if legacy:
        # Old tax registration numbers were the division code followed by the organisation code.
        subject.legacy_fields = (name, CATEGORY_ORG, uscc, reg_no, org_code, county.code + org_code,
                                 sydw, shzz, rep.name, ID_CARD, rep.ric, "", "")  # fmt: skip
    else:
        subject.legacy_fields = base
    return subject


def _shop(mk: _Maker) -> Subject:
    rng, county = mk.rng, mk.county()
    owner = mk.person(county)
    name = names.shop_name(rng, county, owner.name[0])
    org_code = mk.org_code()
    uscc = make_uscc("92", county.code, org_code)
    reg_no = mk.registration_number(county.code) if rng.random() < _LEGACY else ""
    # The operator goes in FRDB; the national format wants the operator's id in XDR_ZJHM.
    base = (name, CATEGORY_SHOP, uscc, "", "", "", "", "", owner.name, "", "", ID_CARD, owner.ric)
    subject = Subject(catalog.SHOP, CATEGORY_SHOP, name, county, uscc, org_code, reg_no, owner,
                      base)  # fmt: skip
    subject.legacy_fields = (*base[:3], reg_no, *base[4:]) if reg_no else base
    return subject


def _natural_person(mk: _Maker) -> Subject:
    county = mk.county()
    person = mk.person(county)
    base = (person.name, CATEGORY_PERSON, "", "", "", "", "", "", "", "", "", ID_CARD, person.ric)
    return Subject(catalog.PERSON, CATEGORY_PERSON, person.name, county, "", "", "", person,
                   base, base)  # fmt: skip


def home_counties(codes: Sequence[str]) -> tuple[County, ...]:
    """The counties of ``codes`` (county-level GB/T 2260 codes), in their order.

    >>> [c.authority_prefix for c in home_counties(["330106"])]
    ['杭州市西湖区']
    """
    by_code = {c.code: c for c in counties()}
    unknown = [code for code in codes if code not in by_code]
    if unknown:
        raise ValueError(f"not current county-level division codes: {', '.join(unknown)}")
    return tuple(by_code[code] for code in codes)


def make_subjects(
    seed: int | str, n: int, *, home: Sequence[str] = (), home_share: float = 0.0
) -> list[Subject]:
    """``n`` subjects, deterministic for ``seed``: about 55% organisations, 30% individual
    businesses and 15% natural persons, in random order. With ``home`` (county codes), about
    ``home_share`` of them are registered in those counties (a provincial demo's own
    counties); without, the subjects are exactly those of earlier versions."""
    mk = _Maker(random.Random(f"{seed}/subjects"), home_counties(home), home_share)
    makers = {catalog.ORG: _organisation, catalog.SHOP: _shop, catalog.PERSON: _natural_person}
    result = []
    for _ in range(n):
        kind = _KINDS[bisect(_KIND_CUM, mk.rng.random() * _KIND_CUM[-1], 0, 2)][0]
        result.append(makers[kind](mk))
    return result
