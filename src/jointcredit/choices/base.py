"""A set of choices: values with their labels, and what is derived from them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    zh: str
    en: str
    #: What the subject or the reporter reads, where the staff's word would not do for them
    #: ("待核查" is the department's task; the subject reads "核查中").
    zh_public: str | None = None
    en_public: str | None = None
    #: A status in which the item waits for the department that handles it (its time limit runs).
    open: bool = False

    def label(self, lang: str, *, public: bool = False) -> str:
        if lang == "en":
            return (self.en_public if public else None) or self.en
        return (self.zh_public if public else None) or self.zh


class ChoiceSet:
    """The values of one concept in their canonical order.

    >>> colours = ChoiceSet("light", Choice("red", "红", "Red"), Choice("green", "绿", "Green"))
    >>> colours.values
    ('red', 'green')
    >>> colours.label("green", "zh"), colours.label("green", "en")
    ('绿', 'Green')
    >>> "blue" in colours
    False
    >>> colours.enum("Light").red.value
    'red'
    >>> colours.check("colour")
    "colour IN ('red', 'green')"
    """

    def __init__(self, name: str, *choices: Choice) -> None:
        values = [c.value for c in choices]
        if len(set(values)) != len(values):
            raise ValueError(f"{name}: a value is defined twice in {values}")
        self.name = name
        self.choices = choices
        self._by_value = {c.value: c for c in choices}

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(self._by_value)

    def __iter__(self) -> Iterator[Choice]:
        return iter(self.choices)

    def __contains__(self, value: object) -> bool:
        return value in self._by_value

    def __len__(self) -> int:
        return len(self.choices)

    def __getitem__(self, value: str) -> Choice:
        return self._by_value[value]

    def label(self, value: str, lang: str, *, public: bool = False) -> str:
        """The value's label in ``lang``; an unknown value stands for itself."""
        found = self._by_value.get(value)
        return value if found is None else found.label(lang, public=public)

    def labels(self, lang: str, *, public: bool = False) -> dict[str, str]:
        return {c.value: c.label(lang, public=public) for c in self.choices}

    @property
    def open_values(self) -> tuple[str, ...]:
        """The values marked ``open``: the statuses in which an item waits to be handled."""
        return tuple(c.value for c in self.choices if c.open)

    def subset(self, *values: str) -> tuple[str, ...]:
        """``values``, checked to be of this set (a typo fails at import, not at run time)."""
        unknown = [v for v in values if v not in self._by_value]
        if unknown:
            raise ValueError(f"{self.name}: {unknown} are not among {list(self.values)}")
        return values

    def enum(self, name: str) -> type[StrEnum]:
        """The set as a ``StrEnum`` for the API's schemas (one per set, however often asked)."""
        found = self._enums.get(name)
        if found is not None:
            return found
        made: type[StrEnum] = StrEnum(name, {v: v for v in self.values})  # type: ignore[misc]
        self._enums[name] = made
        return made

    @cached_property
    def _enums(self) -> dict[str, type[StrEnum]]:
        return {}

    def check(self, column: str) -> str:
        """The SQL of a CHECK constraint that keeps ``column`` within the set."""
        return f"{column} IN ({', '.join(repr(v) for v in self.values)})"

    def __repr__(self) -> str:
        return f"ChoiceSet({self.name!r}, {list(self.values)})"
