"""Strings of the selfservice pages (Chinese first, English beside it)."""

ZH: dict[str, str] = {}

EN: dict[str, str] = {}
