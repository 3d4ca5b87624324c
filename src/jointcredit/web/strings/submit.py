"""Strings of the submit pages (Chinese first, English beside it)."""

ZH: dict[str, str] = {}

EN: dict[str, str] = {}
