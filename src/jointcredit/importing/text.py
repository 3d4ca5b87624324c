"""Characters a cell of a department's file may not carry as they are.

- Control characters (C0 but tab, line feed and carriage return; DEL; C1), U+0000 above all,
  which PostgreSQL cannot store, and unpaired surrogates, which no encoding can: the row is
  refused, naming the field, as the single-record API refuses them.
- Invisible characters that change how a text reads without being seen: bidirectional
  controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) and zero-width characters
  (U+200B–U+200D, U+2060–U+2064, U+FEFF, U+180E, the soft hyphen U+00AD). ``腾\\u200b讯`` would
  be shown as 腾讯 and yet not be found by a search for it, and U+202E turns a name around on
  screen: they are removed, and the import says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from jointcredit.messages.reasons import Reason

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def control_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as it is, or None.

    >>> control_problem("a\\x00b"), control_problem("两行\\n文本")
    ('contains the control character U+0000, which is not allowed', None)
    """
    found = CONTROL.search(value)
    if found is None:
        return None
    char = found.group()
    code = "row.surrogate" if "\ud800" <= char <= "\udfff" else "row.control"
    return Reason(code, codepoint=ord(char))


def visible(value: str) -> str:
    """``value`` without invisible and bidirectional control characters.

    >>> visible("腾\\u200b讯"), visible("\\u202eabc\\u202c")
    ('腾讯', 'abc')
    """
    return INVISIBLE.sub("", value) if INVISIBLE.search(value) else value


def strip_invisible(values: Mapping[str, str]) -> tuple[Mapping[str, str], list[str]]:
    """The row without invisible characters, and the fields they were removed from; the row
    itself when there were none (one scan of the whole row for the common case)."""
    if not INVISIBLE.search("".join(values.values())):
        return values, []
    cleaned: dict[str, str] = {}
    changed: list[str] = []
    for name, value in values.items():
        clean = INVISIBLE.sub("", value)
        if clean != value:
            changed.append(name)
        cleaned[name] = clean
    return cleaned, changed


__all__ = ["CONTROL", "INVISIBLE", "control_problem", "strip_invisible", "visible"]
