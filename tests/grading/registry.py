"""A generated registry for grading tests: organisations with records of every kind, status and
age, written straight into the tables (as an import would leave them), and each organisation's
expected score and grade under the default scorecard worked out here independently of
``jointcredit.grading`` — by counting, with ages chosen well inside or outside every window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Engine, insert

from jointcredit.store.db import write_transaction
from jointcredit.store.tables import credit_records, record_history, subject_identifiers, subjects

DAY = dt.date(2026, 11, 27)
#: Ages in days: 30 and 300 are inside every window (12, 24, 36 months), 500 only inside the
#: 24- and 36-month ones, 900 only inside the 36-month one, 1300 outside all.
AGES = (30, 300, 500, 900, 1300)
STATUSES = ("active", "active", "active", "disputed", "repaired", "withdrawn", "revoked")

#: The default scorecard, restated: kind → (points, cap, window in days or None).
PENALTY = {"severe": (-15, 45, 1095), "general": (-5, 20, 730), "minor": (-2, 6, 365)}
OTHER = {
    "black-list": (-40, 80, None),
    "red-list": (5, 10, None),
    "licensing": (1, 5, 1095),
    "commitment": (2, 6, 1095),
}


def uscc_like(n: int) -> str:
    return f"91110000JC{n:08d}"


@dataclass
class Org:
    serial: int
    identifier: str
    records: list[dict[str, object]] = field(default_factory=list)

    def expected(self) -> tuple[Decimal, str]:
        """Score and grade by the default scorecard, counted by hand."""
        total = Decimal(80)
        tally: dict[str, int] = {}
        for r in self.records:
            decided = r["decision_date"]
            assert isinstance(decided, dt.date)
            age = (DAY - decided).days
            if r["status"] != "active":
                continue
            until = r["valid_until"]
            if isinstance(until, dt.date) and until < DAY:
                continue
            kind = str(r["kind"])
            if kind == "penalty":
                key = f"penalty-{r['severity']}"
                window = PENALTY[str(r["severity"])][2]
            else:
                key = kind
                window = OTHER[kind][2]
            if window is not None and age >= window:
                continue
            tally[key] = tally.get(key, 0) + 1
        for key, n in tally.items():
            points, cap, _ = (
                PENALTY[key.removeprefix("penalty-")] if key.startswith("penalty-") else OTHER[key]
            )
            raw = points * n
            total += max(-cap, min(cap, raw))
        score = max(Decimal(0), min(Decimal(100), total))
        grade = "A" if score >= 90 else "B" if score >= 70 else "C" if score >= 40 else "D"
        return score, grade


def _record(rng: random.Random, kind: str) -> dict[str, object]:
    decided = DAY - dt.timedelta(days=rng.choice(AGES))
    valid_until = None
    if kind in ("black-list", "red-list"):
        valid_until = rng.choice((None, DAY - dt.timedelta(days=10), DAY + dt.timedelta(days=400)))
    return {
        "kind": kind,
        "decision_date": decided,
        "valid_until": valid_until,
        "severity": rng.choice(("minor", "general", "severe")) if kind == "penalty" else None,
        "status": rng.choice(STATUSES),
        "list_type": "judgment-defaulters"
        if kind == "black-list"
        else "a-grade-taxpayers"
        if kind == "red-list"
        else None,
    }


def generate(count: int, seed: int = 7) -> list[Org]:
    rng = random.Random(seed)
    orgs = []
    for n in range(1, count + 1):
        org = Org(n, uscc_like(n))
        for kind, most in (
            ("penalty", 5),
            ("black-list", 2),
            ("red-list", 3),
            ("licensing", 7),
            ("commitment", 4),
        ):
            for _ in range(rng.randint(0, most)):
                org.records.append(_record(rng, kind))
        orgs.append(org)
    return orgs


def write(engine: Engine, orgs: list[Org], first_id: int = 1) -> dict[str, int]:
    """Insert the organisations and their records; returns identifier → subject id."""
    # Recorded on the grading day, as if imported then: no status changes after it.
    now = dt.datetime.combine(DAY, dt.time(4, 0), tzinfo=dt.UTC)
    ids: dict[str, int] = {}
    with write_transaction(engine) as conn:
        for org in orgs:
            sid = int(
                conn.execute(
                    insert(subjects).values(
                        kind="legal-person",
                        name=f"评级测试{org.serial}有限公司",
                        identifier=org.identifier,
                        identifier_type="uscc",
                        created_at=now,
                        updated_at=now,
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            )
            ids[org.identifier] = sid
            conn.execute(
                insert(subject_identifiers).values(
                    subject_id=sid, type="uscc", value=org.identifier, recorded_at=now
                )
            )
            for k, r in enumerate(org.records):
                doc = f"评测〔{org.serial}〕{k}号"
                key = hashlib.md5(f"{org.identifier}/{doc}".encode()).hexdigest()
                rid = int(
                    conn.execute(
                        insert(credit_records).values(
                            kind=r["kind"],
                            subject_id=sid,
                            natural_key=key,
                            issuing_authority="测试局",
                            list_type=r["list_type"],
                            source_system="test",
                            document_number=doc,
                            decision_date=r["decision_date"],
                            severity=r["severity"],
                            valid_until=r["valid_until"],
                            status=r["status"],
                            version=1,
                            content_hash=key,
                            recorded_at=now,
                            updated_at=now,
                        )
                    ).inserted_primary_key[0]  # type: ignore[index]
                )
                r["id"] = rid
                conn.execute(
                    insert(record_history).values(
                        record_id=rid,
                        version=1,
                        event="created",
                        status=r["status"],
                        content_hash=key,
                        payload={},
                        actor="test",
                        recorded_at=now,
                    )
                )
    return ids
