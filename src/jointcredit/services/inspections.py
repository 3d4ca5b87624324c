"""Risk-based random inspection (双随机、一公开): draw a plan, publish it, record and publish
the results, and re-verify a draw from its published seed.

A plan's population is the organisations a filter names (region, kind, registration
authority, credit-risk classes), each in the class of its current credit grade
(:mod:`jointcredit.services.grading`) or ``ungraded``. Natural persons are never in a
population: only organisations are inspected. The draw is :mod:`jointcredit.inspection.draw`
(docs/inspection.md): it depends only on the seed, the population and the rates, all stored
with the plan, so ``verify`` repeats it and anyone holding the published seed can too.

Writing (a plan, its publication, results) is the operator's; a published plan is public.
Every act is audited (``inspection-plan``, ``inspection-publish``, ``inspection-result``,
``inspection-verify``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import Engine, RowMapping

from jointcredit.access import Principal, require
from jointcredit.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from jointcredit.identifiers.mask import mask_deep
from jointcredit.identifiers.normalize import normalize
from jointcredit.inspection import draw
from jointcredit.inspection import inspectors as inspector_files
from jointcredit.inspection.draw import Inspector, Target
from jointcredit.inspection.rates import UNGRADED, Rates, rates_from_json
from jointcredit.services import audit
from jointcredit.services.public import organisation_codes
from jointcredit.store import inspections as store
from jointcredit.store.db import write_transaction
from jointcredit.store.grading import ORGANISATION_KINDS

#: What an inspection found (the categories of 抽查检查结果), with their Chinese and English names.
OUTCOMES: dict[str, tuple[str, str]] = {
    "no-problem": ("未发现问题", "no problem found"),
    "corrected": ("发现问题已责令改正", "problems found, correction ordered"),
    "follow-up": ("发现问题待后续处理", "problems found, further action pending"),
    "not-found": ("通过登记的住所（经营场所）无法联系", "not reachable at the registered address"),
    "not-operating": ("未发现开展本次抽查涉及的经营活动", "no activity this inspection covers"),
    "closed": ("已关闭停业或正在组织清算", "closed or in liquidation"),
    "refused": ("不配合检查", "refused the inspection"),
}
_REGION = re.compile(r"\d{2}(\d{2}){0,2}")
_AUTHORITY = re.compile(r"[0-9A-Z]")
_CODE = re.compile(r"\d{8}-\d{4,}")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _operator(by: Principal, what: str) -> None:
    if by.role != "operator":
        raise PermissionDeniedError(f"the role {by.role} may not {what}")


def region_of(identifier: str, identifier_type: str) -> str | None:
    """The division code in a USCC (characters 3 to 8); None for other identifiers."""
    return identifier[2:8] if identifier_type == "uscc" and len(identifier) == 18 else None


def population_digest(members: Sequence[tuple[str, str]]) -> str:
    """SHA-256 of the population as drawn: ``identifier,class`` lines in identifier order."""
    h = hashlib.sha256()
    for identifier, cls in sorted(members):
        h.update(f"{identifier},{cls}\n".encode())
    return h.hexdigest()


def _stamp(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def check_filter(
    *,
    region: str | None,
    kinds: Sequence[str] | None,
    grades: Sequence[str] | None,
    authority: str | None,
    rates: Rates,
) -> dict[str, Any]:
    """The population filter, checked, as a plan stores it."""
    if region is not None:
        if not _REGION.fullmatch(region):
            raise InvalidInputError(
                f"--region {region!r} must be a division-code prefix: 2, 4 or 6 digits"
            )
        while len(region) > 2 and region.endswith("00"):
            region = region[:-2]  # 330100 is the city 3301, 330000 the province 33
    chosen_kinds = list(kinds) if kinds else list(ORGANISATION_KINDS)
    for kind in chosen_kinds:
        if kind not in ORGANISATION_KINDS:
            raise InvalidInputError(
                f"--kind {kind!r}: only organisations are inspected "
                f"({', '.join(ORGANISATION_KINDS)})"
            )
    chosen_grades = sorted(set(grades)) if grades else None
    for cls in chosen_grades or ():
        if cls not in rates.rates:
            raise InvalidInputError(
                f"--grades {cls!r}: the rates file {rates.file} has no rate for it "
                f"(classes: {', '.join(rates.rates)})"
            )
    if authority is not None and not _AUTHORITY.fullmatch(authority):
        raise InvalidInputError(
            f"--authority {authority!r} must be the one-character registration authority code "
            "of a USCC (1 机构编制, 5 民政, 9 市场监管, …)"
        )
    return {
        "region": region,
        "kinds": sorted(chosen_kinds),
        "grades": chosen_grades,
        "authority": authority,
    }


def _expected(rate: Decimal, population: int) -> str:
    return str((rate * population).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def plan(
    engine: Engine,
    *,
    by: Principal,
    name: str,
    department: str,
    rates: Rates,
    inspectors: Sequence[Inspector],
    seed: str | None = None,
    region: str | None = None,
    kinds: Sequence[str] | None = None,
    grades: Sequence[str] | None = None,
    authority: str | None = None,
    team: int = 2,
) -> dict[str, Any]:
    """Draw a plan and store it as a draft: the population the filter names (each
    organisation with its class), the drawn ones with their inspectors. Returns the plan's
    summary (code, seed, counts per class, the drawn subjects no team could inspect)."""
    _operator(by, "draw an inspection plan")
    name, department = name.strip(), department.strip()
    if not name or len(name) > 200:
        raise InvalidInputError("--name must be 1 to 200 characters")
    if not department or len(department) > 64:
        raise InvalidInputError("--department must be 1 to 64 characters")
    if team < 1 or team > 10:
        raise InvalidInputError(f"--team must be between 1 and 10, not {team}")
    if not inspectors:
        raise InvalidInputError("the inspectors file lists no inspectors")
    seed = draw.check_seed(seed) if seed is not None else draw.new_seed()
    chosen = check_filter(
        region=region, kinds=kinds, grades=grades, authority=authority, rates=rates
    )
    region = chosen["region"]
    now = _now()
    day = now.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    with write_transaction(engine) as conn:
        members = [
            m
            for m in store.population(
                conn, kinds=chosen["kinds"], region=region, authority=authority
            )
            if chosen["grades"] is None or (m.grade or UNGRADED) in chosen["grades"]
        ]
        classes = {m.identifier: m.grade or UNGRADED for m in members}
        missing: dict[str, int] = {}
        for cls in classes.values():
            if cls not in rates.rates:
                missing[cls] = missing.get(cls, 0) + 1
        if missing:
            raise InvalidInputError(
                "; ".join(
                    f"the rates file {rates.file}: rates.{cls}: missing — {n} organisation(s) "
                    f"of the population have grade {cls}"
                    for cls, n in sorted(missing.items())
                )
            )
        drawn = draw.select(seed, classes.items(), rates.rates)
        by_identifier = {m.identifier: m for m in members}
        targets = [Target(i, region_of(i, by_identifier[i].identifier_type)) for i, _, _ in drawn]
        teams = draw.assign(seed, targets, inspectors, team)
        named = {i.id: i.public() for i in inspectors}
        counts: dict[str, dict[str, Any]] = {}
        for cls in sorted(set(classes.values()) | set(chosen["grades"] or ())):
            n = sum(1 for c in classes.values() if c == cls)
            counts[cls] = {
                "population": n,
                "drawn": sum(1 for _, c, _ in drawn if c == cls),
                "rate": str(rates.rates[cls]),
                "expected": _expected(rates.rates[cls], n),
            }
        unassigned = sorted(i for i, ids in teams.items() if not ids)
        code = store.add_plan(
            conn,
            {
                "name": name,
                "department": department,
                "seed": seed,
                "filter": chosen,
                "rates": rates.as_json(),
                "inspectors": inspector_files.to_json(list(inspectors)),
                "team": team,
                "status": "draft",
                "population": len(members),
                "drawn": len(drawn),
                "unassigned": len(unassigned),
                "population_digest": population_digest(list(classes.items())),
                "counts": counts,
                "actor": by.actor,
                "created_at": now,
            },
            day,
        )
        saved = store.plan(conn, code)
        assert saved is not None
        values = {i: n for i, _, n in drawn}
        store.add_items(
            conn,
            [
                {
                    "plan_id": saved["id"],
                    "subject_id": m.subject_id,
                    "identifier": m.identifier,
                    "grade": classes[m.identifier],
                    "draw": draw.value_text(draw.draw_number(seed, m.identifier))
                    if m.identifier not in values
                    else draw.value_text(values[m.identifier]),
                    "selected": m.identifier in values,
                    "inspectors": [named[i] for i in teams[m.identifier]]
                    if m.identifier in values
                    else None,
                }
                for m in members
            ],
        )
        audit.append(
            conn,
            by,
            "inspection-plan",
            matter=code,
            detail={
                "seed": seed,
                "filter": chosen,
                "rates": rates.as_json(),
                "population": len(members),
                "drawn": len(drawn),
                "unassigned": len(unassigned),
            },
        )
    return {
        "code": code,
        "name": name,
        "department": department,
        "status": "draft",
        "seed": seed,
        "filter": chosen,
        "rates": rates.as_json(),
        "team": team,
        "inspectors": len(inspectors),
        "population": len(members),
        "drawn": len(drawn),
        "counts": counts,
        "unassigned": unassigned,
        "population_digest": population_digest(list(classes.items())),
    }


def _plan(conn: Any, code: str) -> RowMapping:
    code = code.strip()
    found = store.plan(conn, code) if _CODE.fullmatch(code) else None
    if found is None:
        raise NotFoundError(f"no inspection plan {code!r}")
    return found


def _document(plan_row: RowMapping, items: Sequence[RowMapping], results: bool) -> dict[str, Any]:
    """The public document of a plan: what it is, how it was drawn, who is inspected by whom
    (and with ``results``, what was found). Grades are not published (the risk classes are
    for supervision, not publication): the draw value lets anyone check it lies below a rate."""
    listed = []
    for item in items:
        entry: dict[str, Any] = {
            "identifier": item["identifier"],
            "name": item["name"],
            "draw": item["draw"],
            "draw_value": round(draw.value_fraction(int(item["draw"], 16)), 8),
            "inspectors": item["inspectors"] or [],
            "unassigned": not item["inspectors"],
        }
        if results:
            zh, en = OUTCOMES.get(item["result"] or "", ("", ""))
            entry.update(
                result=item["result"],
                result_zh=zh,
                result_en=en,
                note=item["note"],
                result_at=_stamp(item["result_at"]),
            )
        listed.append(entry)
    rates = plan_row["rates"]
    # Organisations' codes, the seed, the digest and the draw values must stay whole: anyone
    # repeats the draw from them (hex can hold a run of digits that looks like a date). Every
    # other string — a note, a name, an inspector's id — is masked like every public output,
    # should a resident identity number have been typed into it.
    keep = organisation_codes((i["kind"], i["identifier"], i["identifier_type"]) for i in items)
    keep |= {i["draw"] for i in items} | {plan_row["seed"], plan_row["population_digest"]}
    document = {
        "code": plan_row["code"],
        "name": plan_row["name"],
        "department": plan_row["department"],
        "status": plan_row["status"],
        "seed": plan_row["seed"],
        "algorithm": "HMAC-SHA256 draw, docs/inspection.md",
        "filter": plan_row["filter"],
        "rates": rates,
        "team": plan_row["team"],
        "population": plan_row["population"],
        "population_digest": plan_row["population_digest"],
        "drawn": plan_row["drawn"],
        "unassigned": plan_row["unassigned"],
        "created_at": _stamp(plan_row["created_at"]),
        "published_at": _stamp(plan_row["published_at"]),
        "results_published_at": _stamp(plan_row["results_published_at"]),
        "subjects": listed,
    }
    return mask_deep(document, keep)


def publish(engine: Engine, code: str, *, by: Principal, results: bool = False) -> dict[str, Any]:
    """Publish a draft plan (its status becomes ``published``), or with ``results`` its
    results once every drawn subject has one (status ``closed``). Publishing again returns
    the same document. Returns the public document."""
    _operator(by, "publish an inspection plan")
    now = _now()
    with write_transaction(engine) as conn:
        row = _plan(conn, code)
        if results:
            if row["status"] == "draft":
                raise InvalidInputError(
                    f"plan {row['code']} is a draft: publish the plan before its results"
                )
            if row["status"] == "published":
                pending = store.pending_results(conn, row["id"])
                if pending:
                    raise InvalidInputError(
                        f"plan {row['code']}: {pending} drawn subject(s) have no result yet "
                        "(jointcredit inspection result)"
                    )
                store.set_plan(conn, row["id"], status="closed", results_published_at=now)
        elif row["status"] == "draft":
            store.set_plan(conn, row["id"], status="published", published_at=now)
        changed = _plan(conn, code)
        if changed["status"] != row["status"]:
            audit.append(
                conn,
                by,
                "inspection-publish",
                matter=changed["code"],
                detail={"results": results, "status": changed["status"]},
            )
        items = store.items(conn, changed["id"], selected_only=True)
    return _document(changed, items, results=changed["status"] == "closed")


def public_plan(engine: Engine, code: str, *, by: Principal) -> dict[str, Any]:
    """A published plan's public document (with results once they are published). Drafts
    are not public: to anyone but the operator they do not exist."""
    require(by, "read-public")
    with engine.connect() as conn:
        row = _plan(conn, code)
        if row["status"] == "draft" and by.role != "operator":
            raise NotFoundError(f"no inspection plan {code!r}")
        items = store.items(conn, row["id"], selected_only=True)
    return _document(row, items, results=row["status"] == "closed")


def plans(engine: Engine, *, by: Principal) -> list[dict[str, Any]]:
    """Every plan, newest first: code, name, status, counts (operator)."""
    _operator(by, "list inspection plans")
    with engine.connect() as conn:
        rows = store.plans(conn)
    return [
        {
            "code": r["code"],
            "name": r["name"],
            "department": r["department"],
            "status": r["status"],
            "population": r["population"],
            "drawn": r["drawn"],
            "unassigned": r["unassigned"],
            "created_at": _stamp(r["created_at"]),
        }
        for r in rows
    ]


def record_result(
    engine: Engine,
    code: str,
    identifier: str,
    *,
    by: Principal,
    outcome: str,
    note: str | None = None,
) -> dict[str, Any]:
    """Record what the inspection of one drawn subject found (the plan must be published and
    its results not yet). Recording again replaces the result."""
    _operator(by, "record inspection results")
    if outcome not in OUTCOMES:
        raise InvalidInputError(f"--outcome {outcome!r} must be one of {', '.join(OUTCOMES)}")
    note = (note or "").strip() or None
    if note is not None and len(note) > 2000:
        raise InvalidInputError("--note must be at most 2000 characters")
    value = normalize(identifier)
    now = _now()
    with write_transaction(engine) as conn:
        row = _plan(conn, code)
        if row["status"] != "published":
            raise InvalidInputError(
                f"plan {row['code']} is {row['status']}: results are recorded between its "
                "publication and the publication of its results"
            )
        item = store.item(conn, row["id"], value)
        if item is None or not item["selected"]:
            raise NotFoundError(f"{identifier!r} was not drawn in plan {row['code']}")
        store.set_result(conn, item["id"], outcome, note, now)
        audit.append(
            conn,
            by,
            "inspection-result",
            subject=value,
            matter=row["code"],
            detail={"outcome": outcome},
        )
    return {"code": row["code"], "identifier": value, "outcome": outcome, "note": note}


def verify(engine: Engine, code: str, *, by: Principal) -> dict[str, Any]:
    """Repeat the plan's draw from its stored seed, population, rates and inspectors, and
    compare: every draw value, every selection, every team. Also says whether the population
    the filter names today still is the one drawn from (grades change; that is not a
    mismatch)."""
    _operator(by, "verify an inspection plan")
    with write_transaction(engine) as conn:
        row = _plan(conn, code)
        items = store.items(conn, row["id"], selected_only=False)
        seed = row["seed"]
        rates = rates_from_json(row["rates"])
        team_of = draw.assign(
            seed,
            [
                Target(i["identifier"], region_of(i["identifier"], i["identifier_type"]))
                for i in items
                if i["selected"]
            ],
            inspector_files.from_json(row["inspectors"]),
            int(row["team"]),
        )
        problems: list[str] = []
        pairs = [(i["identifier"], i["grade"]) for i in items]
        if population_digest(pairs) != row["population_digest"] or len(items) != int(
            row["population"]
        ):
            problems.append("the stored population differs from the digest published")
        drawn = {i: n for i, _, n in draw.select(seed, pairs, rates)}
        for item in items:
            ident = item["identifier"]
            n = draw.draw_number(seed, ident)
            if item["draw"] != draw.value_text(n):
                problems.append(f"{ident}: draw value {item['draw']} ≠ {draw.value_text(n)}")
            if bool(item["selected"]) != (ident in drawn):
                problems.append(f"{ident}: stored as {'' if item['selected'] else 'not '}drawn")
            if item["selected"]:
                stored = [x["id"] for x in item["inspectors"] or []]
                if stored != team_of[ident]:
                    problems.append(f"{ident}: inspectors {stored} ≠ {team_of[ident]}")
        if len(drawn) != int(row["drawn"]):
            problems.append(f"the plan says {row['drawn']} drawn, the draw gives {len(drawn)}")
        flt = row["filter"]
        now = [
            (m.identifier, m.grade or UNGRADED)
            for m in store.population(
                conn, kinds=flt["kinds"], region=flt["region"], authority=flt["authority"]
            )
            if flt["grades"] is None or (m.grade or UNGRADED) in flt["grades"]
        ]
        same_now = population_digest(now) == row["population_digest"]
        audit.append(
            conn,
            by,
            "inspection-verify",
            matter=row["code"],
            detail={"matches": not problems, "population_unchanged": same_now},
        )
    return {
        "code": row["code"],
        "seed": seed,
        "matches": not problems,
        "checked": len(items),
        "drawn": len(drawn),
        "problems": problems[:50],
        "population_unchanged": same_now,
    }


__all__ = [
    "OUTCOMES",
    "plan",
    "plans",
    "public_plan",
    "publish",
    "record_result",
    "verify",
]
