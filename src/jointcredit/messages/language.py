"""The language what a person reads is written in: ``zh`` (the default) or ``en``.

Chosen, most specific first: for a block of code (:func:`using`: a web page renders in the
page's language), for the process (:func:`set_language`: the command line's ``--lang``), or by
the setting ``JOINTCREDIT_LANG``. The process-wide choice is a plain variable, not a context
variable, so that a command's worker threads speak the language of the command.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Literal, TypeGuard

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")

_scoped: ContextVar[Language | None] = ContextVar("jointcredit_language", default=None)
_process: Language | None = None


def is_language(value: object) -> TypeGuard[Language]:
    return value in LANGUAGES


@cache
def _configured() -> Language:
    # Read once: reasons are rendered per rejected row. A faulty setting elsewhere is the
    # command's error to report, not a reason to stop speaking Chinese.
    from jointcredit.settings import get_settings

    try:
        return get_settings().lang
    except Exception:
        return "zh"


def current() -> Language:
    """The language to write in now."""
    return _scoped.get() or _process or _configured()


def set_language(lang: Language | None) -> None:
    """Choose the language of this process (None: back to ``JOINTCREDIT_LANG``)."""
    global _process
    if lang is not None and not is_language(lang):
        raise ValueError(f"{lang!r} is not one of {', '.join(LANGUAGES)}")
    _process = lang


@contextmanager
def using(lang: Language) -> Iterator[None]:
    """Write in ``lang`` inside the block (this thread or task only)."""
    token = _scoped.set(lang)
    try:
        yield
    finally:
        _scoped.reset(token)


__all__ = ["LANGUAGES", "Language", "current", "is_language", "set_language", "using"]
