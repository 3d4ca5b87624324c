"""Credit analysis reports (issue 7; 33号 §13): a region's credit records in a period, by kind,
sector, month, violation, list and repair, and its sub-divisions compared — figures from the
registry alone, with no personal data: persons are counted, never named or numbered. The
figures quote records' free text (violations, legal bases), so every string in them passes
through :func:`~jointcredit.identifiers.mask.mask_deep`: a resident identity number typed into
such text is masked like on every public output.

:func:`report` is the use case (permission ``statistics``, audited ``read-analysis``);
:func:`compute` gives the same figures unchecked. The figures are a plain dict (JSON-ready:
dates as ISO text, money in fen) that :mod:`jointcredit.reports` renders as HTML or PDF.

Where a record lies, and its sector, come from its subject's identifier
(:mod:`jointcredit.store.analysis`): the registry keeps no address and no industry.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Engine

from jointcredit.access import Principal, require
from jointcredit.clock import china_day
from jointcredit.clock import now as clock_now
from jointcredit.errors import InvalidInputError
from jointcredit.identifiers import divisions, uscc
from jointcredit.identifiers.mask import mask_deep
from jointcredit.services import audit
from jointcredit.services.tracking import Period, parse_period, parse_region
from jointcredit.store import analysis as store
from jointcredit.store.tables import RECORD_KINDS

#: Kinds of record in report order, with their names.
KIND_NAMES: dict[str, tuple[str, str]] = {
    "penalty": ("行政处罚", "Administrative penalties"),
    "licensing": ("行政许可", "Administrative licences"),
    "black-list": ("黑名单", "Black-list entries"),
    "red-list": ("红名单", "Red-list entries"),
    "commitment": ("信用承诺", "Credit commitments"),
}
assert set(KIND_NAMES) == set(RECORD_KINDS)

#: English names of the USCC's registration departments (position 1).
DEPARTMENT_NAMES_EN: dict[str, str] = {
    "1": "institution organs (机构编制)",
    "2": "foreign affairs",
    "3": "justice administration",
    "4": "culture",
    "5": "civil affairs (social organisations)",
    "6": "tourism",
    "7": "religious affairs",
    "8": "trade unions",
    "9": "market regulation (工商: enterprises)",
    "A": "Central Military Commission",
    "N": "agriculture (collective economic organisations)",
    "Y": "other",
}
assert set(DEPARTMENT_NAMES_EN) == set(uscc.DEPARTMENTS)
#: English names of the commonest USCC categories (positions 1–2); others take the department's.
CATEGORY_NAMES_EN: dict[str, str] = {
    "11": "state organs",
    "12": "public institutions",
    "13": "mass organisations",
    "51": "social groups",
    "52": "private non-enterprise units",
    "53": "foundations",
    "91": "enterprises",
    "92": "individual businesses",
    "93": "farmers' cooperatives",
}

#: Provinces whose sub-divisions are compared by county: the four municipalities, whose only
#: city-level codes are 市辖区 and 县.
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
TOP = 10


def parse_region_code(text: str | None) -> str:
    """A known division code (2, 4 or 6 digits; trailing ``00`` pairs dropped), required."""
    if text is None or not text.strip():
        raise InvalidInputError("region: give a division code (2, 4 or 6 digits, as 33 or 3301)")
    prefix = parse_region(text)
    assert prefix is not None
    if divisions.name(prefix.ljust(6, "0")) is None:
        raise InvalidInputError(
            f"region: {text.strip()[:40]!r} is not a known division code (GB/T 2260)"
        )
    return prefix


def parse_sector(text: str | None) -> str | None:
    """A sector: a USCC registration-department code (``9``) or department and category
    (``91``), as :data:`jointcredit.identifiers.uscc.DEPARTMENTS` and ``CATEGORIES`` list."""
    if text is None or not text.strip():
        return None
    value = text.strip().upper()
    if value not in uscc.DEPARTMENTS and value not in uscc.CATEGORIES:
        known = ", ".join([*uscc.DEPARTMENTS, *uscc.CATEGORIES])
        raise InvalidInputError(
            f"sector: {text.strip()[:40]!r} is not a sector code: give a USCC registration "
            f"department (1 character) or department and category (2 characters): {known}"
        )
    return value


def sector_name(code: str) -> tuple[str, str]:
    """Chinese and English names of a sector code (as :func:`store.sector_of` gives them)."""
    if code == store.PERSON:
        return "自然人", "natural persons"
    if code == store.UNKNOWN:
        return "无统一社会信用代码", "no USCC"
    department = uscc.DEPARTMENTS.get(code[:1])
    if department is None:
        return f"未知（{code}）", f"unknown ({code})"
    english = DEPARTMENT_NAMES_EN[code[:1]]
    if len(code) == 1:
        return department, english
    category = uscc.CATEGORIES.get(code)
    if category is None:
        return f"{department}·未知类别", f"{english}, unknown category"
    return f"{department}·{category}", CATEGORY_NAMES_EN.get(code, english)


def division_name(code: str) -> str:
    return divisions.name(code.ljust(6, "0")) or "—"


def trend_window(span: Period) -> tuple[dt.date, dt.date]:
    """The trend's months: the 12 ending with the period's last month (a quarter and the three
    before it; a month and the eleven before it); for a year, it and the year before."""
    months = 24 if span.first.month == 1 and span.last.month == 12 else 12
    year, month = span.last.year, span.last.month - months + 1
    while month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, 1), span.last


def _months(first: dt.date, last: dt.date) -> list[str]:
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = year + (month == 12), month % 12 + 1
    return out


def subdivision_digits(region: str) -> int | None:
    """How many digits of the division code name the region's sub-divisions (None: a county
    has none)."""
    if len(region) == 2:
        return 6 if region in MUNICIPALITIES else 4
    if len(region) == 4:
        return 6
    return None


def _catalog() -> Any:
    from jointcredit.catalog import load_catalog

    return load_catalog()


def _list_name(catalog: Any, code: str | None) -> tuple[str, str]:
    known = catalog.list_types.get(code) if code else None
    if known is None:
        return code or "—", code or "—"
    return known.name_zh, known.name_en


def compute(
    engine: Engine,
    region: str,
    period: str,
    sector: str | None = None,
    *,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The report's figures, unchecked and unaudited (for :func:`report`)."""
    prefix = parse_region_code(region)
    span = parse_period(period)
    code = parse_sector(sector)
    today = today or china_day(clock_now())
    first, last = span.first, span.last
    start, end = span.moments()
    trend_first, trend_last = trend_window(span)
    digits = subdivision_digits(prefix)
    with engine.connect() as conn:
        cells = store.by_kind_and_sector(conn, first, last, prefix, code)
        concerned = store.subjects_concerned(conn, first, last, prefix, code)
        excluded = store.not_counted(conn, first, last, prefix, code)
        monthly = store.by_month(conn, trend_first, trend_last, prefix, code)
        violations = store.violations(conn, first, last, prefix, code, limit=TOP)
        bases = store.legal_bases(conn, first, last, prefix, code, limit=TOP)
        made = store.entries_made(conn, first, last, prefix, code)
        expired = store.entries_expired(conn, first, last, prefix, code, today)
        ended = store.entries_ended(conn, start, end, prefix, code)
        repaired = store.repair_counts(conn, start, end, prefix, code)
        local = (
            store.by_subdivision(conn, first, last, prefix, code, digits)
            if digits is not None
            else []
        )

    # Records by kind and by sector.
    kinds: dict[str, dict[str, int]] = {
        k: {"records": 0, "subjects": 0, "fine_fen": 0, "severe": 0} for k in KIND_NAMES
    }
    sectors: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KIND_NAMES, 0))
    for row in cells:
        for name in ("records", "subjects", "fine_fen", "severe"):
            kinds[row["kind"]][name] += int(row[name] or 0)
        sectors[row["sector"]][row["kind"]] += int(row["records"])
    by_kind = [
        {"kind": k, "name_zh": KIND_NAMES[k][0], "name_en": KIND_NAMES[k][1], **kinds[k]}
        for k in KIND_NAMES
        if kinds[k]["records"]
    ]
    by_sector: list[dict[str, Any]] = []
    for sector_code, counts in sectors.items():
        zh, en = sector_name(sector_code)
        by_sector.append(
            {"sector": sector_code, "name_zh": zh, "name_en": en,
             "records": sum(counts.values()), "kinds": dict(counts)}
        )  # fmt: skip
    by_sector.sort(key=lambda r: (-r["records"], r["sector"]))

    # The trend.
    months = _months(trend_first, trend_last)
    series: dict[str, list[int]] = {}
    for row in monthly:
        values = series.setdefault(row["kind"], [0] * len(months))
        values[months.index(row["month"])] += int(row["records"])
    trend = {
        "first_day": trend_first.isoformat(),
        "last_day": trend_last.isoformat(),
        "months": months,
        "series": {k: series[k] for k in KIND_NAMES if k in series},
        "total": [sum(v[i] for v in series.values()) for i in range(len(months))],
    }

    # List entries and exits.
    catalog = _catalog()
    lists: dict[tuple[str, str | None], dict[str, int]] = defaultdict(
        lambda: {"made": 0, "expired": 0, "cancelled": 0, "repaired": 0}
    )
    for row in made:
        lists[row["kind"], row["list_type"]]["made"] += int(row["entries"])
    for row in expired:
        lists[row["kind"], row["list_type"]]["expired"] += int(row["entries"])
    for row in ended:
        lists[row["kind"], row["list_type"]][row["status"]] += int(row["entries"])
    list_rows: list[dict[str, Any]] = []
    for (kind, list_type), counts in lists.items():
        zh, en = _list_name(catalog, list_type)
        list_rows.append(
            {"kind": kind, "list_type": list_type, "name_zh": zh, "name_en": en, **counts,
             "ended": counts["expired"] + counts["cancelled"] + counts["repaired"]}
        )  # fmt: skip
    list_rows.sort(key=lambda r: (r["kind"] != "black-list", -r["made"], r["list_type"] or ""))

    # Repairs.
    repair_rows = [
        {
            "kind": row["kind"],
            "name_zh": KIND_NAMES[row["kind"]][0],
            "name_en": KIND_NAMES[row["kind"]][1],
            **{n: int(row[n] or 0) for n in ("applied", "approved", "rejected", "open")},
        }
        for row in repaired
    ]
    repair_rows.sort(key=lambda r: list(KIND_NAMES).index(r["kind"]))

    # Sub-divisions.
    divided: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KIND_NAMES, 0))
    for row in local:
        divided[row["division"]][row["kind"]] += int(row["records"])
    region_rows: list[dict[str, Any]] = [
        {"division": d, "name": division_name(d), "records": sum(c.values()), "kinds": dict(c)}
        for d, c in divided.items()
    ]
    region_rows.sort(key=lambda r: (-r["records"], r["division"]))

    def total(rows: list[dict[str, Any]], name: str) -> int:
        return sum(int(r[name]) for r in rows)

    summary = {
        "records": total(by_kind, "records"),
        "by_kind": {r["kind"]: r["records"] for r in by_kind},
        "organisations": concerned["organisations"],
        "persons": concerned["persons"],
        "penalties": kinds["penalty"]["records"],
        "fine_fen": kinds["penalty"]["fine_fen"],
        "severe_penalties": kinds["penalty"]["severe"],
        "entries_made": total(list_rows, "made"),
        "entries_ended": total(list_rows, "ended"),
        "repairs_applied": total(repair_rows, "applied"),
        "repairs_approved": total(repair_rows, "approved"),
        "not_counted": excluded,
    }
    sector_figure = None
    if code is not None:
        zh, en = sector_name(code)
        sector_figure = {"code": code, "name_zh": zh, "name_en": en}
    figures = {
        "region": {"code": prefix, "name": division_name(prefix)},
        "sector": sector_figure,
        "period": span.to_dict(),
        "as_of": today.isoformat(),
        "summary": summary,
        "by_kind": by_kind,
        "by_sector": by_sector,
        "trend": trend,
        "violations": [
            {
                **r,
                "penalties": int(r["penalties"]),
                "subjects": int(r["subjects"]),
                "fine_fen": int(r["fine_fen"] or 0),
            }
            for r in violations
        ],
        "legal_bases": [{**r, "penalties": int(r["penalties"])} for r in bases],
        "lists": list_rows,
        "repairs": repair_rows,
        "subdivisions": {"digits": digits, "rows": region_rows},
    }
    return mask_deep(figures)


def report(
    engine: Engine,
    *,
    by: Principal,
    region: str,
    period: str,
    sector: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The credit analysis figures for a caller with ``statistics``; audited
    (``read-analysis``, with the region, period, sector and the number of records)."""
    require(by, "statistics")
    result = compute(engine, region, period, sector, today=today)
    audit.record(
        engine,
        by,
        [
            audit.Event(
                "read-analysis",
                detail={
                    "report": "credit-analysis",
                    "region": result["region"]["code"],
                    "period": result["period"]["label"],
                    "sector": None if result["sector"] is None else result["sector"]["code"],
                    "records": result["summary"]["records"],
                },
            )
        ],
    )
    return result


__all__ = [
    "KIND_NAMES",
    "MUNICIPALITIES",
    "compute",
    "division_name",
    "parse_region_code",
    "parse_sector",
    "report",
    "sector_name",
    "subdivision_digits",
    "trend_window",
]
