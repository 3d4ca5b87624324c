"""Department tracking (issue 7): for every department, in a period and optionally a region,
what it submitted and how well it kept its limits, with a ranking whose formula is given.

Per department (its catalog code; a data source department the catalog does not name keeps the
name the records give):

- ``records``: records first recorded in the period (licensing, penalty and list entries);
  ``publication_on_time_share``: of those with a publication deadline (7 working days after the
  decision, market regulators 20: :mod:`jointcredit.services.deadlines`), the share the
  platform had by the deadline.
- ``rejected_rate``: rejected rows over rows read in the files the department uploaded in the
  period (audit rows ``submit-file``; files the operator imports name no department).
- ``completeness``: fields filled over the fields of the national format, over the licensing
  and penalty records of the period (list entries have a fixed set of fields).
- ``list_entries_initiated``: list entries the department proposed (and how many were approved).
- ``pushes_received``: messages sent to it; ``feedback_on_time_share``: of the messages that
  call for feedback (listings and changes) and are due or answered, the share answered by the
  due day (``JOINTCREDIT_FEEDBACK_DUE``: :mod:`jointcredit.rules.feedback`).
- objections it verifies and repair applications it decides, made in the period:
  handled in time (closed by the due day, never flagged overdue), late (closed after it, or
  open past it), pending (open, not yet due); ``handled_in_time_share`` over both, pending left
  out. Withdrawn objections are left out: nobody had to decide them.
- ``checks`` made in the period, per matter.

The ranking: :data:`FORMULA`. A share that has nothing to count (None) is left out and the
other weights count in proportion, so a department is not punished for work it never had; a
department with no share at all is not ranked, nor one whose score rests on fewer than
:data:`MIN_RECORDS` counted records (:func:`basis`): it keeps its score, without a rank, after
the ranked departments.

Regions: ``region`` is a division code (2, 4 or 6 digits; a 6-digit code's trailing ``00``
pairs are dropped, so ``330000`` is Zhejiang). Records are placed by the division code in their
issuing authority's USCC; everything else by the department's ``departments.region`` (the
catalog's, kept in the registry by :func:`jointcredit.services.registry.open_registry`). With a
region, what has no known region is not counted. The dashboard and ``jointcredit stats`` start
from the node's own region (``JOINTCREDIT_REGION``, :func:`node_region`); the API counts
everything unless asked.

Successors: work filed under a superseded body (SAIC, ZJ-AIC) counts in its successor's row
(``superseded_by`` followed to the end), which names those bodies in ``includes``. Each row
carries the department's place in the hierarchy (``region``, ``region_name``, ``level``,
``parent``, ``counterpart``: None for names the catalog does not know), and ``regions`` groups
the rows: national bodies, then each province, its cities, their counties, then names the
catalog does not know, with subtotals (:func:`group`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from jointcredit.access import Principal, require
from jointcredit.clock import china_day, day_start
from jointcredit.clock import now as clock_now
from jointcredit.errors import InvalidInputError
from jointcredit.identifiers import divisions
from jointcredit.rules import feedback as feedback_rules
from jointcredit.services import audit, stats_summaries
from jointcredit.settings import get_settings
from jointcredit.store import stats_summaries as summary
from jointcredit.store import tracking as store

#: Weights of the ranking's shares (they sum to 1).
WEIGHTS: dict[str, float] = {
    "publication_on_time_share": 0.30,
    "rejected_rate": 0.15,
    "completeness": 0.15,
    "feedback_on_time_share": 0.20,
    "handled_in_time_share": 0.20,
}
#: The counted records (:func:`basis`) a department needs to be ranked: a share of one or
#: two items says little, and without a minimum a department with one record published on
#: time would top the ranking. The same for every node, so that rankings compare; a small
#: region reaches it by asking for a longer period (a year rather than a quarter).
MIN_RECORDS = 10


def formula(minimum: int = MIN_RECORDS) -> str:
    """The ranking's formula in words, with its minimum."""
    return (
        "score = 100 × (0.30 × publication_on_time_share + 0.15 × (1 − rejected_rate) "
        "+ 0.15 × completeness + 0.20 × feedback_on_time_share + 0.20 × handled_in_time_share) "
        "÷ (sum of the weights of the shares the department has); a share with nothing to count "
        f"is left out; only departments with at least {minimum} counted records (records "
        "submitted, feedback due, objections and repairs decided) are ranked; rank 1 is the "
        "highest score, equal scores share a rank"
    )


def formula_zh(minimum: int = MIN_RECORDS) -> str:
    """:func:`formula` in Chinese."""
    return (
        "得分 = 100 × (0.30 × 按期公示率 + 0.15 × (1 − 退回行比例) + 0.15 × 字段完整率 "
        "+ 0.20 × 按期反馈率 + 0.20 × 异议与修复按期办结率) ÷ (该部门有数据的指标权重之和)；"
        f"无数据的指标不计入；计分记录（报送记录、到期反馈、已办结的异议与修复）至少 {minimum} 条"
        "的部门方参与排名；得分最高者排名第一，得分相同者名次相同"
    )


FORMULA = formula()
FORMULA_ZH = formula_zh()

#: The columns of a department's row, in the order of the CSV file.
COLUMNS = (
    "rank",
    "score",
    "department",
    "name",
    "records",
    "publication_due",
    "published_on_time",
    "publication_on_time_share",
    "rows_submitted",
    "rows_rejected",
    "rejected_rate",
    "fields_filled",
    "fields_total",
    "completeness",
    "list_entries_initiated",
    "list_entries_approved",
    "pushes_received",
    "feedback_due",
    "feedback_on_time",
    "feedback_late",
    "feedback_pending",
    "feedback_on_time_share",
    "objections",
    "objections_in_time",
    "objections_late",
    "objections_pending",
    "repairs",
    "repairs_in_time",
    "repairs_late",
    "repairs_pending",
    "handled_in_time_share",
    "checks",
    "checks_by_matter",
    # The counted records the ranking's minimum applies to (:func:`basis`).
    "basis",
    # The department's place (issue 15): last, so the columns before keep their positions.
    "region",
    "region_name",
    "level",
    "parent",
    "counterpart",
    "includes",
)
#: The place columns of a row (from the catalog, not counted).
PLACE = ("region", "region_name", "level", "parent", "counterpart", "includes")

_PERIOD = re.compile(r"^(\d{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))?$")
_REGION = re.compile(r"^\d{2}(?:\d{2}){0,2}$")


@dataclass(frozen=True, slots=True)
class Period:
    """Calendar days in China, both inclusive."""

    label: str
    first: dt.date
    last: dt.date

    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        """UTC moments: the start of the first day, the start of the day after the last."""
        return day_start(self.first), day_start(self.last + dt.timedelta(days=1))

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "first_day": self.first.isoformat(),
                "last_day": self.last.isoformat()}  # fmt: skip


def parse_period(text: str) -> Period:
    """``2026Q3`` (a quarter), ``2026-09`` (a month) or ``2026`` (a year).

    >>> parse_period("2026Q3")
    Period(label='2026Q3', first=datetime.date(2026, 7, 1), last=datetime.date(2026, 9, 30))
    >>> parse_period("2026-02").last
    datetime.date(2026, 2, 28)
    """
    value = (text or "").strip().upper()
    found = _PERIOD.match(value)
    if found is None or not 1900 <= int(found.group(1)) <= 9998:
        raise InvalidInputError(
            f"period: {text[:40]!r} is not a period: give a quarter (2026Q3), a month "
            "(2026-09) or a year (2026)"
        )
    year = int(found.group(1))
    if found.group(2):
        quarter = int(found.group(2))
        first = dt.date(year, 3 * quarter - 2, 1)
        last = _month_end(year, 3 * quarter)
    elif found.group(3):
        month = int(found.group(3))
        first, last = dt.date(year, month, 1), _month_end(year, month)
    else:
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return Period(value, first, last)


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def current_quarter(today: dt.date | None = None) -> str:
    today = today or china_day(clock_now())
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def parse_region(text: str | None) -> str | None:
    """A division-code prefix: ``33``, ``3301``, ``330102``; ``330000`` is ``33``."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    if not _REGION.match(value):
        raise InvalidInputError(
            f"region: {value[:40]!r} is not a division code (2, 4 or 6 digits, as 33, 3301 or "
            "330102)"
        )
    while len(value) > 2 and value.endswith("00"):
        value = value[:-2]
    return value


def node_region() -> str | None:
    """The node's own region as a prefix (``JOINTCREDIT_REGION``), None on a national node:
    where the dashboard and ``jointcredit stats`` start when no region is asked for."""
    return parse_region(get_settings().region)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _catalog() -> Any:
    from jointcredit.catalog import load_catalog

    return load_catalog()


class _Department:
    def __init__(self, key: str) -> None:
        self.key = key
        self.n: dict[str, int] = defaultdict(int)
        self.matters: dict[str, int] = defaultdict(int)
        #: Superseded bodies whose work is counted here.
        self.includes: set[str] = set()


def _judge(row: dict[str, Any], today: dt.date) -> str:
    """``in_time``, ``late`` or ``pending`` for an objection or repair."""
    closed = row["closed_at"]
    if closed is not None:
        in_time = china_day(closed) <= row["due"] and row["overdue_at"] is None
        return "in_time" if in_time else "late"
    if row["overdue_at"] is not None or row["due"] < today:
        return "late"
    return "pending"


def compute(
    engine: Engine,
    period: str,
    region: str | None = None,
    *,
    today: dt.date | None = None,
    rule: str | int | None = None,
    min_records: int | None = None,
) -> dict[str, Any]:
    """The statistics, unchecked and unaudited (for :func:`departments`); ranked with
    ``min_records`` (default :data:`MIN_RECORDS`)."""
    minimum = MIN_RECORDS if min_records is None else min_records
    span = parse_period(period)
    prefix = parse_region(region)
    today = today or china_day(clock_now())
    rule = rule if rule is not None else feedback_rules.parse_rule(get_settings().feedback_due)
    catalog = _catalog()
    by_name = {d.name_zh: code for code, d in catalog.departments.items()}
    start, end = span.moments()
    found: dict[str, _Department] = {}

    def of(key: str) -> _Department:
        filed = by_name.get(key, key)
        # Old records and messages name bodies abolished since (SAIC): their successor does
        # that work today, and is ranked on it.
        key = catalog.successor(filed)
        if key not in found:
            found[key] = _Department(key)
        if filed != key:
            found[key].includes.add(filed)
        return found[key]

    from jointcredit.services.imports import make_validator

    spec = {k: len(make_validator(k, today).spec) for k in store.RECORD_KINDS}  # type: ignore[arg-type]
    stats_summaries.refresh(engine)
    months = (span.first.strftime("%Y-%m"), span.last.strftime("%Y-%m"))
    dues: dict[dt.date, dt.date] = {}
    with engine.connect() as conn:
        for row in summary.record_counts(conn, *months, prefix):
            d = of(row["department"]).n
            d["records"] += int(row["records"])
            d["publication_due"] += int(row["with_due"] or 0)
            d["published_on_time"] += int(row["with_due"] or 0) - int(row["missed"] or 0)
            if row["kind"] in spec:
                d["fields_filled"] += int(row["fields_filled"] or 0)
                d["fields_total"] += int(row["records"]) * spec[row["kind"]]
        for row in store.submitted_files(conn, start, end, prefix):
            d = of(row["department"]).n
            d["rows_submitted"] += row["rows"]
            d["rows_rejected"] += row["rejected"]
        for row in store.list_entries(conn, start, end, prefix):
            d = of(row["department"]).n
            d["list_entries_initiated"] += int(row["initiated"])
            d["list_entries_approved"] += int(row["approved"] or 0)
        for row in summary.push_counts(conn, span.first, span.last, prefix):
            d = of(row["department"]).n
            count = row["messages"]
            d["pushes_received"] += count
            if row["event"] not in feedback_rules.DUE_EVENTS:
                continue
            day = row["day"]
            if day not in dues:
                dues[day] = feedback_rules.feedback_due(day, rule).day
            due = dues[day]
            if row["lag"] >= 0:
                answered = day + dt.timedelta(days=row["lag"])
                verdict = "on_time" if answered <= due else "late"
            else:
                verdict = "late" if today > due else "pending"
            d[f"feedback_{verdict}"] += count
            if verdict != "pending":
                d["feedback_due"] += count
        for name, rows in (
            ("objections", store.objections_handled(conn, start, end, prefix)),
            ("repairs", store.repairs_handled(conn, start, end, prefix)),
        ):
            for row in rows:
                d = of(row["department"]).n
                d[name] += 1
                d[f"{name}_{_judge(row, today)}"] += 1
        for row in summary.check_counts(conn, *months, prefix):
            item = of(row["department"])
            item.n["checks"] += int(row["checks"])
            item.matters[row["matter"] or "-"] += int(row["checks"])
    rows = [_row(item, catalog) for item in found.values()]
    _rank(rows, minimum)
    regions = group(rows)
    totals: dict[str, int] = defaultdict(int)
    for item in found.values():
        for matter, count in item.matters.items():
            totals[matter] += count
    return {
        "period": span.to_dict(),
        "region": prefix,
        "as_of": today.isoformat(),
        "feedback_rule": rule,
        "formula": formula(minimum),
        "formula_zh": formula_zh(minimum),
        "weights": dict(WEIGHTS),
        "min_records": minimum,
        "departments": rows,
        "regions": regions,
        "checks_by_matter": dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def _row(item: _Department, catalog: Any) -> dict[str, Any]:
    n = item.n
    known = catalog.departments.get(item.key)
    handled = n["objections_in_time"] + n["repairs_in_time"]
    decided = handled + n["objections_late"] + n["repairs_late"]
    row: dict[str, Any] = {
        "rank": None,
        "score": None,
        "department": item.key,
        "name": known.name_zh if known is not None else None,
        "name_en": known.name_en if known is not None else None,
    }
    for column in COLUMNS[4:]:
        row[column] = n[column] if column in _COUNTS else None
    region = known.region if known is not None else None
    row.update(
        region=region,
        region_name=divisions.name(region) if region is not None else None,
        level=known.level if known is not None else None,
        parent=known.parent if known is not None else None,
        counterpart=known.counterpart if known is not None else None,
        includes=sorted(item.includes),
        depth=0,
    )
    row["publication_on_time_share"] = _share(n["published_on_time"], n["publication_due"])
    row["rejected_rate"] = _share(n["rows_rejected"], n["rows_submitted"])
    row["completeness"] = _share(n["fields_filled"], n["fields_total"])
    row["feedback_on_time_share"] = _share(n["feedback_on_time"], n["feedback_due"])
    row["handled_in_time_share"] = _share(handled, decided)
    row["checks_by_matter"] = dict(sorted(item.matters.items(), key=lambda kv: (-kv[1], kv[0])))
    return row


_COUNTS = frozenset(
    c
    for c in COLUMNS[4:]
    if not c.endswith(("_share", "_rate"))
    and c not in ("completeness", "checks_by_matter", "basis", *PLACE)
)
#: The counts a region's subtotal adds up, in the order of the columns.
SUBTOTALS = tuple(c for c in COLUMNS if c in _COUNTS)
#: The group of the names the catalog does not know (no region, no level).
OTHER = "other"


def group(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows grouped by region, in the order of the hierarchy: national bodies, then every
    province, each followed by its cities and each city by its counties (division codes sort
    that way), then the names the catalog does not know. The regions enclosing a department's
    are there even without departments of their own, so that the hierarchy reads whole.

    Each group: ``region`` (code; None for national bodies and unknown names), ``name`` (the
    division's), ``level`` (``national``, ``provincial``, ``municipal``, ``county`` or
    ``other``), ``depth`` (0 for national bodies, provinces and unknown names, 1 for cities, 2
    for counties), ``within`` (the enclosing region), ``departments`` (codes: within a group,
    a department follows its ``parent`` when both are there, otherwise the ranking's order),
    ``subtotal`` (the counts of its own departments) and ``total`` (with the regions inside
    it). Sets each row's ``depth``: its group's, one more under a parent in the same group."""
    members: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    unknown: list[dict[str, Any]] = []
    for row in rows:
        if row["level"] is None:
            unknown.append(row)
        else:
            members[row["region"]].append(row)
    codes = sorted({c for region in members if region for c in divisions.enclosing(region)})
    out: list[dict[str, Any]] = []
    if None in members:
        out.append(_group(None, "national", 0, None, members[None]))
    for code in codes:
        enclosing = divisions.enclosing(code)
        out.append(
            _group(
                code,
                divisions.level(code),
                len(enclosing) - 1,
                enclosing[-2] if len(enclosing) > 1 else None,
                members.get(code, []),
            )
        )
    if unknown:
        out.append(_group(None, OTHER, 0, None, unknown))
    by_code = {g["region"]: g for g in out if g["region"] is not None}
    for g in out:
        if g["region"] is None:
            continue
        for inner in divisions.enclosing(g["region"])[:-1]:
            total = by_code[inner]["total"]
            for name, count in g["subtotal"].items():
                total[name] += count
    return out


def _group(
    region: str | None, level: str, depth: int, within: str | None, rows: list[dict[str, Any]]
) -> dict[str, Any]:
    codes = {r["department"] for r in rows}
    children: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:  # in the ranking's order
        children[row["parent"] if row["parent"] in codes else None].append(row)
    ordered: list[str] = []

    def walk(parent: str | None, at: int) -> None:
        for row in children.get(parent, []):
            row["depth"] = at
            ordered.append(row["department"])
            walk(row["department"], at + 1)

    walk(None, depth)
    subtotal = {name: sum(r[name] for r in rows) for name in SUBTOTALS}
    return {
        "region": region,
        "name": divisions.name(region) if region is not None else None,
        "level": level,
        "depth": depth,
        "within": within,
        "departments": ordered,
        "subtotal": subtotal,
        "total": dict(subtotal),
    }


def in_hierarchy(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The result's department rows in the order of its ``regions``."""
    rows = {r["department"]: r for r in result["departments"]}
    return [rows[code] for g in result["regions"] for code in g["departments"]]


def score(row: dict[str, Any]) -> float | None:
    """The ranking's score of a department's row (:data:`FORMULA`), to one decimal."""
    total = weight = 0.0
    for name, w in WEIGHTS.items():
        value = row.get(name)
        if value is None:
            continue
        total += w * (1 - value if name == "rejected_rate" else value)
        weight += w
    return round(100 * total / weight, 1) if weight else None


def basis(row: dict[str, Any]) -> int:
    """The counted records a department's score rests on, which :data:`MIN_RECORDS` applies
    to: records submitted in the period, messages whose feedback was due (answered on time or
    late), objections and repair applications decided (in time or late)."""
    return int(
        row["records"]
        + row["feedback_due"]
        + row["objections_in_time"]
        + row["objections_late"]
        + row["repairs_in_time"]
        + row["repairs_late"]
    )


def ranked(row: dict[str, Any], minimum: int = MIN_RECORDS) -> bool:
    """Whether a scored row takes part in the ranking: a score resting on at least
    ``minimum`` counted records."""
    return row["score"] is not None and basis(row) >= minimum


def _rank(rows: list[dict[str, Any]], minimum: int) -> None:
    """Scores every row and ranks those with enough counted records; the rows in the
    ranking's order: the ranked, then the scored below the minimum, then the unscored, each
    by score."""
    for row in rows:
        row["score"] = score(row)
        row["basis"] = basis(row)
    rows.sort(
        key=lambda r: (
            not ranked(r, minimum),
            r["score"] is None,
            -(r["score"] or 0),
            r["department"],
        )
    )
    previous: float | None = None
    rank = 0
    for position, row in enumerate(rows, 1):
        if not ranked(row, minimum):
            break
        if row["score"] != previous:
            rank, previous = position, row["score"]
        row["rank"] = rank


def departments(
    engine: Engine,
    *,
    by: Principal,
    period: str | None = None,
    region: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The tracking statistics for a caller with ``statistics``; audited (``read-tracking``).
    ``period`` defaults to the current quarter."""
    require(by, "statistics")
    result = compute(engine, period or current_quarter(today), region, today=today)
    audit.record(
        engine,
        by,
        [
            audit.Event(
                "read-tracking",
                detail={
                    "report": "departments",
                    "period": result["period"]["label"],
                    "region": result["region"],
                    "departments": len(result["departments"]),
                },
            )
        ],
    )
    return result


def csv_text(result: dict[str, Any]) -> str:
    """The departments' rows as CSV (UTF-8 text; ``checks_by_matter`` as ``matter=n; …``,
    ``includes`` as ``SAIC; …``), in the ranking's order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in result["departments"]:
        cells = []
        for column in COLUMNS:
            value = row[column]
            if column == "checks_by_matter":
                value = "; ".join(f"{k}={v}" for k, v in value.items())
            elif column == "includes":
                value = "; ".join(value)
            cells.append("" if value is None else value)
        writer.writerow(cells)
    return out.getvalue()


__all__ = [
    "COLUMNS",
    "FORMULA",
    "FORMULA_ZH",
    "MIN_RECORDS",
    "OTHER",
    "PLACE",
    "SUBTOTALS",
    "WEIGHTS",
    "Period",
    "basis",
    "compute",
    "csv_text",
    "current_quarter",
    "departments",
    "formula",
    "formula_zh",
    "group",
    "in_hierarchy",
    "node_region",
    "parse_period",
    "parse_region",
    "ranked",
    "score",
]
