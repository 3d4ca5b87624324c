"""The scorecard of the public credit comprehensive evaluation: YAML in, frozen dataclasses out.

A scorecard (``data/scorecard/default.yaml``, or the file ``JOINTCREDIT_SCORECARD_FILE`` names)
is data, like the measure catalog: loaded and checked once at start, every error naming the
file and the field (``default.yaml: indicators[2].points: …``), all errors at once. Indicator
kinds are a small closed set (:data:`INDICATOR_KINDS`); what each counts is in
docs/grading.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from jointcredit.errors import FileProblemsError

#: What an indicator may count: penalties (by severity tier and age), list entries in effect
#: (by list kind, optionally list types), licences and commitments (by age).
INDICATOR_KINDS = ("penalty", "list-entry", "licence", "commitment")
#: The record kind each indicator kind counts.
RECORD_KIND = {
    "penalty": "penalty",
    "list-entry": None,  # the indicator's list_kind
    "licence": "licensing",
    "commitment": "commitment",
}
SEVERITIES = ("minor", "general", "severe")
LIST_KINDS = ("red-list", "black-list")

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "scorecard" / "default.yaml"

_TOP = {"version", "name", "base", "min_score", "max_score", "grades", "indicators"}
_INDICATOR = {
    "id",
    "zh",
    "en",
    "kind",
    "severity",
    "months",
    "list_kind",
    "list_types",
    "points",
    "cap",
    "weight",
}
_GRADE = {"grade", "min", "zh", "en"}


class ScorecardError(FileProblemsError):
    """The scorecard file has errors: grading does not run on it."""

    code = "scorecard"

    what = "the scorecard"


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    name_zh: str
    name_en: str
    kind: str
    #: The record kind counted: penalty, red-list, black-list, licensing or commitment.
    record_kind: str
    severity: tuple[str, ...]  # penalties: the tiers counted; empty: every tier
    months: int | None  # records decided in the last ``months`` months; None: any age
    list_types: tuple[str, ...]  # list entries: only these catalog list types; empty: all
    points: Decimal  # per record counted (negative: against the subject)
    cap: Decimal  # the most points, in absolute value, the indicator gives before weight
    weight: Decimal


@dataclass(frozen=True, slots=True)
class Grade:
    grade: str
    min: Decimal
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Scorecard:
    version: str
    name_zh: str
    name_en: str
    base: Decimal
    min_score: Decimal
    max_score: Decimal
    grades: tuple[Grade, ...]  # highest threshold first
    indicators: tuple[Indicator, ...]
    #: The file's SHA-256 (first 16 hex digits): two files with one version still differ.
    digest: str

    @property
    def label(self) -> str:
        """What a stored grade names its scorecard by: version and content digest."""
        return f"{self.version}+{self.digest}"

    def grade_of(self, score: Decimal) -> Grade:
        """The first grade whose threshold ``score`` reaches (thresholds descend)."""
        for grade in self.grades:
            if score >= grade.min:
                return grade
        return self.grades[-1]


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def text(self, data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.add(f"{where}{key}", "missing")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.add(f"{where}{key}", f"must be non-empty text, not {value!r}")
            return ""
        return value.strip()

    def number(
        self,
        data: dict[str, Any],
        key: str,
        where: str,
        *,
        default: Decimal | None = None,
        minimum: Decimal | None = None,
    ) -> Decimal:
        value = data.get(key)
        if value is None:
            if default is None:
                self.add(f"{where}{key}", "missing")
                return Decimal(0)
            return default
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.add(f"{where}{key}", f"must be a number, not {value!r}")
            return Decimal(0)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.add(f"{where}{key}", f"must be a number, not {value!r}")
            return Decimal(0)
        if not number.is_finite() or number != number.quantize(Decimal("0.01")):
            self.add(f"{where}{key}", f"must be a number with at most 2 decimals, not {value!r}")
            return Decimal(0)
        if minimum is not None and number < minimum:
            self.add(f"{where}{key}", f"must be at least {minimum}, not {value!r}")
        return number

    def unknown(self, data: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in sorted(set(data) - allowed, key=str):
            self.add(f"{where}{key}", f"unknown field (known: {', '.join(sorted(allowed))})")


def _names(check: _Checker, data: dict[str, Any], where: str) -> tuple[str, str]:
    return check.text(data, "zh", where), check.text(data, "en", where)


def _indicator(check: _Checker, data: Any, where: str) -> Indicator | None:
    if not isinstance(data, dict):
        check.add(where.rstrip("."), "must be a mapping of an indicator's fields")
        return None
    check.unknown(data, _INDICATOR, where)
    ident = check.text(data, "id", where)
    zh, en = _names(check, data, where)
    kind = data.get("kind")
    if kind not in INDICATOR_KINDS:
        check.add(f"{where}kind", f"must be one of {', '.join(INDICATOR_KINDS)}, not {kind!r}")
        return None
    severity: tuple[str, ...] = ()
    raw_severity = data.get("severity")
    if raw_severity is not None:
        if kind != "penalty":
            check.add(f"{where}severity", "only a penalty indicator counts by severity")
        elif not isinstance(raw_severity, list) or not raw_severity:
            check.add(f"{where}severity", f"must be a list of {', '.join(SEVERITIES)}")
        else:
            for n, tier in enumerate(raw_severity):
                if tier not in SEVERITIES:
                    check.add(
                        f"{where}severity[{n}]",
                        f"must be one of {', '.join(SEVERITIES)}, not {tier!r}",
                    )
            severity = tuple(str(t) for t in raw_severity)
    months = data.get("months")
    if months is not None and (isinstance(months, bool) or not isinstance(months, int)):
        check.add(f"{where}months", f"must be a whole number of months, not {months!r}")
        months = None
    elif months is not None and months < 1:
        check.add(f"{where}months", f"must be at least 1, not {months!r}")
    if kind == "list-entry" and months is not None:
        check.add(f"{where}months", "a list entry counts while it is in effect, whatever its age")
    record_kind = RECORD_KIND[kind]
    list_types: tuple[str, ...] = ()
    if kind == "list-entry":
        list_kind = data.get("list_kind")
        if list_kind not in LIST_KINDS:
            check.add(
                f"{where}list_kind", f"must be one of {', '.join(LIST_KINDS)}, not {list_kind!r}"
            )
        record_kind = str(list_kind)
        raw_types = data.get("list_types")
        if raw_types is not None:
            if not isinstance(raw_types, list) or not all(
                isinstance(t, str) and t for t in raw_types
            ):
                check.add(f"{where}list_types", "must be a list of catalog list type codes")
            else:
                list_types = tuple(raw_types)
    else:
        for key in ("list_kind", "list_types"):
            if key in data:
                check.add(f"{where}{key}", "only a list-entry indicator has it")
    points = check.number(data, "points", where)
    if points == 0:
        check.add(f"{where}points", "must not be 0 (an indicator that counts nothing)")
    cap = check.number(data, "cap", where, minimum=Decimal("0.01"))
    weight = check.number(data, "weight", where, default=Decimal(1), minimum=Decimal("0.01"))
    return Indicator(
        id=ident,
        name_zh=zh,
        name_en=en,
        kind=kind,
        record_kind=record_kind or "",
        severity=severity,
        months=months if isinstance(months, int) and months >= 1 else None,
        list_types=list_types,
        points=points,
        cap=cap,
        weight=weight,
    )


def _grades(check: _Checker, raw: Any, low: Decimal, high: Decimal) -> tuple[Grade, ...]:
    if not isinstance(raw, list) or not raw:
        check.add("grades", "must be a non-empty list of {grade, min, zh, en}")
        return ()
    grades: list[Grade] = []
    for n, item in enumerate(raw):
        where = f"grades[{n}]."
        if not isinstance(item, dict):
            check.add(f"grades[{n}]", "must be a mapping of grade, min, zh, en")
            continue
        check.unknown(item, _GRADE, where)
        name = check.text(item, "grade", where)
        minimum = check.number(item, "min", where)
        zh, en = _names(check, item, where)
        if grades and minimum >= grades[-1].min:
            check.add(f"{where}min", f"must be below the previous grade's ({grades[-1].min})")
        if name and any(g.grade == name for g in grades):
            check.add(f"{where}grade", f"{name!r} is named twice")
        grades.append(Grade(name, minimum, zh, en))
    if grades and grades[-1].min > low:
        check.add(
            f"grades[{len(grades) - 1}].min",
            f"the last grade must take every score down to min_score ({low})",
        )
    if grades and grades[0].min > high:
        check.add("grades[0].min", f"no score reaches it: max_score is {high}")
    return tuple(grades)


def parse(text: str, file: Path) -> Scorecard:
    """The scorecard in ``text`` (read from ``file``); :class:`ScorecardError` lists every
    error, each naming the field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScorecardError(file, [f"not valid YAML: {exc}"]) from None
    check = _Checker()
    if not isinstance(data, dict):
        raise ScorecardError(file, ["the file must hold a mapping (version, base, grades, …)"])
    check.unknown(data, _TOP, "")
    version = data.get("version")
    if isinstance(version, int | float) and not isinstance(version, bool):
        version = str(version)
    if not isinstance(version, str) or not version.strip():
        check.add("version", f"must be text such as '2026.1', not {version!r}")
        version = ""
    names = data.get("name")
    zh = en = ""
    if not isinstance(names, dict):
        check.add("name", "must be a mapping with zh and en")
    else:
        check.unknown(names, {"zh", "en"}, "name.")
        zh, en = _names(check, names, "name.")
    base = check.number(data, "base", "")
    low = check.number(data, "min_score", "", default=Decimal(0))
    high = check.number(data, "max_score", "", default=Decimal(100))
    if high <= low:
        check.add("max_score", f"must be above min_score ({low})")
    elif not low <= base <= high:
        check.add("base", f"must lie between min_score ({low}) and max_score ({high})")
    grades = _grades(check, data.get("grades"), low, high)
    raw = data.get("indicators")
    indicators: list[Indicator] = []
    if not isinstance(raw, list) or not raw:
        check.add("indicators", "must be a non-empty list of indicators")
    else:
        seen: set[str] = set()
        for n, item in enumerate(raw):
            found = _indicator(check, item, f"indicators[{n}].")
            if found is None:
                continue
            if found.id and found.id in seen:
                check.add(f"indicators[{n}].id", f"{found.id!r} is used twice")
            seen.add(found.id)
            indicators.append(found)
    if check.problems:
        raise ScorecardError(file, check.problems)
    return Scorecard(
        version=str(version).strip(),
        name_zh=zh,
        name_en=en,
        base=base,
        min_score=low,
        max_score=high,
        grades=grades,
        indicators=tuple(indicators),
        digest=hashlib.sha256(text.encode()).hexdigest()[:16],
    )


def load_scorecard(path: Path | None = None) -> Scorecard:
    """The scorecard in ``path``, or the configured one (``JOINTCREDIT_SCORECARD_FILE``, else
    the shipped default), checked."""
    if path is None:
        from jointcredit.settings import get_settings

        path = get_settings().scorecard_file or DEFAULT_FILE
    return _load(Path(path).resolve())


@cache
def _load(path: Path) -> Scorecard:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScorecardError(path, [f"cannot be read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise ScorecardError(path, ["is not UTF-8 text"]) from None
    return parse(text, path)
