"""USCC (Unified Social Credit Code, 统一社会信用代码, GB 32100-2015).

Eighteen characters from the 31-symbol alphabet ``0123456789ABCDEFGHJKLMNPQRTUWXY``:

* position 1: registration department (登记管理部门), e.g. 9 工商,
* position 2: subject category (机构类别), e.g. 1 企业 under department 9,
* positions 3–8: division code of the registering office (GB/T 2260),
* positions 9–17: organisation code (GB 11714), with its own check character at 17,
* position 18: check character over positions 1–17.

Only the length, the alphabet and the check character can make a code invalid. Departments,
categories and regions have been added since 2015 and offices keep division codes long after the
division was merged away, and about 1 in 14,000 real codes carries an organisation code that
fails its own check: all of these are reported as warnings.

Unlike ``stdnum.cn.uscc``, letters in the first eight positions are accepted: departments A, N
and Y exist.

>>> validate('91110000600037341L')
'91110000600037341L'
>>> validate('9111 0000-6000 3734 1l')
'91110000600037341L'
>>> validate('Y1110000600037341Y')
'Y1110000600037341Y'
>>> validate('91110000600037341A')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidChecksum: check character is 'A', expected 'L'
>>> validate('9111000060003734IL')  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidFormat: character 'I' at position 17 is not a USCC character (...)
>>> validate('9111000060003734')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidLength: a USCC has 18 characters, got 16
>>> code, warnings = validate_with_warnings('B9999999600037341U')
>>> for warning in warnings:
...     print(warning)
registration department 'B' (position 1) is not a known department
region 999999 (positions 3–8) is not a known division code
>>> department_name('91110000600037341L'), category_name('91110000600037341L')
('工商', '企业')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from jointcredit.identifiers import divisions
from jointcredit.identifiers._common import bad_character
from jointcredit.identifiers._common import compact as _compact
from jointcredit.identifiers.checkchars import USCC_ALPHABET, org_check_char, uscc_check_char
from jointcredit.messages.reasons import Reason

__all__ = [
    "CATEGORIES",
    "DEPARTMENTS",
    "category_name",
    "compact",
    "department_name",
    "format",
    "is_valid",
    "organisation_code",
    "region",
    "validate",
    "validate_with_warnings",
    "warnings_for",
]

#: Registration departments (登记管理部门代码, position 1).
DEPARTMENTS: Mapping[str, str] = MappingProxyType(
    {
        "1": "机构编制",
        "2": "外交",
        "3": "司法行政",
        "4": "文化",
        "5": "民政",
        "6": "旅游",
        "7": "宗教",
        "8": "工会",
        "9": "工商",
        "A": "中央军委改革和编制办公室",
        "N": "农业",
        "Y": "其他",
    }
)

#: Subject categories (机构类别代码), keyed by positions 1–2 since a category only means
#: something under its department.
CATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        "11": "机关",
        "12": "事业单位",
        "13": "群众团体",
        "19": "其他",
        "21": "外国常驻新闻机构",
        "29": "其他",
        "31": "律师执业机构",
        "32": "公证处",
        "33": "基层法律服务所",
        "34": "司法鉴定机构",
        "35": "仲裁委员会",
        "39": "其他",
        "41": "外国在华文化中心",
        "49": "其他",
        "51": "社会团体",
        "52": "民办非企业单位",
        "53": "基金会",
        "59": "其他",
        "61": "外国旅游部门常驻代表机构",
        "62": "港澳台地区旅游部门常驻内地（大陆）代表机构",
        "69": "其他",
        "71": "宗教活动场所",
        "72": "宗教院校",
        "79": "其他",
        "81": "工会",
        "89": "其他",
        "91": "企业",
        "92": "个体工商户",
        "93": "农民专业合作社",
        "A1": "军队事业单位",
        "A9": "其他",
        "N1": "组级集体经济组织",
        "N2": "村级集体经济组织",
        "N3": "乡镇级集体经济组织",
        "N9": "其他",
        "Y1": "其他",
    }
)

_PATTERN = re.compile(f"[{USCC_ALPHABET}]{{18}}")
_ALPHABET = frozenset(USCC_ALPHABET)


def compact(number: str) -> str:
    """Canonical form: full-width to half-width, separators dropped, upper case.

    >>> compact('９１１１００００６０００３７３４１ｌ')
    '91110000600037341L'
    """
    return _compact(number)


def validate(number: str) -> str:
    """Return the canonical form of ``number`` or raise a :class:`ValidationError` subclass.

    Checks length, alphabet and check character; nothing else can reject a code.
    """
    number = _compact(number)
    if _PATTERN.fullmatch(number) is None:
        if len(number) != 18:
            raise InvalidLength(Reason("uscc.length", got=len(number)))
        raise InvalidFormat(Reason("uscc.character", **bad_character(number, _ALPHABET)))
    expected = uscc_check_char(number[:17])
    if number[17] != expected:
        raise InvalidChecksum(Reason("uscc.checksum", got=number[17], expected=expected))
    return number


def warnings_for(number: str) -> tuple[str, ...]:
    """Warnings about a code that :func:`validate` accepts: parts unknown or inconsistent.

    >>> warnings_for('91440101600037341Q')
    ()
    >>> print(*warnings_for('911100006000373X1E'))  # doctest: +ELLIPSIS
    organisation code 6000373X1 (positions 9–17) fails its own check: check character is '1', ...
    """
    number = _compact(number)
    found: list[str] = []
    department = number[0]
    if department not in DEPARTMENTS:
        found.append(Reason("uscc.unknown-department", department=department))
    elif number[:2] not in CATEGORIES:
        found.append(
            Reason(
                "uscc.unknown-category",
                category=number[1],
                department=department,
                department_name=DEPARTMENTS[department],
            )
        )
    if not divisions.is_known(number[2:8]):
        found.append(Reason("uscc.unknown-region", region=number[2:8]))
    expected = org_check_char(number[8:16])
    if number[16] != expected:
        found.append(
            Reason("uscc.orgcode-checksum", orgcode=number[8:17], got=number[16], expected=expected)
        )
    return tuple(found)


def validate_with_warnings(number: str) -> tuple[str, tuple[str, ...]]:
    """:func:`validate`, then :func:`warnings_for`: the canonical form and its warnings."""
    number = validate(number)
    return number, warnings_for(number)


def is_valid(number: str) -> bool:
    """Whether ``number`` is a valid USCC (warnings do not count against it).

    >>> is_valid('A1110000600037341K'), is_valid('A1110000600037341L')
    (True, False)
    """
    try:
        validate(number)
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """Presentation form: a USCC is written as one block of 18 characters."""
    return _compact(number)


def department_name(number: str) -> str | None:
    """Name of the registration department of ``number``, None when unknown."""
    return DEPARTMENTS.get(_compact(number)[:1])


def category_name(number: str) -> str | None:
    """Name of the subject category of ``number``, None when unknown."""
    return CATEGORIES.get(_compact(number)[:2])


def region(number: str) -> str:
    """Division code of the registering office (positions 3–8).

    >>> region('91110000600037341L')
    '110000'
    """
    return _compact(number)[2:8]


def organisation_code(number: str) -> str:
    """The embedded organisation code (positions 9–17).

    >>> organisation_code('91110000600037341L')
    '600037341'
    """
    return _compact(number)[8:17]
