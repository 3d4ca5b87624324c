"""YAML read as a node tree, so that every value keeps its line and column.

``yaml.safe_load`` throws the positions away; a lint that cannot say where a problem is sends
operators grepping. ``yaml.compose`` keeps them (node marks), and the safe constructor turns
single nodes into Python values on demand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from jointcredit.catalog.model import Location, Problem, Severity

# libyaml composes several times faster and records the same marks; the pure-Python loader is
# the fallback where PyYAML was built without it.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MISSING: Any = object()


@dataclass
class Problems:
    """Collects problems as the checks find them."""

    items: list[Problem] = field(default_factory=list)

    def add(self, where: Location, code: str, message: str, severity: Severity) -> None:
        self.items.append(
            Problem(
                file=where.file,
                line=where.line,
                column=where.column,
                code=code,
                message=message,
                severity=severity,
            )
        )

    def error(self, where: Location, code: str, message: str) -> None:
        self.add(where, code, message, Severity.ERROR)

    def warning(self, where: Location, code: str, message: str) -> None:
        self.add(where, code, message, Severity.WARNING)


def location(node: Node, file: Path) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


def compose(text: str, file: Path, problems: Problems) -> Node | None:
    """The root node of ``text``; None (with a parse-error) when it is not one YAML document."""
    try:
        node: Node | None = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1)
        problems.error(where, "parse-error", f"not valid YAML: {exc.problem or exc}")
        return None
    except yaml.YAMLError as exc:
        problems.error(Location(file, 1), "parse-error", f"not valid YAML: {exc}")
        return None
    return node


def construct(node: Node) -> Any:
    """The Python value of ``node`` as ``yaml.safe_load`` would give it."""
    # A fresh constructor per call: it memoises nodes, and values are few and small.
    return SafeConstructor().construct_object(node, deep=True)


def describe(value: Any) -> str:
    """A value's YAML type in words, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"number {value}"
    if isinstance(value, dt.date):
        return f"date {value.isoformat()}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


class Fields:
    """The keys of one YAML mapping, each value with its location.

    Accessors report wrong shapes into ``problems`` and return None (or an empty tuple), so
    that one run finds every problem instead of stopping at the first.
    """

    def __init__(self, node: MappingNode, file: Path, problems: Problems) -> None:
        self.file = file
        self.location = location(node, file)
        self.problems = problems
        self._nodes: dict[str, Node] = {}
        self._keys: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            if key in self._nodes:
                # PyYAML keeps the last value silently; a duplicated key is nearly always an
                # edit gone wrong (two measures merged into one), so it is an error here.
                problems.error(
                    location(key_node, file),
                    "duplicate-key",
                    f"key {key!r} appears twice in this mapping (first at line "
                    f"{self._keys[key].start_mark.line + 1}); only the last value would count",
                )
            self._nodes[key] = value_node
            self._keys[key] = key_node

    def __contains__(self, key: str) -> bool:
        return key in self._nodes

    def names(self) -> Iterable[str]:
        """The keys, in file order."""
        return self._nodes.keys()

    def node(self, key: str) -> Node | None:
        return self._nodes.get(key)

    def at(self, key: str) -> Location:
        """Location of ``key``'s value, else of the mapping (for a missing key)."""
        node = self._nodes.get(key)
        return location(node, self.file) if node is not None else self.location

    def key_at(self, key: str) -> Location:
        node = self._keys.get(key)
        return location(node, self.file) if node is not None else self.location

    def lines(self, key: str) -> range:
        """0-based line numbers from ``key`` to the end of its value."""
        key_node, value_node = self._keys[key], self._nodes[key]
        end = value_node.end_mark
        last = end.line if end.column > 0 else end.line - 1
        return range(key_node.start_mark.line, max(last, key_node.start_mark.line) + 1)

    def value(self, key: str) -> Any:
        node = self._nodes.get(key)
        return MISSING if node is None else construct(node)

    def missing(self, key: str, what: str) -> None:
        self.problems.error(self.location, "missing-field", f"{what} has no {key!r}")

    def text(self, key: str, what: str, *, required: bool = False) -> str | None:
        """A string value; null and a missing optional key give None.

        ``required``: the key must be present (its value may still be null).
        """
        value = self.value(key)
        if value is MISSING:
            if required:
                self.missing(key, what)
            return None
        if value is None:
            return None
        if not isinstance(value, str):
            self.problems.error(
                self.at(key),
                "bad-value",
                f"{key} of {what} must be text, not {describe(value)} (quote it)",
            )
            return None
        return value

    def code(self, key: str, what: str, *, required: bool = False) -> str | None:
        """A non-empty string without surrounding blanks (an identifier)."""
        value = self.text(key, what, required=required)
        if value is None:
            if required and key in self:
                self.problems.error(self.at(key), "missing-field", f"{key} of {what} is null")
            return None
        if not value.strip() or value != value.strip():
            self.problems.error(
                self.at(key), "bad-value", f"{key} of {what} is not a usable code: {value!r}"
            )
            return None
        return value

    def codes(self, key: str, what: str, *, required: bool = False) -> list[tuple[str, Location]]:
        """A list of codes, each with its own location (a flow list keeps one line, so the
        column is what tells its items apart)."""
        node = self._nodes.get(key)
        if node is None:
            if required:
                self.missing(key, what)
            return []
        if isinstance(node, ScalarNode) and construct(node) is None:
            return []
        if not isinstance(node, SequenceNode):
            self.problems.error(
                self.at(key),
                "bad-value",
                f"{key} of {what} must be a list, not {describe(construct(node))}",
            )
            return []
        items = []
        for item in node.value:
            value = construct(item)
            where = location(item, self.file)
            if not isinstance(value, str) or not value.strip():
                self.problems.error(
                    where, "bad-value", f"an item of {key} of {what} is {describe(value)}"
                )
                continue
            items.append((value, where))
        return items

    def mapping(self, key: str, what: str) -> Fields | None:
        node = self._nodes.get(key)
        if node is None:
            return None
        if not isinstance(node, MappingNode):
            self.problems.error(
                self.at(key),
                "bad-value",
                f"{key} of {what} must be a mapping, not {describe(construct(node))}",
            )
            return None
        return Fields(node, self.file, self.problems)

    def warn_unknown_keys(self, known: Iterable[str], what: str) -> None:
        """A warning per unknown key: most are typos (``legal_bases``) that would otherwise
        make a field silently missing."""
        allowed = set(known)
        for key in self._nodes:
            if key not in allowed:
                self.problems.warning(
                    self.key_at(key), "unknown-field", f"{what} has an unknown key {key!r}"
                )
