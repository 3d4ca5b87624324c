"""What a person reads, in Chinese (the default) or English: validators' reasons and the
command line's errors.

- :mod:`.language`: which language, for the process (``--lang``, ``JOINTCREDIT_LANG``) or
  for a block of code (a web page in its own language);
- :mod:`.reasons`: :class:`Reason`, a validator's reason as a code and parameters that is also
  its English text, and :func:`render`, which writes it in the language chosen;
- :mod:`.catalog`: the reasons' English and Chinese templates, by code;
- :mod:`.errors`: the command line's errors (:class:`~jointcredit.errors.JointCreditError`)
  in Chinese.

The web pages' own words stay in :mod:`jointcredit.web.strings`; the HTTP API answers in
English with stable codes (docs/configuration.md#languages).
"""

from __future__ import annotations

from jointcredit.messages.language import (
    LANGUAGES,
    Language,
    current,
    is_language,
    set_language,
    using,
)
from jointcredit.messages.reasons import Reason, reason_of, render

__all__ = [
    "LANGUAGES",
    "Language",
    "Reason",
    "current",
    "is_language",
    "reason_of",
    "render",
    "set_language",
    "using",
]
