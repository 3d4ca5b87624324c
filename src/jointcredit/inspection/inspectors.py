"""The list of law-enforcement inspectors (执法检查人员名录) a plan draws from: CSV or JSON.

CSV: a header row with ``id``, ``name``, ``department`` and optionally ``conflict_subjects``
(identifiers of subjects the inspector must not inspect, separated by ``;`` or spaces) and
``conflict_regions`` (division-code prefixes, the same way). JSON: a list of objects with
``id``, ``name``, ``department`` and optionally ``conflicts``: ``{"subjects": […], "regions":
[…]}`` (or a mapping with that list under ``inspectors``). Errors name the file, the row and
the field, all at once.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from jointcredit.errors import InvalidInputError
from jointcredit.identifiers.normalize import normalize
from jointcredit.inspection.draw import Inspector

_REGION = re.compile(r"\d{2}(\d{2}){0,2}")
_SPLIT = re.compile(r"[;,\s；，]+")
_FIELDS = {"id", "name", "department", "conflicts"}


def _items(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v for v in _SPLIT.split(value) if v]
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return [str(v) for v in value]
    raise ValueError


def _inspector(raw: dict[str, Any], where: str, problems: list[str]) -> Inspector | None:
    values: dict[str, str] = {}
    for key in ("id", "name", "department"):
        value = raw.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}.{key}: must be non-empty text, not {value!r}")
        else:
            values[key] = value.strip()
    conflicts = raw.get("conflicts") or {}
    if not isinstance(conflicts, dict):
        problems.append(f"{where}.conflicts: must be a mapping with subjects and regions")
        conflicts = {}
    subjects: list[str] = []
    regions: list[str] = []
    for key, out in (("subjects", subjects), ("regions", regions)):
        try:
            out.extend(_items(conflicts.get(key)))
        except ValueError:
            problems.append(f"{where}.conflicts.{key}: must be a list of codes")
    for region in regions:
        if not _REGION.fullmatch(region):
            problems.append(
                f"{where}.conflicts.regions: {region!r} is not a division-code prefix "
                "(2, 4 or 6 digits)"
            )
    if len(values) < 3:
        return None
    return Inspector(
        id=values["id"],
        name=values["name"],
        department=values["department"],
        subjects=frozenset(normalize(s) for s in subjects),
        regions=tuple(sorted(set(regions))),
    )


def parse(text: str, name: str) -> list[Inspector]:
    """The inspectors in ``text`` (a file called ``name``: JSON when it ends in .json or
    starts with ``[`` or ``{``, else CSV)."""
    rows: list[tuple[str, dict[str, Any]]] = []
    problems: list[str] = []
    stripped = text.lstrip("\ufeff").lstrip()
    if name.lower().endswith(".json") or stripped[:1] in ("[", "{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"inspectors file {name}: not valid JSON: {exc}") from None
        if isinstance(data, dict):
            data = data.get("inspectors")
        if not isinstance(data, list):
            raise InvalidInputError(f"inspectors file {name}: must hold a list of inspectors")
        for n, item in enumerate(data):
            if not isinstance(item, dict):
                problems.append(f"[{n}]: must be an object with id, name, department")
                continue
            for key in sorted(set(item) - _FIELDS):
                problems.append(f"[{n}].{key}: unknown field (known: {', '.join(sorted(_FIELDS))})")
            rows.append((f"[{n}]", item))
    else:
        reader = csv.DictReader(io.StringIO(stripped))
        header = set(reader.fieldnames or ())
        missing = {"id", "name", "department"} - header
        if missing:
            raise InvalidInputError(
                f"inspectors file {name}: the header lacks {', '.join(sorted(missing))}"
            )
        for n, row in enumerate(reader, start=2):
            fields: dict[str, Any] = {k: (v or "").strip() for k, v in row.items() if k}
            fields["conflicts"] = {
                "subjects": fields.pop("conflict_subjects", ""),
                "regions": fields.pop("conflict_regions", ""),
            }
            rows.append((f"row {n}", fields))
    inspectors: list[Inspector] = []
    seen: set[str] = set()
    for where, item in rows:
        found = _inspector(item, where, problems)
        if found is None:
            continue
        if found.id in seen:
            problems.append(f"{where}.id: {found.id!r} is listed twice")
        seen.add(found.id)
        inspectors.append(found)
    if not inspectors and not problems:
        problems.append("no inspectors listed")
    if problems:
        raise InvalidInputError(
            f"inspectors file {name} has {len(problems)} error(s): " + "; ".join(problems)
        )
    return sorted(inspectors, key=lambda i: i.id)


def load(path: Path) -> list[Inspector]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(
            f"inspectors file {path} cannot be read: {exc.strerror or exc}"
        ) from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"inspectors file {path} is not UTF-8 text") from None
    return parse(text, Path(path).name)


def to_json(inspectors: list[Inspector]) -> list[dict[str, Any]]:
    """As a plan stores them (and :func:`from_json` reads them back)."""
    return [
        {
            "id": i.id,
            "name": i.name,
            "department": i.department,
            "conflicts": {"subjects": sorted(i.subjects), "regions": list(i.regions)},
        }
        for i in inspectors
    ]


def from_json(data: list[dict[str, Any]]) -> list[Inspector]:
    return parse(json.dumps(data, ensure_ascii=False), "plan.json")
