"""Rules that need the whole catalog: references, kinds, targets and who a measure reaches.

Each rule reports at the value it is about (the list item, not the measure), so that an operator
can go straight to the line. docs/catalog.md lists every code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from jointcredit.catalog.model import (
    ROLE_TARGETS,
    Binding,
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

_TRUNCATED = re.compile(r"……|\.\.\.\s*$|…\s*[)）]?\s*$|来源截断|truncated", re.IGNORECASE)
_RELATIVE_BASIS = re.compile(r"^\s*(同上|同前|同前款|ibid\.?)", re.IGNORECASE)
_NAME_PARTS = re.compile(r"[、／/，,；;\s]+")


def check(state: State) -> None:
    _departments(state)
    _same_names(state, state.departments, "department")
    _same_names(state, state.matters, "matter")
    _list_types(state)
    _documents(state)
    for draft in state.measures.values():
        _measure(state, draft)


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
        if doc.issued is None and "issued" not in draft.bad:
            p.warning(
                draft.at("issued"),
                "issued-unknown",
                f"{what} has no issue date: its measures count as in force on every date",
            )
        _supersession(state, draft)


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
