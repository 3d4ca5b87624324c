"""Synthetic double-publicity data for demos, tests and benchmarks.

Marker of synthetic subjects: the organisation code embedded in every synthetic USCC
(positions 9–17) starts with **"JC"**, followed by six characters and the code's own
GB 11714 check character, so every check passes while no synthetic organisation can be
mistaken for a real one (real organisation codes are assigned by the code authority and do
not carry the marker; ``JCG…`` is reserved for the synthetic authorities). The same code is
written, where old records carry one, as the 9-character organisation code. Resident identity
numbers are drawn at random over real county codes with valid birth dates and check
characters; names come from small tables (:mod:`jointcredit.synth.names`), so any likeness
to a real person or organisation is chance, and a name never comes with its real identifier.

Typical use::

    from datetime import date
    from jointcredit import synth

    gen = synth.Generator(seed=7, today=date(2025, 6, 30), subjects=1000)
    synth.write_rows("licensing.csv", gen.licensing_rows(2000), synth.LICENSING_FIELDS)
    plan = gen.plan_bad_rows(1000, 10)
    synth.write_rows("penalties.jsonl", gen.penalty_rows(1000, plan), synth.PENALTY_FIELDS,
                     fmt="jsonl")
"""

from jointcredit.synth.records import (
    BAD_KINDS,
    LICENSING_FIELDS,
    PENALTY_FIELDS,
    Authority,
    BadRow,
    Generator,
)
from jointcredit.synth.subjects import MARKER, Person, Subject
from jointcredit.synth.writers import ENCODINGS, FORMATS, write_rows

__all__ = [
    "BAD_KINDS",
    "ENCODINGS",
    "FORMATS",
    "LICENSING_FIELDS",
    "MARKER",
    "PENALTY_FIELDS",
    "Authority",
    "BadRow",
    "Generator",
    "Person",
    "Subject",
    "write_rows",
]
