"""Parsing of cell values: dates, amounts in 万元, value sets. Each parser raises ValueError with
a :class:`~jointcredit.messages.Reason` for the user; the validator adds the row and field."""

from __future__ import annotations

import datetime as dt
import re

from jointcredit.messages.reasons import Reason

_DATE = re.compile(
    r"^(\d{4})(?:[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{2})(\d{2}))"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
EARLIEST = dt.date(1949, 10, 1)

#: Values that mean "no end date" in 有效期至.
OPEN_ENDED = frozenset(
    {"长期", "长期有效", "永久", "永久有效", "无固定期限", "9999-12-31", "99991231"}
)

_AMOUNT = re.compile(r"^(\d+)(?:\.(\d+))?$")

#: The largest amount accepted, in 万元: 10 万亿元 (10^13 yuan, 10^15 fen). The largest fines
#: ever decided in China are in the tens of 亿元 (阿里巴巴 2021: 182.28 亿元), four orders of
#: magnitude below; the bound keeps every amount far inside a BIGINT of fen on both databases
#: (9.2 × 10^18) and exact as a JSON number in any client (2^53 ≈ 9.0 × 10^15).
MAX_WANYUAN = 1_000_000_000


def parse_date(text: str, today: dt.date) -> dt.date:
    """A date as departments write it, checked to lie between 1949-10-01 and ``today``.

    >>> today = dt.date(2026, 11, 27)
    >>> parse_date('2024-03-05', today), parse_date('2024/3/5', today)
    (datetime.date(2024, 3, 5), datetime.date(2024, 3, 5))
    >>> parse_date('2024年3月5日', today), parse_date('20240305', today)
    (datetime.date(2024, 3, 5), datetime.date(2024, 3, 5))
    >>> parse_date('2024-02-30', today)
    Traceback (most recent call last):
    ValueError: '2024-02-30' is not a calendar date
    >>> parse_date('2027-01-01', today)
    Traceback (most recent call last):
    ValueError: 2027-01-01 is in the future
    """
    day = parse_any_date(text)
    if day > today:
        raise ValueError(Reason("date.future", day=day.isoformat()))
    if day < EARLIEST:
        raise ValueError(
            Reason("date.too-early", day=day.isoformat(), earliest=EARLIEST.isoformat())
        )
    return day


def parse_any_date(text: str) -> dt.date:
    """A date in any of the accepted spellings, without a range check."""
    match = _DATE.match(text.strip())
    if not match:
        raise ValueError(Reason("date.not-a-date", text=text))
    year, month, day, month2, day2 = match.groups()
    try:
        return dt.date(int(year), int(month or month2), int(day or day2))
    except ValueError:
        raise ValueError(Reason("date.not-calendar", text=text)) from None


def parse_fen(text: str) -> int:
    """An amount in 万元 with up to six decimals, as an exact number of fen (0.01 CNY).

    >>> parse_fen('12.5'), parse_fen('0.000001'), parse_fen(' 1000 ')
    (12500000, 1, 1000000000)

    Separators are refused: "1,000" may be a thousand or a mistyped decimal comma.

    >>> parse_fen('1,000')
    Traceback (most recent call last):
    ValueError: '1,000' is not a number (write digits and a decimal point, no separators)
    >>> parse_fen('-3')
    Traceback (most recent call last):
    ValueError: '-3' is negative
    >>> parse_fen('三万')
    Traceback (most recent call last):
    ValueError: '三万' is not a number
    >>> parse_fen('0.1234567')
    Traceback (most recent call last):
    ValueError: '0.1234567' has more than 6 decimal places (万元 to the fen)
    >>> parse_fen('100000000000000')
    Traceback (most recent call last):
    ValueError: '100000000000000' is more than the limit of 1000000000 万元 (10 万亿元)
    """
    cleaned = text.strip()
    match = _AMOUNT.match(cleaned)
    if not match:
        if cleaned.startswith("-") and _AMOUNT.match(cleaned[1:]):
            raise ValueError(Reason("amount.negative", text=text))
        if _AMOUNT.match(cleaned.replace(",", "").replace("，", "")):
            raise ValueError(Reason("amount.separators", text=text))
        raise ValueError(Reason("amount.not-number", text=text))
    whole, frac = match.groups()
    # Compared as text first: int() of thousands of digits is slow (and Python refuses it).
    if (
        len(whole.lstrip("0")) > len(str(MAX_WANYUAN))
        or int(whole) > MAX_WANYUAN
        or (int(whole) == MAX_WANYUAN and (frac or "").strip("0"))
    ):
        raise ValueError(Reason("amount.too-large", text=text, limit=MAX_WANYUAN))
    frac = frac or ""
    if len(frac) > 6:
        if frac[6:].strip("0"):
            raise ValueError(Reason("amount.decimals", text=text))
        frac = frac[:6]
    return int(whole) * 1_000_000 + int(frac.ljust(6, "0"))


def split_categories(text: str) -> list[str]:
    """处罚类别 may list several categories.

    >>> split_categories('罚款;没收违法所得、 警告')
    ['罚款', '没收违法所得', '警告']
    """
    return [part.strip() for part in re.split(r"[;；,，、/]", text) if part.strip()]
