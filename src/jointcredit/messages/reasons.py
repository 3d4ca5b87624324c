"""A validator's reason: a stable code and its parameters, written out when it is shown.

A :class:`Reason` *is* its English text (a ``str``), so that everything that took a reason as
text goes on working: ``str(exc)`` of an identifier's ``ValidationError`` (python-stdnum's own
classes, whose doctests show the English), JSON, the API's ``error`` fields, log lines. It
also keeps the code and parameters it was made from, and :func:`render` writes it in Chinese or
English from :data:`~jointcredit.messages.catalog.CATALOG`. Text built *from* a reason (an
f-string, a concatenation) is plain text again and renders as it is: the English fallback.

>>> r = Reason("uscc.length", got=17)
>>> r, r.code, dict(r.params)
('a USCC has 18 characters, got 17', 'uscc.length', {'got': 17})
>>> render(r, "zh")
'统一社会信用代码应为18位，实为17位'
>>> render("plain text", "zh")
'plain text'
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from functools import cache
from typing import Any

from jointcredit.messages.catalog import CATALOG
from jointcredit.messages.language import Language, current


class _Formatter(string.Formatter):
    """``str.format`` with ``!c``: a character as a reader can see it (U+XXXX when not)."""

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "c":
            text = str(value)
            if len(text) == 1 and (not text.isprintable() or text.isspace()):
                return f"U+{ord(text):04X}"
            return text
        return super().convert_field(value, conversion)


_FORMAT = _Formatter()


class Reason(str):
    """Why a value was refused or warned about: its English text, with ``code`` and
    ``params`` to write it in another language."""

    __slots__ = ("code", "params")
    code: str
    params: Mapping[str, Any]

    def __new__(cls, code: str, /, **params: Any) -> Reason:
        english = _FORMAT.format(CATALOG[code][0], **params)
        self = super().__new__(cls, english)
        self.code = code
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # Reasons cross from the import's reading process to the writing one.
        return (_remade, (self.code, dict(self.params)))

    def in_language(self, lang: Language) -> str:
        if lang == "en":
            return str(self)
        params = {
            k: render(v, lang) if isinstance(v, Reason) else v for k, v in self.params.items()
        }
        return _FORMAT.format(CATALOG[self.code][1], **params)


def _remade(code: str, params: dict[str, Any]) -> Reason:
    return Reason(code, **params)


def render(text: str, lang: Language | None = None) -> str:
    """``text`` in ``lang`` (default: :func:`~jointcredit.messages.language.current`) when it
    is a :class:`Reason`; other text as it is."""
    if isinstance(text, Reason):
        return text.in_language(lang or current())
    return text


def parsed(text: str) -> Reason | None:
    """The reason whose English ``text`` is, when a reason was written into a longer message
    (an f-string keeps only the English); None when no template gives ``text``.

    >>> parsed("a USCC has 18 characters, got 17").code
    'uscc.length'
    >>> render(parsed("character 'I' at position 17 is not a digit"), "zh")
    '第17位字符“I”不是数字'
    """
    for code, pattern, numbers in _patterns():
        found = pattern.fullmatch(text)
        if found is not None:
            params: dict[str, Any] = found.groupdict()
            for name in numbers:
                params[name] = int(params[name], 16 if name == "codepoint" else 10)
            return Reason(code, **params)
    return None


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...]:
    """Each template's English as a pattern (``{x!r}`` of a string is quoted; ``{x:04X}`` and
    counted things are numbers, turned back into ints)."""
    out = []
    for code, (english, _) in CATALOG.items():
        regex, numbers = "", []
        for literal, name, spec, conversion in _FORMAT.parse(english):
            regex += re.escape(literal)
            if name is None:
                continue
            if spec:
                regex += f"(?P<{name}>[0-9A-F]+)"
                numbers.append(name)
            elif conversion == "r":
                regex += f"'(?P<{name}>.*?)'"
            elif name in _NUMBERS:
                regex += f"(?P<{name}>[0-9]+)"
                numbers.append(name)
            else:
                regex += f"(?P<{name}>.+?)"
        out.append((code, re.compile(regex, re.S), tuple(numbers)))
    return tuple(out)


#: Parameters that are counts: read back as ints (a template formats them with ``!r`` nowhere).
_NUMBERS = frozenset({"got", "position", "limit", "width"})


def reason_of(exc: BaseException) -> str:
    """The reason an exception was raised with (a :class:`Reason` when it was made with one),
    else its text."""
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, Reason) else str(exc)


__all__ = ["Reason", "parsed", "reason_of", "render"]
