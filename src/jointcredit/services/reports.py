"""Confidential reports (举报, 33号 §13) of suspected grave trust-breaking acts.

Anyone may report an organisation. The reporter's identity and contact are sealed at once with
the report key (AES-256-GCM, a key file of its own, never the database) and bound to the row
they belong to; they are never written to a log or the audit detail. A reviewer of the
competent department may open them, and every opening is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from jointcredit.errors import InvalidInputError, NotFoundError
from jointcredit.identifiers import uscc
from jointcredit.security.sealing import SealingKey
from jointcredit.services import audit
from jointcredit.services.access import Principal, require
from jointcredit.settings import get_settings
from jointcredit.store import reports as store
from jointcredit.store.db import write_transaction


def key_path() -> Path:
    settings = get_settings()
    return settings.report_key_file or settings.keys_dir() / "report-encryption.key"


@cache
def _sealer(path: Path) -> SealingKey:
    return SealingKey.from_file(path)


def sealer() -> SealingKey:
    return _sealer(key_path())


@dataclass(frozen=True, slots=True)
class Reporter:
    name: str | None
    contact: str | None
    id_number: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "contact": self.contact, "id_number": self.id_number}


def _context(report_id: int, department: str, subject: str, received_at: dt.datetime) -> bytes:
    # The row's id makes it this row's alone: two reports on one subject to one department in
    # the same second would otherwise share a context, and their sealed data would swap.
    if received_at.tzinfo is not None:
        received_at = received_at.astimezone(dt.UTC).replace(tzinfo=None)
    return f"report|{report_id}|{department}|{subject}|{received_at.isoformat()}".encode()


def _public(row: Any) -> dict[str, Any]:
    out = dict(row)
    received = out["received_at"]
    if received.tzinfo is None:
        received = received.replace(tzinfo=dt.UTC)
    out["received_at"] = received.isoformat()
    return out


def submit(
    engine: Engine,
    *,
    by: Principal,
    department: str,
    subject: str,
    description: str,
    reporter: Reporter,
    subject_name: str | None = None,
    category: str | None = None,
) -> dict[str, Any]:
    """Record a report for ``department`` (the competent one) about organisation ``subject``."""
    require(by, "report")
    from jointcredit.catalog import load_catalog

    if department not in load_catalog().departments:
        raise InvalidInputError(f"department: {department!r} is not in the catalog")
    try:
        code = uscc.validate(subject)
    except Exception as exc:  # stdnum's ValidationError and its kinds
        raise InvalidInputError(f"subject: {subject!r} is not a valid USCC: {exc}") from exc
    if not description.strip():
        raise InvalidInputError("description: describe the suspected act")
    # Microseconds dropped: the timestamp is part of the sealing context and must read back
    # identically from both databases.
    received = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with write_transaction(engine) as conn:
        report_id = store.add(
            conn,
            {
                "department": department,
                "subject": code,
                "subject_name": subject_name,
                "category": category,
                "description": description,
                "reporter_ciphertext": "",  # sealed below, once the row has its id
                "key_id": sealer().key_id,
                "status": "received",
                "received_at": received,
            },
        )
        context = _context(report_id, department, code, received)
        store.set_reporter_ciphertext(conn, report_id, sealer().seal(reporter.to_dict(), context))
        # Who reported is exactly what must not reach the log: only that a report arrived.
        audit.append(
            conn,
            by,
            "report-submit",
            subject=code,
            record_id=report_id,
            detail={"for_department": department},
        )
        row = store.get(conn, report_id)
    assert row is not None
    return _public(row)


def listed(
    engine: Engine, *, by: Principal, department: str, limit: int, offset: int = 0
) -> list[dict[str, Any]]:
    require(by, "read-reports", department)
    with write_transaction(engine) as conn:
        rows = [
            _public(r) for r in store.page(conn, department=department, limit=limit, offset=offset)
        ]
        audit.append(conn, by, "read-reports", detail={"reports": [r["id"] for r in rows]})
    return rows


def reporter(engine: Engine, report_id: int, *, by: Principal) -> dict[str, Any]:
    """The reporter's identity and contact, for a reviewer of the report's department."""
    require(by, "read-reporter")
    with write_transaction(engine) as conn:
        row = store.sealed_reporter(conn, report_id)
        if row is None:
            raise NotFoundError(f"no report with id {report_id}")
        require(by, "read-reporter", row["department"])
        opened = sealer().open(
            row["reporter_ciphertext"],
            _context(report_id, row["department"], row["subject"], row["received_at"]),
        )
        audit.append(conn, by, "read-reporter", subject=row["subject"], record_id=report_id)
    return {"report": report_id, "reporter": opened}
