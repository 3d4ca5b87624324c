"""(issue 5: to be written)"""

from __future__ import annotations


def worker() -> None:
    """(to be written)"""
