"""Administrative division codes (GB/T 2260) for identifier checks and synthetic data.

Two sources: the 2023 statistical tables shipped in ``jointcredit/data/divisions`` (provinces,
cities, counties) and python-stdnum's historical table (``stdnum/cn/loc.dat``), which also holds
codes abolished since 1980. An identifier may carry a code from either: a resident identity
number keeps the code of the office that issued it, and an enterprise keeps the code of the
office where it registered, long after the division was merged away.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("jointcredit").joinpath("data", "divisions", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def current() -> dict[str, str]:
    """Six-digit code → name for every province, city and county in the shipped 2023 tables."""
    names: dict[str, str] = {}
    for row in _rows("provinces.csv"):
        names[row["code"] + "0000"] = row["name"]
    for row in _rows("cities.csv"):
        names[row["code"] + "00"] = row["name"]
    for row in _rows("areas.csv"):
        names[row["code"]] = row["name"]
    return names


def _span(low: str, high: str) -> list[str]:
    return [str(n).zfill(len(low)) for n in range(int(low), int(high) + 1)]


@cache
def historical() -> dict[str, str]:
    """Six-digit code → name from python-stdnum's table, abolished codes included."""
    from stdnum import numdb

    names: dict[str, str] = {}
    db = numdb.get("cn/loc")
    # numdb has no public iterator; its prefix tree (length, low, high, props, children) is
    # walked the way numdb.info() walks it.
    for _, plow, phigh, pinfo, pchildren in db.prefixes:
        for province in _span(plow, phigh):
            names[province + "0000"] = pinfo.get("province", "")
            for _, clow, chigh, cinfo, _ in pchildren:
                for county in _span(clow, chigh):
                    # Names of abolished divisions carry their years: "[-2010]崇文区".
                    names[province + county] = cinfo.get("county", "").split("]")[-1]
    return names


def name(code: str) -> str | None:
    """Name of the division ``code``, current or historical, or None when unknown.

    >>> name('110101')
    '东城区'
    >>> name('110103')
    '崇文区'
    >>> name('999999') is None
    True
    """
    return current().get(code) or historical().get(code)


def is_known(code: str) -> bool:
    """Whether ``code`` is a current or historical division code (GB/T 2260)."""
    return name(code) is not None


@cache
def county_codes() -> tuple[str, ...]:
    """Current county-level codes, in table order: the regions synthetic subjects live in."""
    return tuple(row["code"] for row in _rows("areas.csv"))


#: Levels of a division, from its code: the nation has none.
LEVELS = ("national", "provincial", "municipal", "county")


def level(code: str | None) -> str:
    """The level of a six-digit division code (``None``: the nation).

    >>> [level(c) for c in (None, '330000', '330100', '330102')]
    ['national', 'provincial', 'municipal', 'county']
    """
    if code is None:
        return "national"
    if code.endswith("0000"):
        return "provincial"
    if code.endswith("00"):
        return "municipal"
    return "county"


def prefix(code: str | None) -> str:
    """The code's significant digits: what every division inside it starts with.

    >>> [prefix(c) for c in (None, '330000', '330100', '330102')]
    ['', '33', '3301', '330102']
    """
    if code is None:
        return ""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def within(code: str | None, region: str | None) -> bool:
    """Whether the division ``code`` lies inside ``region`` (itself included); ``None`` is the
    whole nation, which lies inside no region but its own.

    >>> within('330102', '330000'), within('330100', '330100'), within('330000', '330100')
    (True, True, False)
    >>> within(None, '330000'), within('330000', None), within(None, None)
    (False, True, True)
    >>> within('320100', '330000')
    False
    """
    if region is None:
        return True
    if code is None:
        return False
    return code.startswith(prefix(region))


def enclosing(code: str | None) -> tuple[str, ...]:
    """The divisions ``code`` lies in, from the province down to itself.

    >>> enclosing('330102')
    ('330000', '330100', '330102')
    >>> enclosing('330000'), enclosing(None)
    (('330000',), ())
    """
    if code is None:
        return ()
    out = [code[:2] + "0000"]
    if not code.endswith("0000"):
        out.append(code[:4] + "00")
        if not code.endswith("00"):
            out.append(code)
    return tuple(out)
