"""Masking of personal identifiers and names for public pages and logs.

Identifiers of organisations (USCC, organisation code, registration number) are public and pass
through; a resident identity number keeps its division code (first 6) and last 4 characters, as
public pages show it (``110101********123X``); a name keeps its surname.

Masking never fails and never lets through more than it means to: input it cannot read is
masked entirely.

>>> mask_resident_id('110101199003071234')
'110101********1234'
>>> mask_name('张三'), mask_name('欧阳娜娜')
('张*', '欧阳**')
>>> mask_identifier('91110000600037341L', 'uscc')
'91110000600037341L'
>>> mask_identifier('110101199003071234', IdentifierType.RESIDENT_ID)
'110101********1234'
>>> mask_text('许可证号 110101199003071234，有效')
'许可证号 110101********1234，有效'
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any, TypeVar, cast

from jointcredit.identifiers._common import compact
from jointcredit.identifiers.checkchars import org_check_char, ric_check_char, uscc_check_char
from jointcredit.identifiers.classify import IdentifierType

__all__ = [
    "COMPOUND_SURNAMES",
    "PUBLIC_TYPES",
    "mask_deep",
    "mask_identifier",
    "mask_name",
    "mask_resident_id",
    "mask_text",
]

#: Identifier types of organisations, shown unmasked: those of :class:`IdentifierType` and the
#: certificate numbers of public institutions and social organisations kept by the registry.
PUBLIC_TYPES = frozenset(
    {
        IdentifierType.USCC.value,
        IdentifierType.ORG_CODE.value,
        IdentifierType.REGISTRATION_NUMBER.value,
        "institution-certificate",
        "social-organization-certificate",
    }
)
_TAX_NUMBER = "tax-number"
_RIC_HEAD = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS_15 = re.compile(r"[0-9]{15}")

#: Two-character surnames (复姓) kept whole by :func:`mask_name` when the name is longer than
#: the surname; the common ones from the 百家姓.
# fmt: off
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
        "宇文", "司徒", "夏侯", "轩辕", "令狐", "钟离", "独孤", "南宫", "西门", "百里",
        "呼延", "端木", "澹台", "公冶", "太史", "申屠", "濮阳", "万俟", "闻人", "赫连",
        "司空", "闾丘", "子车", "亓官", "司寇", "巫马", "公西", "颛孙", "壤驷", "公良",
        "漆雕", "乐正", "宰父", "谷梁", "拓跋", "夹谷", "梁丘", "左丘", "东郭", "南门",
        "羊舌", "微生", "第五",
    }
)
# fmt: on

_MASK = "*"
# Separators inside names of several parts (维吾尔族 names: 买买提·艾力) stay visible.
_NAME_SEPARATORS = frozenset("·•． ")
_KEEP_HEAD = 6
_KEEP_TAIL = 4
# Shorter than the 15-digit first-generation number, keeping head and tail would show too much.
_SHORTEST_PARTLY_SHOWN = 15


def mask_resident_id(number: str) -> str:
    """Keep the division code and the last four characters, mask the rest one ``*`` each.

    >>> mask_resident_id('11010519491231002x')
    '110105********002X'
    >>> mask_resident_id('110105491231002')  # first-generation, 15 digits
    '110105*****1002'
    >>> mask_resident_id('1234')
    '****'
    """
    number = compact(number)
    if len(number) < _SHORTEST_PARTLY_SHOWN:
        return _MASK * len(number)
    hidden = len(number) - _KEEP_HEAD - _KEEP_TAIL
    return number[:_KEEP_HEAD] + _MASK * hidden + number[-_KEEP_TAIL:]


def mask_name(name: str) -> str:
    """Keep the surname, mask every other character.

    A two-character name keeps its first character (``张三`` → ``张*``); a longer name starting
    with a compound surname keeps both characters (``欧阳娜娜`` → ``欧阳**``); a one-character
    value is masked entirely.

    >>> mask_name('李小龙'), mask_name('欧阳锋'), mask_name('欧阳'), mask_name('买买提·艾力')
    ('李**', '欧阳*', '欧*', '买**·**')
    >>> mask_name(' 王 '), mask_name('')
    ('*', '')
    """
    name = name.strip()
    if len(name) <= 1:
        return _MASK * len(name)
    keep = 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:keep] + "".join(ch if ch in _NAME_SEPARATORS else _MASK for ch in name[keep:])


def mask_identifier(code: str, type: IdentifierType | str | None) -> str:
    """Mask ``code`` as its ``type`` requires: organisations' identifiers are public.

    ``type`` is an :class:`IdentifierType`, its value, or one of the registry's other identifier
    types. Types in :data:`PUBLIC_TYPES` pass through; a tax registration number too, unless it
    holds a resident identity number (an individual business's often is its owner's, plus up to
    two digits). Everything else — resident identity numbers, other documents (stored as
    ``kind:number``, the kind is kept), unknown types and None — is masked as personal, so that
    nothing unrecognised is shown.

    >>> mask_identifier('60003734-1', 'org-code')
    '60003734-1'
    >>> mask_identifier('440300600037341', 'tax-number')
    '440300600037341'
    >>> mask_identifier('11010519491231002X01', 'tax-number')
    '110105**********2X01'
    >>> mask_identifier('护照:E12345678', 'other-document')
    '护照:*********'
    >>> mask_identifier('not an id 42', None)
    '*********'
    """
    kind = None if type is None else str(type)
    if kind in PUBLIC_TYPES or (kind == _TAX_NUMBER and not _holds_resident_id(code)):
        return code
    label, colon, number = code.partition(":")
    if colon and label and number:
        return f"{label}:{mask_resident_id(number)}"
    return mask_resident_id(code)


def _holds_resident_id(code: str) -> bool:
    number = compact(code)
    if len(number) in (18, 20) and _RIC_HEAD.match(number):
        return ric_check_char(number[:17]) == number[17]
    if len(number) in (15, 17) and _DIGITS_15.match(number):
        # An organisation's is its region and organisation code, whose check must hold.
        return org_check_char(number[6:14]) != number[14]
    return False


# -- resident identity numbers inside free text --------------------------------------------------

# A run of digits (half- or full-width), perhaps ending in the check character X: the only way a
# resident identity number can appear in text. Runs are taken whole, so a number glued to other
# digits (a tax number made of an owner's number and two more digits) is still found.
_DIGIT_RUN = re.compile(r"[0-9\uff10-\uff19]+[Xx\uff38\uff58]?")
_WIDE = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "\uff38": "X", "\uff58": "X", "x": "X"}
)
_SHORTEST_RUN = 15
_USCC_ALPHABET = set("0123456789ABCDEFGHJKLMNPQRTUWXY")


def _plausible_date(year: str, month: str, day: str) -> bool:
    return "01" <= month <= "12" and "01" <= day <= "31" and year.isdigit()


def _shaped_like_resident_id(run: str) -> bool:
    """Whether some window of ``run`` (digits, perhaps a final X) is shaped like a resident
    identity number: 18 characters with a birth date at 7–14, or 15 digits with one at 7–12.

    The check character is deliberately not required: a mistyped number is still a person's.
    """
    for start in range(0, len(run) - 17):
        window = run[start : start + 18]
        if (
            "X" not in window[:17]
            and window[6:8] in ("18", "19", "20")
            and _plausible_date(window[6:10], window[10:12], window[12:14])
        ):
            return True
    digits = run.rstrip("X")
    for start in range(0, len(digits) - 14):
        window = digits[start : start + 15]
        if _plausible_date(window[6:8], window[8:10], window[10:12]):
            return True
    return False


def _organisation_code(run: str) -> bool:
    """An 18-character run that is a valid unified social credit code and not a valid resident
    identity number: an organisation's, public."""
    if len(run) != 18 or not set(run) <= _USCC_ALPHABET:
        return False
    return uscc_check_char(run[:17]) == run[17] and ric_check_char(run[:17]) != run[17]


def _mask_run(match: re.Match[str]) -> str:
    found = match.group(0)
    if len(found) < _SHORTEST_RUN:
        return found
    run = found.translate(_WIDE)
    if not _shaped_like_resident_id(run) or _organisation_code(run):
        return found
    hidden = len(found) - _KEEP_HEAD - _KEEP_TAIL
    return found[:_KEEP_HEAD] + _MASK * hidden + found[-_KEEP_TAIL:]


def mask_text(text: str) -> str:
    """``text`` with every resident identity number in it masked, wherever it stands.

    Any run of 15 or more digits (half- or full-width, perhaps ending in X) that holds a
    window shaped like a resident identity number — 18 characters with a birth date, or the
    first-generation 15 digits with one — keeps its first six and last four characters only.
    A valid unified social credit code that is not also a valid identity number is an
    organisation's and passes. Used on every public output and on every log line.

    >>> mask_text('张三（110105194912310029）持证')
    '张三（110105********0029）持证'
    >>> mask_text('first generation 110105491231002, tax number 11010519491231002X01')
    'first generation 110105*****1002, tax number 110105********002X01'
    >>> mask_text('full-width １１０１０５１９４９１２３１００２Ｘ')
    'full-width １１０１０５********００２Ｘ'
    >>> mask_text('licence 2026000000000012345 and 91110000600037341L stay')
    'licence 2026000000000012345 and 91110000600037341L stay'
    >>> mask_text('/api/v1/check?subject=11010519491231002x&matter=air-travel')
    '/api/v1/check?subject=110105********002x&matter=air-travel'
    """
    if len(text) < _SHORTEST_RUN:
        return text
    return _DIGIT_RUN.sub(_mask_run, text)


_T = TypeVar("_T")


def mask_deep(value: _T, keep: Collection[str] = ()) -> _T:
    """``value`` with :func:`mask_text` applied to every string in it — dict keys and values,
    list and tuple items, at any depth — except the strings in ``keep``: the identifiers of
    organisations that a public answer shows by right and that mask_text could take for a
    person's (a 15-digit registration number with a date-like middle).

    Public outputs pass through it whole at their boundary, so a field added later cannot
    leak a resident identity number that nobody thought to mask.

    >>> mask_deep({'BZ': ['证号 110105194912310029'], 'n': 3, 'reg': '110108491231001'},
    ...           keep={'110108491231001'})
    {'BZ': ['证号 110105********0029'], 'n': 3, 'reg': '110108491231001'}
    """
    return cast(_T, _masked(value, keep))


def _masked(value: Any, keep: Collection[str]) -> Any:
    if isinstance(value, str):
        return value if value in keep else mask_text(value)
    if isinstance(value, dict):
        return {_masked(k, keep): _masked(v, keep) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, keep) for v in value]
    if isinstance(value, tuple):
        return tuple(_masked(v, keep) for v in value)
    return value
