"""The operator's holiday file: the State Council's notices for years ``chinesecalendar`` does not
know yet, read into an immutable table.

The package learns a year's holidays only with a release after the notice (usually published in
November); until the operator upgrades it, every deadline into that year would be counted with
weekends only. The file (``JOINTCREDIT_HOLIDAYS_FILE``) closes that gap::

    years:
      2031:
        notice: 国办发明电〔2030〕N号
        holidays: [2031-01-01, {from: 2031-02-06, to: 2031-02-12, name: 春节}]
        workdays: [2031-02-15]

This module reads and checks a file it is given; which file, and when it is put in force
(:func:`jointcredit.rules.workdays.use_calendar`), is the callers' business. Every problem is
reported at once, each naming the file, the year and the entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, ScalarNode

from jointcredit.errors import ConfigurationError, FileProblemsError

_TOP = frozenset({"years"})
_YEAR = frozenset({"notice", "holidays", "workdays"})
_RANGE = frozenset({"from", "to", "name"})
_DAY = frozenset({"date", "name"})
#: Longest span one entry may cover: the longest holiday so far is 8-9 days; a span of months is a
#: typo in a year or a month.
_LONGEST_SPAN = 31


class HolidayFileError(FileProblemsError, ConfigurationError):
    """The holiday file cannot be used: deadlines would be counted wrongly, so nothing runs on
    it."""

    what = "the holiday file"


@dataclass(frozen=True, slots=True)
class HolidayYear:
    """One year as its notice sets it: days off and make-up working days (调休), each with the
    holiday's name when the file gives one ("" otherwise)."""

    year: int
    notice: str
    holidays: Mapping[dt.date, str]
    workdays: Mapping[dt.date, str]


@dataclass(frozen=True, slots=True)
class HolidayCalendar:
    """The years of one holiday file."""

    file: Path
    #: (mtime_ns, size) of the file as read: tells a caller whether it changed since.
    stamp: tuple[int, int]
    years: Mapping[int, HolidayYear]


def stamp(path: Path) -> tuple[int, int] | None:
    """(mtime_ns, size) of ``path``, None when it cannot be read."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice: PyYAML keeps the last value silently, and
    a year written twice would lose half of its holidays without a word."""


def _mapping(loader: _UniqueKeyLoader, node: MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise ConstructorError(
                None, None, f"{key!r} appears twice (lines {seen[key]} and {line})"
            )
        seen[key] = line
    return loader.construct_mapping(node, deep=True)


def _timestamp(loader: _UniqueKeyLoader, node: ScalarNode) -> Any:
    # 2031-02-30 looks like a date to YAML and fails with a bare ValueError, naming neither line
    # nor entry; kept as text, it is reported with its entry like any other bad date.
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:map", _mapping)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def load(path: Path) -> HolidayCalendar:
    """The checked table of the holiday file at ``path``; :class:`HolidayFileError` listing
    every problem otherwise."""
    file = path.expanduser()
    before = stamp(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise HolidayFileError(file, [f"cannot be read: {reason}"]) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise HolidayFileError(file, [f"not valid YAML: {exc}".replace("\n", " ")]) from None
    problems: list[str] = []
    years = _years(data, problems)
    if problems:
        raise HolidayFileError(file, problems)
    return HolidayCalendar(file.resolve(), before or (0, 0), MappingProxyType(years))


def _unknown(data: Mapping[Any, Any], allowed: frozenset[str], where: str) -> list[str]:
    return [
        f"{where}unknown key {key!r} (expected {', '.join(sorted(allowed))})"
        for key in data
        if key not in allowed
    ]


def _years(data: Any, problems: list[str]) -> dict[int, HolidayYear]:
    if not isinstance(data, dict) or "years" not in data:
        problems.append("expected a mapping with the key 'years' (deploy/holidays.example.yaml)")
        return {}
    problems.extend(_unknown(data, _TOP, ""))
    raw = data["years"]
    if not isinstance(raw, dict) or not raw:
        problems.append("years: expected a mapping of years (2031: …), each with its notice")
        return {}
    out: dict[int, HolidayYear] = {}
    for key, value in raw.items():
        year = _year_number(key)
        if year is None:
            problems.append(f"years: {key!r} is not a year (four digits, e.g. 2031)")
            continue
        if year in out:
            problems.append(f"{year}: given twice (as {key!r} too)")
            continue
        parsed = _year(year, value, problems)
        if parsed is not None:
            out[year] = parsed
    return dict(sorted(out.items()))


def _year_number(key: Any) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, str) and key.strip().isdigit():
        key = int(key)
    if isinstance(key, int) and 1900 <= key <= 9999:
        return key
    return None


def _year(year: int, data: Any, problems: list[str]) -> HolidayYear | None:
    where = f"{year}: "
    if not isinstance(data, dict):
        problems.append(f"{where}expected a mapping with notice, holidays and workdays")
        return None
    count = len(problems)
    problems.extend(_unknown(data, _YEAR, where))
    notice = data.get("notice")
    if not isinstance(notice, str) or not notice.strip():
        problems.append(
            f"{where}notice: the number of the State Council's notice (国办发明电〔…〕…号) is "
            "required, so that anyone can check the days against it"
        )
    if "holidays" not in data:
        problems.append(f"{where}holidays: missing (the days off of the notice)")
    holidays = _days(year, "holidays", data.get("holidays"), problems)
    workdays = _days(year, "workdays", data.get("workdays"), problems)
    for day in sorted(holidays.keys() & workdays.keys()):
        problems.append(f"{where}{day.isoformat()} is both a holiday and a make-up workday")
    for day in sorted(workdays):
        if day.weekday() < 5:
            problems.append(
                f"{where}workdays: {day.isoformat()} is a {day:%A}: a make-up workday (调休) is "
                "a Saturday or Sunday worked instead of a day off"
            )
    if len(problems) > count:
        return None
    assert isinstance(notice, str)
    return HolidayYear(year, notice.strip(), MappingProxyType(holidays), MappingProxyType(workdays))


def _days(year: int, key: str, entries: Any, problems: list[str]) -> dict[dt.date, str]:
    """The days of the list ``key``: each entry a date or ``{from, to, name}`` (or ``{date,
    name}``); days outside ``year`` are errors."""
    if entries is None:
        return {}
    if not isinstance(entries, list):
        problems.append(f"{year}: {key}: expected a list of dates or ranges ({{from:, to:}})")
        return {}
    out: dict[dt.date, str] = {}
    for i, entry in enumerate(entries):
        where = f"{year}: {key}[{i}] {_shown(entry)}: "
        span = _entry(entry, where, problems)
        if span is None:
            continue
        first, last, name = span
        outside = [d for d in (first, last) if d.year != year]
        if outside:
            problems.append(f"{where}outside {year}")
            continue
        day = first
        while day <= last:
            out[day] = name
            day += dt.timedelta(days=1)
    return out


def _entry(entry: Any, where: str, problems: list[str]) -> tuple[dt.date, dt.date, str] | None:
    if not isinstance(entry, dict):
        day = _date(entry)
        if day is None:
            problems.append(f"{where}not a date (YYYY-MM-DD) or a range ({{from:, to:}})")
            return None
        return day, day, ""
    allowed = _DAY if "date" in entry else _RANGE
    unknown = _unknown(entry, allowed, where)
    if unknown:
        problems.extend(unknown)
        return None
    name = entry.get("name", "")
    if name is None:
        name = ""
    if not isinstance(name, str):
        problems.append(f"{where}name: expected text, not {name!r}")
        return None
    if "date" in entry:
        first = last = _date(entry["date"])
        if first is None:
            problems.append(f"{where}date: not a date (YYYY-MM-DD)")
            return None
    else:
        first, last = _date(entry.get("from")), _date(entry.get("to"))
        if first is None or last is None:
            problems.append(f"{where}a range needs from and to, both dates (YYYY-MM-DD)")
            return None
        if last < first:
            problems.append(f"{where}to {last.isoformat()} is before from {first.isoformat()}")
            return None
        if (last - first).days >= _LONGEST_SPAN:
            problems.append(f"{where}spans {(last - first).days + 1} days: a typo?")
            return None
    assert first is not None and last is not None
    return first, last, name.strip()


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _shown(entry: Any) -> str:
    """An entry as the operator wrote it, for messages."""
    if isinstance(entry, dict):
        inner = ", ".join(f"{k}: {_shown(v)}" for k, v in entry.items())
        return "{" + inner + "}"
    if isinstance(entry, dt.date):
        return entry.isoformat()
    return repr(entry) if isinstance(entry, str) else str(entry)
