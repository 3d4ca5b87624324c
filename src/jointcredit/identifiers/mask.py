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
"""

from __future__ import annotations

import re

from jointcredit.identifiers._common import compact
from jointcredit.identifiers.checks import org_check_char, ric_check_char
from jointcredit.identifiers.classify import IdentifierType

__all__ = [
    "COMPOUND_SURNAMES",
    "PUBLIC_TYPES",
    "mask_identifier",
    "mask_name",
    "mask_resident_id",
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
