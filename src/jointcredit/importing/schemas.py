"""JSON Schemas of every format the platform reads or writes, made from the format
definitions themselves (formats, codes, list_formats, list_entries), so that they cannot
drift from what the importer accepts.

A schema describes one row as an object of its columns' text (a CSV or XLSX row read with
its header, or a JSON Lines object): the columns a row must fill, the code values a coded
column takes, the spellings of dates and amounts. Unknown columns are allowed (the import
ignores them with a warning). Served at ``GET /api/v1/schemas/{name}``; copies in
``docs/schemas/`` (docs/formats.md).

>>> sorted(SCHEMAS)[:3]
['licensing', 'licensing-2016', 'list-entries']
>>> schema('penalties')['properties']['CF_NR_FK']['title']
'罚款金额(万元)'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Final

from jointcredit.importing import codes, formats, list_entries, list_formats, validate, values
from jointcredit.record_drafts import SUBJECT_KINDS

_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_BASE = "https://jointcredit.invalid/schemas/"

#: Dates as departments write them (values.parse_any_date): 2024-03-05, 2024/3/5,
#: 2024年3月5日, 20240305, with an optional time.
_DATE = (
    r"^\d{4}(?:[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{4})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
#: Amounts in 万元, up to six decimals (values.parse_fen).
_AMOUNT = r"^\s*\d{1,10}(?:\.\d{1,6})?\s*$"
_SEPARATORS = "[;；,，、/]"

_DATE_FIELDS = frozenset({"XK_JDRQ", "XK_YXQZ", "CF_JDRQ", "CF_YXQ", "CF_GSJZQ", "SJC"})
#: Dates that may also say "no end" (长期 …: values.OPEN_ENDED).
_OPEN_ENDED_FIELDS = frozenset({"XK_YXQZI", "XK_JZQ"})
_AMOUNT_FIELDS = frozenset({"CF_NR_FK", "CF_NR_WFFF"})


def _escape(text: str) -> str:
    """``text`` as a literal in a pattern that ECMA-262 and Python read alike (re.escape
    escapes "-", which a Unicode ECMA pattern refuses outside a class)."""
    return re.sub(r"([.^$*+?()\[\]{}|\\/])", r"\\\1", text)


def _values(tab: codes.CodeTable) -> list[str]:
    spelled = [*tab.labels, *tab.aliases, *tab.codes]
    spelled += [code for code, _ in tab.entries if code]
    return sorted(set(spelled), key=spelled.index)


def _coded(tab: codes.CodeTable, *, multiple: bool, also: codes.CodeTable | None) -> dict[str, Any]:
    accepted = _values(tab) + ([v for v in _values(also) if v not in _values(tab)] if also else [])
    one = "(?:" + "|".join(map(_escape, accepted)) + ")"
    if tab.prefix:
        one = f"(?:{one}|{_escape(tab.prefix)}.+)"
    many = rf"^\s*{one}\s*(?:{_SEPARATORS}\s*{one}\s*)*$"
    pattern = many if multiple else rf"^\s*{one}\s*$"
    return {
        "pattern": pattern,
        "description": f"{tab.name}: {tab.accepted()}"
        + ("; several, separated by ; or 、" if multiple else ""),
        "examples": list(tab.labels[:2]),
    }


def _record_schema(kind: str, generation: formats.Generation) -> dict[str, Any]:
    fields = formats.labels(kind, generation)
    coded = formats.CODED[generation]
    properties: dict[str, Any] = {}
    for name, label in fields.items():
        prop: dict[str, Any] = {"type": "string", "title": label, "maxLength": 4000}
        tab = coded.get(name)
        if name.endswith("_ZT") and generation == "current":
            states = [*_values(codes.STATUS_CURRENT), *codes.STATUS_WORDS]
            prop["pattern"] = "^\\s*(?:" + "|".join(dict.fromkeys(states)) + ")?\\s*$"
            prop["description"] = f"{codes.STATUS_CURRENT.name}: {codes.STATUS_CURRENT.accepted()}"
        elif tab is not None:
            prop |= _coded(
                tab, multiple=name in formats.MULTIPLE, also=formats.LATER_2016.get(name)
            )
        elif name in _OPEN_ENDED_FIELDS:
            prop["pattern"] = f"(?:{_DATE})|^\\s*(?:{'|'.join(sorted(values.OPEN_ENDED))})\\s*$"
        elif name in _DATE_FIELDS:
            prop["pattern"] = _DATE
        elif name in _AMOUNT_FIELDS:
            prop["pattern"] = _AMOUNT
        properties[name] = prop
    if generation == "current":
        prefix = "XK_" if kind == "licensing" else "CF_"
        required = [prefix + "XDR_MC", prefix + "XDR_LB", *validate.required_fields(kind)]
    else:
        required = list(formats.REQUIRED_2016[kind])
    # A field that some systems spell otherwise (CF_AJMC for CF_CFMC) may be given either way.
    either = [
        [name, *(v for v, t in formats.VARIANTS_2016.items() if t == name and v != name)]
        for name in required
    ]
    title = {"licensing": "行政许可", "penalty": "行政处罚"}[kind]
    generation_title = "2016 template" if generation == "2016" else "current format (2019)"
    alternatives = [
        {"anyOf": [{"required": [name]} for name in names]} for names in either if len(names) > 1
    ]
    return {
        "title": f"{title} — double publicity, {generation_title}",
        "type": "object",
        "properties": properties,
        "required": [names[0] for names in either if len(names) == 1],
        **({"allOf": alternatives} if alternatives else {}),
        "x-field-order": list(formats.spec(kind, generation)),
    }


def _generic_list_schema() -> dict[str, Any]:
    properties: dict[str, Any] = {
        name: {"type": "string", "title": label} for name, label in list_entries.FIELDS.items()
    }
    for name in ("decided_on", "valid_from", "valid_until"):
        properties[name]["pattern"] = f"(?:{_DATE})|^(?:null)?$"
    properties["subject.kind"]["enum"] = list(SUBJECT_KINDS)
    return {
        "title": "红黑名单 list entries — the platform's generic format",
        "type": "object",
        "properties": properties,
        "required": list(list_entries.REQUIRED_COLUMNS),
        "x-field-order": list(list_entries.FIELDS),
    }


def _national_list_schema(fmt: list_formats.ListFormat) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for column, description in fmt.columns.items():
        prop: dict[str, Any] = {"type": "string", "title": column, "description": description}
        if column in fmt.date_columns:
            prop["pattern"] = _DATE
        if column in fmt.numbers:
            prop["pattern"] = r"^\s*\d{1,3}\s*$"
        if column in fmt.value_sets:
            prop["enum"] = list(fmt.value_sets[column])
        properties[column] = prop
    return {
        "title": f"{fmt.title_zh} — {fmt.name} list format",
        "type": "object",
        "properties": properties,
        "required": list(fmt.required),
        "x-field-order": list(fmt.columns),
        "x-list-type": fmt.list_type,
    }


_MAKERS: Final[dict[str, Callable[[], dict[str, Any]]]] = {
    "licensing": lambda: _record_schema("licensing", "current"),
    "penalties": lambda: _record_schema("penalty", "current"),
    "licensing-2016": lambda: _record_schema("licensing", "2016"),
    "penalties-2016": lambda: _record_schema("penalty", "2016"),
    "list-entries": _generic_list_schema,
    **{
        f"list-entries-{name}": partial(_national_list_schema, fmt)
        for name, fmt in list_formats.FORMATS.items()
    },
}

#: Every schema, by name.
SCHEMAS: Final[Mapping[str, Callable[[], dict[str, Any]]]] = _MAKERS


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one format (KeyError for an unknown name)."""
    body = SCHEMAS[name]()
    return {"$schema": _DIALECT, "$id": f"{_BASE}{name}.json", **body}


def names() -> list[str]:
    return list(SCHEMAS)


def write_all(directory: str) -> list[str]:
    """Write every schema as ``NAME.json`` into ``directory`` (docs/schemas/ is made so)."""
    import json
    from pathlib import Path

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names():
        path = out / f"{name}.json"
        path.write_text(json.dumps(schema(name), ensure_ascii=False, indent=2) + "\n", "utf-8")
        written.append(str(path))
    return written


if __name__ == "__main__":  # python -m jointcredit.importing.schemas docs/schemas
    import sys

    print("\n".join(write_all(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas")))
