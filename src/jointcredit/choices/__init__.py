"""Every concept's words, defined once (as netbox keeps ``choices.py``).

A :class:`ChoiceSet` names the values a concept may take (a case's statuses, a key's roles, the
kinds of case) with their labels in Chinese and English. The database's CHECK constraints, the
API's enum types, the console's tabs and the pages' labels are all derived from these sets;
nothing else spells the values out.
"""

from __future__ import annotations

from jointcredit.choices.base import Choice, ChoiceSet

__all__ = ["Choice", "ChoiceSet"]
