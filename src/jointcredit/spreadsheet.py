"""Cells of the CSV files the platform writes for people to open in spreadsheet programs (the
portal's lists, the rejects file of an import)."""

from __future__ import annotations

#: What a spreadsheet program reads as the start of a formula (or, for tab and CR, what it
#: drops before it reads one): such a cell would run when the file is opened (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """``text`` as a cell that a spreadsheet shows and never runs: a leading apostrophe, which
    spreadsheets read as "this is text", before anything that could start a formula.

    >>> safe_cell("=HYPERLINK(\\"http://x\\")"), safe_cell("-13.69"), safe_cell("测试")
    ('\\'=HYPERLINK("http://x")', "'-13.69", '测试')
    """
    return "'" + text if text[:1] in FORMULA_STARTS else text


__all__ = ["FORMULA_STARTS", "safe_cell"]
