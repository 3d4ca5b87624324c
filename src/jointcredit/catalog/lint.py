"""Rules that need the whole catalog: references, kinds, targets, regions and who a measure
reaches.

Each rule reports at the value it is about (the list item, not the measure), so that an operator
can go straight to the line. docs/catalog.md lists every code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from jointcredit.catalog.model import (
    ROLE_TARGETS,
    Binding,
    Catalog,
    CatalogVersion,
    Department,
    Document,
    DocumentKind,
    ListKind,
    ListType,
    Measure,
    MeasureKind,
    Status,
    Target,
)
from jointcredit.catalog.parse import Draft, State
from jointcredit.catalog.reach import reached
from jointcredit.identifiers import divisions

_TRUNCATED = re.compile(r"……|\.\.\.\s*$|…\s*[)）]?\s*$|来源截断|truncated", re.IGNORECASE)
_RELATIVE_BASIS = re.compile(r"^\s*(同上|同前|同前款|ibid\.?)", re.IGNORECASE)
_NAME_PARTS = re.compile(r"[、／/，,；;\s]+")


def check(state: State, node_region: str | None = None) -> None:
    """Every rule over the parsed catalog. ``node_region`` is this node's jurisdiction
    (``JOINTCREDIT_REGION``; None on the national node): regional documents and lists that can
    never apply there are worth a warning."""
    _departments(state)
    _same_names(state, state.departments, "department")
    _same_names(state, state.matters, "matter")
    _list_types(state)
    _documents(state)
    # The runtime's own reading of who carries whose duties, so that the lint and the pushes
    # cannot disagree; its version is never shown.
    view = Catalog(
        departments={k: d.entity for k, d in state.departments.items()},
        matters={},
        list_types={k: d.entity for k, d in state.list_types.items()},
        documents={k: d.entity for k, d in state.documents.items()},
        measures={},
        version=CatalogVersion("", 0),
        files=(),
    )
    for draft in state.measures.values():
        _measure(state, draft)
        _implementers_in_region(state, draft, view)
    if node_region is not None:
        _node_region(state, node_region)


def _known(
    state: State,
    draft: Draft[Any],
    key: str,
    values: Iterable[str],
    table: Mapping[str, object],
    code: str,
    what: str,
) -> None:
    for index, value in enumerate(values):
        if value not in table:
            state.problems.error(
                draft.at(key, index), code, f"{what}: {key} names unknown {_noun(code)} {value!r}"
            )


def _noun(code: str) -> str:
    return code.removeprefix("unknown-").replace("-", " ")


def _departments(state: State) -> None:
    _successors(state)
    for key in ("counterpart", "parent"):
        for code, draft in state.departments.items():
            _above(state, code, draft, key)
    _usccs(state)


def _successors(state: State) -> None:
    for code, draft in state.departments.items():
        successor = draft.entity.superseded_by
        if successor is None:
            continue
        if successor not in state.departments:
            state.problems.error(
                draft.at("superseded_by"),
                "unknown-department",
                f"department {code}: superseded_by names unknown department {successor!r}",
            )
            continue
        seen = {code}
        while successor is not None and successor in state.departments:
            if successor in seen:
                state.problems.error(
                    draft.at("superseded_by"),
                    "bad-value",
                    f"department {code}: superseded_by goes round in a circle",
                )
                break
            seen.add(successor)
            successor = state.departments[successor].entity.superseded_by


def _successor(state: State, code: str) -> str:
    """``superseded_by`` followed to its end, as the model follows it (a circle stops it)."""
    seen = {code}
    while code in state.departments:
        after = state.departments[code].entity.superseded_by
        if after is None or after in seen:
            break
        seen.add(after)
        code = after
    return code


def _region_name(region: str | None) -> str:
    if region is None:
        return "national"
    return f"{region} {divisions.name(region) or ''}".rstrip()


def _above(state: State, code: str, draft: Draft[Department], key: str) -> None:
    """A department's ``counterpart`` or ``parent``: known, not a circle, of a jurisdiction that
    holds the department's own (a counterpart carries duties into the region from above)."""
    p = state.problems
    department = draft.entity
    named: str | None = getattr(department, key)
    if named is None:
        return
    what = f"department {code}"
    where = draft.at(key)
    if named not in state.departments:
        p.error(where, "unknown-department", f"{what}: {key} names unknown department {named!r}")
        return
    # The chain as Catalog.carriers walks it: each step followed to its successor.
    seen = {code}
    above: str | None = named
    while above is not None and above in state.departments:
        above = _successor(state, above)
        if above == code:
            p.error(where, "bad-value", f"{what}: its {key}s go round in a circle back to it")
            break
        if above in seen or above not in state.departments:
            break  # a circle further up is reported at its own members
        seen.add(above)
        above = getattr(state.departments[above].entity, key)

    current = _successor(state, named)
    for other in dict.fromkeys((named, current)):
        if other not in state.departments:
            continue
        region = state.departments[other].entity.region
        if _holds(key, region, department.region):
            continue
        via = "" if other == named else f" (its successor {other})"
        need = (
            "a wider jurisdiction or a national body"
            if key == "counterpart"
            else "a jurisdiction that holds the department's"
        )
        p.error(
            where,
            "region-mismatch",
            f"{what} ({_region_name(department.region)}): {key} {named}{via} is "
            f"{_region_name(region)}; it must be {need}",
        )
        break
    if current != named and department.superseded_by is None:
        p.warning(
            where,
            "superseded-counterpart",
            f"{what}: {key} {named} is superseded; {current} is followed in its place "
            f"(write {key}: {current})",
        )


def _holds(key: str, above: str | None, region: str | None) -> bool:
    """Whether a ``key`` of jurisdiction ``above`` fits a department of ``region``: a parent's
    jurisdiction holds the department's; a counterpart's is national or strictly wider."""
    if above is None:
        return True
    if not divisions.within(region, above):
        return False
    return key == "parent" or region != above


def _usccs(state: State) -> None:
    """Records name their issuing authority by USCC: one code for two departments would file
    one body's records under the other."""
    seen: dict[str, str] = {}
    for code, draft in state.departments.items():
        value = draft.entity.uscc
        if value is None:
            continue
        first = seen.setdefault(value, code)
        if first != code:
            state.problems.error(
                draft.at("uscc"),
                "duplicate-uscc",
                f"department {code} has uscc {value}, as department {first} "
                f"({state.departments[first].location}) has; one authority, one code",
            )


def _same_names(state: State, table: Mapping[str, Draft[Any]], what: str) -> None:
    """Two codes for one thing split the measures between them: a check for one code misses
    the measures filed under the other. Same Chinese name (as a set of 、-separated parts) or
    same English name is taken as a sign of that."""
    seen: dict[object, str] = {}
    for code, draft in table.items():
        entity = draft.entity
        zh = getattr(entity, "name_zh", "")
        en = getattr(entity, "name_en", "")
        keys: list[object] = []
        if zh:
            keys.append(("zh", frozenset(p for p in _NAME_PARTS.split(zh) if p)))
        if en:
            keys.append(("en", " ".join(en.casefold().split())))
        for key in keys:
            other = seen.get(key)
            if other is not None and other != code:
                state.problems.warning(
                    draft.location,
                    "possible-duplicate",
                    f"{what} {code!r} has the same name as {what} {other!r} "
                    f"({table[other].location}); one code per {what}, or checks miss measures",
                )
                break
            seen.setdefault(key, code)


def _list_types(state: State) -> None:
    for code, draft in state.list_types.items():
        dept = draft.entity.initiating_department
        if "initiating_department" not in draft.bad and dept not in state.departments:
            state.problems.error(
                draft.at("initiating_department"),
                "unknown-department",
                f"list type {code}: initiating_department names unknown department {dept!r}",
            )
        _outside(state, draft, draft.entity.region, "initiating_department", [dept], "list type")


def _documents(state: State) -> None:
    p = state.problems
    for doc_id, draft in state.documents.items():
        doc = draft.entity
        what = f"document {doc_id}"
        if doc.list_type is not None and doc.list_type not in state.list_types:
            p.error(
                draft.at("list_type"),
                "unknown-list-type",
                f"{what}: list_type names unknown list type {doc.list_type!r}",
            )
        if doc.initiating_department is not None:
            _known(
                state, draft, "initiating_department", [doc.initiating_department],
                state.departments, "unknown-department", what,
            )  # fmt: skip
        _known(
            state, draft, "signatories", doc.signatories, state.departments,
            "unknown-department", what,
        )  # fmt: skip
        if doc.region is not None:
            if doc.list_type is not None:
                _overlaps(state, draft, "list_type", doc.list_type, doc.region, what)
            if doc.initiating_department is not None:
                _outside(
                    state, draft, doc.region, "initiating_department",
                    [doc.initiating_department], "document",
                )  # fmt: skip
            _outside(state, draft, doc.region, "signatories", doc.signatories, "document")
        if doc.issued is None and "issued" not in draft.bad:
            p.warning(
                draft.at("issued"),
                "issued-unknown",
                f"{what} has no issue date: its measures count as in force on every date",
            )
        _supersession(state, draft)


def _overlaps(
    state: State, draft: Draft[Any], key: str, code: str, region: str, what: str, index: int = 0
) -> None:
    """A regional list type on a regional document: the measures apply only where both
    regions hold the checking department, so two regions apart leave nowhere."""
    lt = state.list_types.get(code)
    if lt is None or lt.entity.region is None:
        return
    other = lt.entity.region
    if _overlap(region, other):
        return
    state.problems.error(
        draft.at(key, index),
        "region-mismatch",
        f"{what} is of {_region_name(region)} but list type {code} of {_region_name(other)}: "
        "no department lies in both, so its measures could never apply",
    )


def _overlap(a: str | None, b: str | None) -> bool:
    """Whether some department can lie in both regions (None: the nation)."""
    return divisions.within(a, b) or divisions.within(b, a)


def _outside(
    state: State,
    draft: Draft[Any],
    region: str | None,
    key: str,
    codes: Iterable[str],
    kind: str,
) -> None:
    """Departments of a regional document or list type that lie outside its region."""
    if region is None:
        return
    entity = draft.entity
    what = f"{kind} {getattr(entity, 'id', None) or getattr(entity, 'code', '')}"
    for index, code in enumerate(codes):
        known = state.departments.get(code)
        if known is None or divisions.within(known.entity.region, region):
            continue
        state.problems.warning(
            draft.at(key, index),
            "department-outside-region",
            f"{what} is of {_region_name(region)}, but its {key} {code} is "
            f"{_region_name(known.entity.region)}",
        )


def _implementers_in_region(state: State, draft: Draft[Measure], view: Catalog) -> None:
    """A regional measure whose stated implementers have nobody to carry them inside its
    region: checks there apply it, but nobody is due to apply it and report back."""
    m = draft.entity
    doc = state.documents.get(m.document)
    if doc is None or not m.implementing_departments:
        return
    if "implementing_departments" in draft.bad:
        return
    regions = {c: state.list_types[c].entity.region for c in m.list_types if c in state.list_types}
    if doc.entity.region is None and not any(r is not None for r in regions.values()):
        return
    # Unknown departments are reported on their own; they carry nothing here either.
    named = [d for d in m.implementing_departments if d in state.departments]
    if not named:
        return
    stated = replace(m, implementing_departments=tuple(named))
    # A list that cannot apply in the document's region (region-mismatch) or that is unknown
    # (unknown-list-type) has its own error; only the others can draw the measure.
    drawn_by: list[str | None] = [c for c, r in regions.items() if _overlap(doc.entity.region, r)]
    if not m.list_types:
        drawn_by = [None]
    if not drawn_by:
        return
    if any(view.implementers(stated, lt, inferred=False) for lt in drawn_by):
        return
    region = doc.entity.region or next(r for r in regions.values() if r is not None)
    state.problems.warning(
        draft.at("implementing_departments"),
        "no-implementer-in-region",
        f"measure {m.id} applies only in {_region_name(region)}, but none of "
        f"{', '.join(named)} has a department there to carry it (a counterpart or a successor "
        "of that region): nobody is due to apply it and report back",
    )


def _node_region(state: State, node: str) -> None:
    """Regional documents and lists that this node's checks can never apply: their region
    neither holds nor lies inside the node's."""
    tables: list[tuple[str, Mapping[str, Draft[Any]]]] = [
        ("list type", state.list_types),
        ("document", state.documents),
    ]
    for kind, table in tables:
        for code, draft in table.items():
            region = draft.entity.region
            if region is None or _overlap(region, node):
                continue
            state.problems.warning(
                draft.at("region"),
                "outside-node-region",
                f"{kind} {code} is of {_region_name(region)}, outside this node's region "
                f"{_region_name(node)} (JOINTCREDIT_REGION): it never applies here",
            )


def _supersession(state: State, draft: Draft[Document]) -> None:
    p = state.problems
    doc = draft.entity
    what = f"document {doc.id}"
    if doc.status is Status.SUPERSEDED and doc.superseded_by is None:
        p.error(
            draft.at("status"),
            "bad-value",
            f"{what} is superseded but names no successor (superseded_by): the date its "
            "measures stop applying is unknown",
        )
        return
    if doc.superseded_by is None:
        return
    if doc.status is not Status.SUPERSEDED:
        p.error(
            draft.at("superseded_by"),
            "bad-value",
            f"{what} names superseded_by but its status is {doc.status} (write status: superseded)",
        )
        return
    successor = state.documents.get(doc.superseded_by)
    if successor is None:
        p.error(
            draft.at("superseded_by"),
            "unknown-document",
            f"{what}: superseded_by names unknown document {doc.superseded_by!r}",
        )
        return
    if successor.entity.id == doc.id:
        p.error(draft.at("superseded_by"), "bad-value", f"{what} supersedes itself")
        return
    issued = successor.entity.issued
    if issued is None:
        p.error(
            draft.at("superseded_by"),
            "bad-value",
            f"{what} is superseded by {successor.entity.id}, which has no issue date: the date "
            "its measures stop applying is unknown",
        )
        return
    if doc.issued is not None and issued <= doc.issued:
        p.error(
            draft.at("superseded_by"),
            "bad-value",
            f"{what} (issued {doc.issued}) is superseded by {successor.entity.id}, issued "
            f"{issued}, no later: its measures would never apply",
        )
        return
    p.warning(
        draft.at("status"),
        "superseded-document",
        f"{what} is superseded by {successor.entity.id}: its {len(doc.measures)} measure(s) "
        f"apply only to checks dated before {issued.isoformat()}",
    )


def _measure(state: State, draft: Draft[Measure]) -> None:
    p = state.problems
    m = draft.entity
    what = f"measure {m.id}"
    doc = state.documents.get(m.document)
    _known(
        state, draft, "implementing_departments", m.implementing_departments,
        state.departments, "unknown-department", what,
    )  # fmt: skip
    _known(
        state, draft, "implementing_departments_inferred", m.implementing_departments_inferred,
        state.departments, "unknown-department", what,
    )  # fmt: skip
    _known(state, draft, "matters", m.matters, state.matters, "unknown-matter", what)
    own_list_types = "list_types" in draft.fields
    if own_list_types:
        # An inherited list type is reported once, at the document.
        _known(
            state, draft, "list_types", m.list_types, state.list_types, "unknown-list-type", what
        )
    list_types = [state.list_types[c].entity for c in m.list_types if c in state.list_types]
    if own_list_types and doc is not None and doc.entity.region is not None:
        for index, code in enumerate(m.list_types):
            _overlaps(state, draft, "list_types", code, doc.entity.region, what, index)

    if not m.list_types and m.trigger is None and not {"trigger", "list_types"} & draft.bad:
        p.error(
            draft.location,
            "missing-list-type",
            f"{what} has neither a list type (its own list_types or the document's list_type) "
            "nor a trigger, so no check can ever apply it",
        )

    if "kind" not in draft.bad:
        _kinds(state, draft, list_types, doc.entity.kind if doc else None)
    if "targets" not in draft.bad:
        _targets(state, draft, list_types)
        _reach(state, draft, list_types)

    if m.binding is Binding.UNKNOWN and "binding" not in draft.bad:
        p.warning(
            draft.at("binding"),
            "binding-unknown",
            f"{what}: whether the measure is mandatory or recommended is unknown",
        )
    if not m.implementing_departments and "implementing_departments" not in draft.bad:
        guess = (
            f" (inferred, unverified: {', '.join(m.implementing_departments_inferred)})"
            if m.implementing_departments_inferred
            else ""
        )
        p.warning(
            draft.at("implementing_departments"),
            "no-implementing-department",
            f"{what} names no implementing department{guess}: nobody is due to apply it and "
            "report back",
        )
    if m.text_zh is None and "text_zh" not in draft.bad and "text_zh" in draft.fields:
        p.warning(
            draft.at("text_zh"),
            "missing-text",
            f"{what} has no Chinese text"
            + (" (only a heading)" if m.title_zh else "")
            + ": checks can show only the English translation",
        )
    for key in ("text_zh", "legal_basis"):
        value = getattr(m, key)
        if value and _TRUNCATED.search(value):
            p.warning(draft.at(key), "truncated-text", f"{what}: {key} is cut off in its source")
    if m.legal_basis and _RELATIVE_BASIS.match(m.legal_basis):
        p.warning(
            draft.at("legal_basis"),
            "relative-legal-basis",
            f"{what}: legal_basis {m.legal_basis[:12]!r}… refers to another measure's; a check "
            "shows each measure alone, so the basis should name its law",
        )


def _kinds(
    state: State, draft: Draft[Measure], list_types: list[ListType], doc_kind: DocumentKind | None
) -> None:
    m = draft.entity
    what = f"measure {m.id}"
    if (
        "kind" in draft.fields
        and doc_kind is not None
        and doc_kind is not DocumentKind.MIXED
        and m.kind.value != doc_kind.value
    ):
        state.problems.error(
            draft.at("kind"),
            "kind-mismatch",
            f"{what} is a {m.kind} measure in a {doc_kind} document (use kind: mixed)",
        )
    for lt in list_types:
        expected = MeasureKind.INCENTIVE if lt.kind is ListKind.RED else MeasureKind.PUNISHMENT
        if m.kind is not expected:
            index = m.list_types.index(lt.code)
            state.problems.error(
                draft.at("list_types", index),
                "kind-mismatch",
                f"{what} is a {m.kind} measure on {lt.kind} list {lt.code}",
            )
    if m.trigger is not None and m.kind is not MeasureKind.INCENTIVE:
        state.problems.error(
            draft.at("trigger"),
            "kind-mismatch",
            f"{what}: a clean record can only earn an incentive, not a {m.kind}",
        )


def _targets(state: State, draft: Draft[Measure], list_types: list[ListType]) -> None:
    """A target the measure's list types can never produce.

    Roles (legal representative, …) exist only in organisations: at least one list type must
    list organisations. With several list types one suffices, since the role path simply yields
    nothing for entries of the others. A clean-record trigger concerns the subject's own record,
    so it reaches the subject only.
    """
    m = draft.entity
    what = f"measure {m.id}"
    for index, target in enumerate(m.targets):
        if m.trigger is not None and target is not Target.SUBJECT:
            state.problems.error(
                draft.at("targets", index),
                "target-not-allowed",
                f"{what}: a clean-record trigger reaches only the subject itself, not {target}",
            )
        elif (
            target in ROLE_TARGETS
            and list_types
            and len(list_types) == len(m.list_types)
            and not any(lt.lists_organisations for lt in list_types)
        ):
            kinds = sorted({str(t) for lt in list_types for t in lt.subject_types})
            state.problems.error(
                draft.at("targets", index),
                "target-not-allowed",
                f"{what}: target {target} is a role in an organisation, but "
                f"{', '.join(m.list_types)} list(s) only {', '.join(kinds)}",
            )


def _reach(state: State, draft: Draft[Measure], list_types: list[ListType]) -> None:
    """Persons the text (or a list type's listing criteria) reaches but ``targets`` lacks."""
    m = draft.entity
    what = f"measure {m.id}"
    targets = set(m.targets)
    where = draft.at("targets")
    source = "text_zh" if m.text_zh else "title_zh"
    reach = reached(m.text_zh or m.title_zh)
    missing = reach.roles - targets
    if missing:
        state.problems.error(
            where,
            "person-reach-without-target",
            f"{what}: {source} reaches {_roles(missing)}, which targets does not name",
        )
    if reach.partial and Target.DIRECTOR_SUPERVISOR_SENIOR_MANAGER not in targets:
        state.problems.warning(
            where,
            "person-reach-partial",
            f"{what}: {source} names {'、'.join(reach.partial)}; no target says exactly that "
            "(director-supervisor-senior-manager would reach all three), so they are not reached",
        )
    if m.trigger is not None:
        return
    for lt in list_types:
        criteria = reached(lt.listing_criteria).roles - {Target.RELATED_ENTITY}
        if lt.lists_organisations and criteria - targets:
            state.problems.error(
                where,
                "person-reach-without-target",
                f"{what}: the listing criteria of {lt.code} extend its measures to "
                f"{_roles(criteria - targets)}, which targets does not name",
            )


def _roles(roles: Iterable[Target]) -> str:
    return ", ".join(sorted(str(r) for r in roles))
