"""Synthetic red- and black-list entries over the generator's subjects, for demos and benchmarks.

Entries name real catalog list types and departments but only synthetic subjects (organisation
codes marked ``JC``), so no real organisation or person is ever shown as trust-breaking.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from jointcredit.identifiers import divisions
from jointcredit.synth import catalog as kinds
from jointcredit.synth.records import Generator

#: (list type, listing department, legal basis, share of entries).
_LISTS = (
    (
        "judgment-defaulters",
        "SPC",
        "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        0.55,
    ),
    (
        "consumption-restricted",
        "SPC",
        "《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条",
        0.15,
    ),
    ("major-tax-violation-parties", "SAT", "《重大税收违法失信主体信息公布管理办法》第六条", 0.15),
    ("a-grade-taxpayers", "SAT", "《纳税信用管理办法（试行）》第二十条", 0.15),
)


def list_entry_rows(gen: Generator, n: int, *, seed: int = 0) -> Iterator[dict[str, Any]]:
    """``n`` list entries (JSON-ready dicts) for organisations of ``gen`` and their legal
    representatives; natural persons are listed only on lists that take them."""
    rng = random.Random(f"{seed}/entries")
    subjects = [s for s in gen.subjects() if s.kind != kinds.SHOP]
    weights = [share for *_, share in _LISTS]
    today = gen.today
    for serial in range(1, n + 1):
        list_type, department, basis, _ = rng.choices(_LISTS, weights)[0]
        subject = rng.choice(subjects)
        if subject.kind == kinds.PERSON and list_type == "a-grade-taxpayers":
            subject = next(s for s in subjects if s.kind == kinds.ORG)
        decided = today - timedelta(days=rng.randint(0, 3 * 365))
        entry: dict[str, Any] = {
            "list_type": list_type,
            "subject": _subject(subject),
            "persons": [],
            "document_number": f"（{decided.year}）{subject.county.doc_prefix}执{serial:06d}号"
            if department == "SPC"
            else f"{subject.county.doc_prefix}税稽〔{decided.year}〕{serial:06d}号",
            "decided_on": decided.isoformat(),
            "department": department,
            "legal_basis": basis,
        }
        if subject.kind == kinds.ORG and list_type != "a-grade-taxpayers":
            entry["persons"] = [
                {
                    "role": "legal-representative",
                    "name": subject.person.name,
                    "id_number": subject.person.ric,
                }
            ]
        if rng.random() < 0.1:
            entry["valid_until"] = (decided + timedelta(days=rng.randint(30, 400))).isoformat()
        yield entry


def regional_entry_rows(
    gen: Generator,
    n: int,
    *,
    list_type: str,
    department: str,
    legal_basis: str,
    region: str,
    seed: int = 0,
) -> Iterator[dict[str, Any]]:
    """Up to ``n`` entries on a regional red list (``list_type``, decided by ``department``) for
    distinct organisations of ``gen`` registered inside ``region``, all in force on
    ``gen.today``; fewer when the region holds fewer organisations. The random stream is its
    own, so :func:`list_entry_rows` of a seed is unchanged by them."""
    rng = random.Random(f"{seed}/entries/{list_type}")
    local = [
        s for s in gen.subjects() if s.kind == kinds.ORG and divisions.within(s.county.code, region)
    ]
    today = gen.today
    for serial, subject in enumerate(rng.sample(local, min(n, len(local))), start=1):
        # Within the last two years: the list types' default period (three) keeps them in force.
        decided = today - timedelta(days=rng.randint(0, 2 * 365))
        yield {
            "list_type": list_type,
            "subject": _subject(subject),
            "persons": [],
            "document_number": f"{subject.county.doc_prefix}信激〔{decided.year}〕{serial:04d}号",
            "decided_on": decided.isoformat(),
            "department": department,
            "legal_basis": legal_basis,
        }


def _subject(subject: Any) -> dict[str, str]:
    if subject.kind == kinds.PERSON:
        return {"name": subject.name, "kind": "natural-person", "id_number": subject.person.ric}
    return {"name": subject.name, "kind": "legal-person", "uscc": subject.uscc}


__all__ = ["list_entry_rows", "regional_entry_rows"]
