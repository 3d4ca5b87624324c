"""Confidential reports (举报, 33号 §13) of suspected grave trust-breaking acts.

Anyone may report an organisation. The reporter's identity and contact are sealed at once to the
competent department's own key pair (X25519, :mod:`jointcredit.security.department_keys`),
bound to the row they belong to; they are never written to a log or the audit detail. Opening
one needs a reviewer of that department *and* the department's passphrase, which unlocks its
private key for that one opening and is never stored, logged or audited. Every opening, and
every refused attempt, is audited; the department's supervisors list them (:func:`openings`).

A department that has no key yet gets its reports sealed under the platform's report key (a key
file, as before departments had keys) until ``jointcredit reports department-key init``
creates its key pair and re-seals them. Reports under the platform key are not opened at all:
whoever holds that file (the operator) must not be a way in.

A report is a case (``workflows/tipoff.py``, docs/tipoffs.md): received, assigned to one of the
department's staff, investigated and closed as substantiated, unsubstantiated or referred, within
``JOINTCREDIT_TIPOFF_DAYS`` working days of its receipt. The reporter follows it with the receipt
code the submission answered with (:func:`follow`): only the code's SHA-256 is kept.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping

from jointcredit import clock
from jointcredit.access import PUBLIC, Principal, allowed, require
from jointcredit.catalog import load_catalog
from jointcredit.choices import ChoiceSet
from jointcredit.choices.cases import TIPOFF_OUTCOMES, TIPOFF_STATUSES
from jointcredit.clock import utc
from jointcredit.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PassphraseRefusedError,
)
from jointcredit.identifiers import uscc
from jointcredit.security import department_keys as pairs
from jointcredit.security.sealing import SealingKey
from jointcredit.services import audit, casework
from jointcredit.services.casework import (
    deadline_fields,
    due_from,
    record_event,
    required_text,
    text,
)
from jointcredit.settings import get_settings
from jointcredit.store import audit as audit_store
from jointcredit.store import cases as store_cases
from jointcredit.store import department_keys as key_store
from jointcredit.store import staff as staff_store
from jointcredit.store import tipoffs as store
from jointcredit.store.db import write_transaction
from jointcredit.workflows.tipoff import KIND, MACHINE, RECEIVED

#: The header that carries a department's passphrase to the reporter-opening route.
PASSPHRASE_HEADER = "X-Department-Passphrase"
#: The most a handler's name may hold (the column's width).
HANDLER_MAX = 200
REFERRED = TIPOFF_OUTCOMES["referred"].value
NO_SUCH_RECEIPT = "no report with this receipt code"


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


def _received(row: Mapping[Any, Any]) -> str:
    received: dt.datetime = row["received_at"]
    if received.tzinfo is None:
        received = received.replace(tzinfo=dt.UTC)
    return received.isoformat()


def view(row: Mapping[Any, Any], today: dt.date, **extra: Any) -> dict[str, Any]:
    """A report as the API, the console and the CLI show it to its department (never the
    reporter, never the receipt code)."""
    return {
        "id": row["id"],
        "department": row["department"],
        "subject": row["subject"],
        "subject_name": row["subject_name"],
        "category": row["category"],
        "description": row["description"],
        "status": row["status"],
        "handler": row["handler"],
        "outcome": row["outcome"],
        "referred_to": row["referred_to"],
        "received_at": _received(row),
        "closed_at": text(row["closed_at"]),
        "updated_at": text(row["updated_at"]),
        **deadline_fields(row, today, KIND),
        **extra,
    }


# -- the receipt code ---------------------------------------------------------------------------

#: Base32 characters of a receipt code (80 random bits), shown in groups of four.
RECEIPT_LENGTH = 16
_RECEIPT_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def _new_receipt() -> str:
    code = base64.b32encode(secrets.token_bytes(10)).decode("ascii")
    return "-".join(code[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def _normalised(receipt: str) -> str | None:
    """The code as it is hashed: upper case, without spaces and dashes; None if it cannot be
    a receipt code at all."""
    code = "".join(receipt.split()).replace("-", "").upper()
    if len(code) != RECEIPT_LENGTH or not set(code) <= _RECEIPT_ALPHABET:
        return None
    return code


def receipt_digest(receipt: str) -> str | None:
    """SHA-256 (hex) of the normalised receipt code, as the report's row keeps it."""
    code = _normalised(receipt)
    return None if code is None else hashlib.sha256(code.encode("ascii")).hexdigest()


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
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Record a report for ``department`` (the competent one) about organisation ``subject``.

    The answer holds the report's ``receipt`` code, shown this once: the reporter follows the
    report with it (:func:`follow`); only its digest is kept."""
    require(by, "report")
    _check_department(department)
    try:
        code = uscc.validate(subject)
    except Exception as exc:  # stdnum's ValidationError and its kinds
        raise InvalidInputError(f"subject: {subject!r} is not a valid USCC: {exc}") from exc
    if not description.strip():
        raise InvalidInputError("description: describe the suspected act")
    # Microseconds dropped: the timestamp is part of the sealing context and must read back
    # identically from both databases.
    received = (now or clock.now()).astimezone(dt.UTC).replace(microsecond=0)
    today = clock.china_day(received)
    deadline = due_from(KIND, RECEIVED, today)
    assert deadline is not None
    receipt = _new_receipt()
    with write_transaction(engine) as conn:
        key_store.lock(conn, department)
        key = key_store.active(conn, department)
        report_id = store.add(
            conn,
            {
                "department": department,
                "subject": code,
                "subject_name": subject_name,
                "category": category,
                "description": description,
                "reporter_ciphertext": "",  # sealed below, once the row has its id
                "key_id": key["key_id"] if key else sealer().key_id,
                "status": MACHINE.initial,
                "received_at": received,
                "due": deadline.day,
                "due_estimated": deadline.estimated,
                "updated_at": received,
                "receipt_digest": receipt_digest(receipt),
            },
        )
        context = _context(report_id, department, code, received)
        if key is not None:
            sealed = pairs.seal(key["public_key"], reporter.to_dict(), context)
        else:
            sealed = sealer().seal(reporter.to_dict(), context)
        store.set_reporter_ciphertext(conn, report_id, sealed)
        record_event(
            conn,
            KIND,
            report_id,
            "receive",
            by,
            before=None,
            after=RECEIVED,
            note=None,
            now=received,
        )
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
    return {**view(row, today), "receipt": receipt}


def _may_read(conn: Connection, by: Principal, row: Mapping[Any, Any]) -> None:
    """A reviewer of the report's department (the operator: any report)."""
    require(by, KIND.read, row["department"])


QUEUE = casework.Queue(KIND, view, _may_read, plural="reports", missing="report")
listed = QUEUE.listed
shown = QUEUE.shown
note = QUEUE.note


# -- the steps ------------------------------------------------------------------------------------


def _step(
    engine: Engine,
    report_id: int,
    action: str,
    *,
    by: Principal,
    note: str | None,
    now: dt.datetime | None,
    check: Callable[[Connection, Mapping[Any, Any]], dict[str, Any]] | None = None,
    audited: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Take ``action`` on the report: permission, transition, the row's change (what ``check``
    returns, having refused what is wrong), the history row and the audit row, in one
    transaction."""
    require(by, KIND.handler)
    now = now or clock.now()
    with write_transaction(engine) as conn:
        row = QUEUE.load(conn, report_id)
        require(by, KIND.handler, row["department"])
        after = MACHINE.step(f"report {report_id}", row["status"], action)
        values = check(conn, row) if check is not None else {}
        store_cases.change(conn, KIND.name, report_id, status=after, updated_at=now, **values)
        record_event(
            conn, KIND, report_id, action, by, before=row["status"], after=after, note=note, now=now
        )
        audit.append(
            conn,
            by,
            f"report-{action}",
            subject=row["subject"],
            record_id=report_id,
            detail={"report": report_id, "status": after, **(audited or {})},
        )
        done = QUEUE.viewed(conn, report_id, now)
    return done


def _optional_note(note: str | None) -> str | None:
    cleaned = (note or "").strip()
    if not cleaned:
        return None
    return required_text(cleaned, "note", "")


def _handlers(conn: Connection, department: str) -> list[RowMapping]:
    """The department's active console accounts whose role handles reports, by username."""
    return sorted(
        (
            a
            for a in staff_store.listed(conn, department)
            if a["active"] and allowed(Principal(a["role"], department), KIND.handler)
        ),
        key=lambda a: a["username"],
    )


def handlers(engine: Engine, *, by: Principal) -> list[dict[str, Any]]:
    """Whom ``by``'s department may assign its reports to (username and display name): the
    rule :func:`assign` checks, offered before it is checked."""
    require(by, KIND.handler)
    if by.department is None:
        return []
    with engine.connect() as conn:
        found = _handlers(conn, by.department)
    return [{"username": a["username"], "display_name": a["display_name"]} for a in found]


def assign(
    engine: Engine,
    report_id: int,
    *,
    handler: str,
    by: Principal,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Give the report to ``handler``, one of its department's staff (again, to someone else,
    while it is not yet under investigation). Where the department has console accounts the
    handler is one of their usernames."""
    name = (handler or "").strip()
    if not name:
        raise InvalidInputError("handler: name the staff member who handles the report")
    if len(name) > HANDLER_MAX:
        raise InvalidInputError(f"handler: at most {HANDLER_MAX} characters")

    def check(conn: Connection, row: Mapping[Any, Any]) -> dict[str, Any]:
        department = row["department"]
        if staff_store.listed(conn, department):
            usernames = [a["username"] for a in _handlers(conn, department)]
            if name not in usernames:
                raise InvalidInputError(
                    f"handler: {name!r} is not an active staff account of department "
                    f"{department} that handles reports (its accounts that do: "
                    f"{', '.join(usernames) or 'none'})"
                )
        return {"handler": name}

    return _step(
        engine,
        report_id,
        "assign",
        by=by,
        note=_optional_note(note),
        now=now,
        check=check,
        audited={"handler": name},
    )


def investigate(
    engine: Engine,
    report_id: int,
    *,
    by: Principal,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Start investigating an assigned report (调查核实)."""
    return _step(engine, report_id, "investigate", by=by, note=_optional_note(note), now=now)


def close(
    engine: Engine,
    report_id: int,
    *,
    outcome: str,
    note: str,
    referred_to: str | None = None,
    by: Principal,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Close the report (from any open status) as substantiated, unsubstantiated or referred
    to ``referred_to``, the catalog department competent for it; the note says why."""
    if outcome not in TIPOFF_OUTCOMES:
        raise InvalidInputError(
            f"outcome: {outcome!r} is not one of {', '.join(TIPOFF_OUTCOMES.values)}"
        )
    note = required_text(note, "note", "say how the report was handled and why it is closed")
    target = (referred_to or "").strip() or None
    if outcome == REFERRED and target is None:
        raise InvalidInputError("referred_to: name the catalog department the report goes to")
    if outcome != REFERRED and target is not None:
        raise InvalidInputError(
            f"referred_to: only a report closed as {REFERRED} names a department"
        )
    moment = now or clock.now()

    def check(conn: Connection, row: Mapping[Any, Any]) -> dict[str, Any]:
        if target is not None:
            if target not in load_catalog().departments:
                raise InvalidInputError(f"referred_to: {target!r} is not in the catalog")
            if target == row["department"]:
                raise InvalidInputError(
                    f"referred_to: report {row['id']} is department {target}'s own; "
                    "refer it to another department"
                )
        return {"outcome": outcome, "referred_to": target, "closed_at": moment}

    return _step(engine, report_id, "close", by=by, note=note, now=moment, check=check)


# -- the reporter follows the report ----------------------------------------------------------


def follow(engine: Engine, receipt: str) -> dict[str, Any]:
    """What the reporter sees with the receipt code: where the report stands and how it ended,
    in the public words; nothing of its content or of who handles it. Audited (the report's id
    only)."""
    digest = receipt_digest(receipt)
    if digest is None:
        raise NotFoundError(NO_SUCH_RECEIPT)
    with write_transaction(engine) as conn:
        row = store.by_receipt(conn, digest)
        if row is None:
            raise NotFoundError(NO_SUCH_RECEIPT)
        audit.append(conn, PUBLIC, "follow-report", detail={"report": row["id"]})
    outcome = row["outcome"]
    return {
        "received_at": _received(row),
        "status": row["status"],
        "status_label": _public_label(TIPOFF_STATUSES, row["status"]),
        "outcome": outcome,
        "outcome_label": None if outcome is None else _public_label(TIPOFF_OUTCOMES, outcome),
        "referred_to": row["referred_to"],
        "due": row["due"].isoformat(),
        "closed_at": text(row["closed_at"]),
    }


def _public_label(choices: ChoiceSet, value: str) -> dict[str, str]:
    return {lang: choices.label(value, lang, public=True) for lang in ("zh", "en")}


def reporter(
    engine: Engine, report_id: int, *, by: Principal, passphrase: str | None
) -> dict[str, Any]:
    """The reporter's identity and contact, for a reviewer of the report's department who
    gives the department's passphrase. A refusal for the passphrase (missing, wrong) or for a
    department without a key is audited (``read-reporter-refused``) and then raised."""
    require(by, "read-reporter")
    with engine.connect() as conn:
        row = store.sealed_reporter(conn, report_id)
        if row is None:
            raise NotFoundError(f"no report with id {report_id}")
        require(by, "read-reporter", row["department"])
        key = key_store.by_key_id(conn, row["key_id"])
    department = row["department"]
    refused: tuple[str, Exception] | None = None
    private = None
    if key is None or key["retired_at"] is not None:
        refused = (
            "no-department-key",
            ConflictError(
                f"report {report_id} is not sealed to department {department}'s own key: "
                "reporters open only once the department has created its key pair "
                "(`jointcredit reports department-key init`), which re-seals them"
            ),
        )
    elif not passphrase:
        refused = (
            "no-passphrase",
            PassphraseRefusedError(
                f"opening a reporter needs department {department}'s passphrase "
                f"(header {PASSPHRASE_HEADER})"
            ),
        )
    else:
        try:
            private = pairs.unlock(
                key["private_sealed"], passphrase, department=department, key_id=key["key_id"]
            )
        except pairs.WrongPassphrase:
            refused = (
                "wrong-passphrase",
                PassphraseRefusedError(
                    f"the passphrase does not open department {department}'s reporter key"
                ),
            )
    if refused is not None:
        why, error = refused
        with write_transaction(engine) as conn:
            audit.append(
                conn,
                by,
                "read-reporter-refused",
                subject=row["subject"],
                record_id=report_id,
                detail={"why": why, "for_department": department},
            )
        raise error
    assert private is not None and key is not None
    opened = pairs.open_sealed(
        private,
        row["reporter_ciphertext"],
        _context(report_id, department, row["subject"], row["received_at"]),
    )
    with write_transaction(engine) as conn:
        audit.append(
            conn,
            by,
            "read-reporter",
            subject=row["subject"],
            record_id=report_id,
            detail={"for_department": department, "department_key": key["key_id"]},
        )
    return {"report": report_id, "reporter": opened}


#: The audit actions a department's supervisors see: openings and refused attempts.
OPENING_ACTIONS = ("read-reporter", "read-reporter-refused")


def openings(
    engine: Engine, *, by: Principal, department: str, limit: int, offset: int = 0
) -> list[dict[str, Any]]:
    """Who opened (or tried to open) which of ``department``'s reporters, newest first, from
    the audit log; the rows never hold a reporter or a passphrase."""
    require(by, "read-openings", department)
    with engine.connect() as conn:
        rows = audit_store.page(
            conn, limit=limit, offset=offset, department=department, actions=OPENING_ACTIONS
        )
    return [
        {
            "audit_id": r["id"],
            "at": utc(r["at"]).isoformat(),
            "action": r["action"],
            "opened": r["action"] == "read-reporter",
            "report": r["record_id"],
            "key_id": r["key_id"],
            "role": r["role"],
            "by": (r["detail"] or {}).get("by"),
            "why": (r["detail"] or {}).get("why"),
        }
        for r in rows
    ]


# -- the department's key pair ---------------------------------------------------------------


def _check_department(department: str) -> None:
    if department not in load_catalog().departments:
        raise InvalidInputError(f"department: {department!r} is not in the catalog")


def _reseal(conn: Any, department: str, public_key: str, key_id: str, open_old: Any) -> int:
    """Re-seal every report of ``department`` to ``public_key``; ``open_old(row, context)``
    opens what each is sealed under now. Returns how many were re-sealed."""
    count = 0
    for row in store.sealed_of_department(conn, department):
        if row["key_id"] == key_id:
            continue
        context = _context(row["id"], department, row["subject"], row["received_at"])
        value = open_old(row, context)
        store.reseal(conn, row["id"], pairs.seal(public_key, value, context), key_id)
        count += 1
    return count


def _open_platform(row: Any, context: bytes) -> Any:
    if row["key_id"] != sealer().key_id:
        raise ConflictError(
            f"report {row['id']} is sealed under neither the platform's report key nor the "
            "department's current key; it cannot be re-sealed"
        )
    return sealer().open(row["reporter_ciphertext"], context)


def _install(conn: Any, department: str, made: Any, now: dt.datetime, open_old: Any) -> int:
    """Store ``made`` as the department's current key pair and re-seal every report to it;
    the number re-sealed."""
    key_store.add(
        conn,
        {
            "department": department,
            "key_id": made.key_id,
            "public_key": made.public_key,
            "private_sealed": made.private_sealed,
            "created_at": now,
        },
    )
    return _reseal(conn, department, made.public_key, made.key_id, open_old)


def init_key(engine: Engine, department: str, passphrase: str, *, by: Principal) -> dict[str, Any]:
    """Create ``department``'s key pair, its private key sealed under ``passphrase``, and
    re-seal to it every report the department received under the platform key."""
    require(by, "manage-department-key")
    _check_department(department)
    made = pairs.generate(department, passphrase)  # checks the passphrase first
    with write_transaction(engine) as conn:
        key_store.lock(conn, department)
        if key_store.active(conn, department) is not None:
            raise ConflictError(
                f"department {department} has a reporter key already; "
                "`jointcredit reports department-key rotate` replaces it"
            )
        now = dt.datetime.now(dt.UTC)
        resealed = _install(conn, department, made, now, _open_platform)
        audit.append(
            conn,
            by,
            "department-key-init",
            detail={"for_department": department, "key": made.key_id, "resealed": resealed},
        )
    return {
        "department": department,
        "key_id": made.key_id,
        "algorithm": pairs.ALGORITHM,
        "created_at": now.isoformat(),
        "resealed": resealed,
    }


def rotate_key(
    engine: Engine,
    department: str,
    passphrase: str,
    *,
    new_passphrase: str | None = None,
    by: Principal,
) -> dict[str, Any]:
    """A new key pair for ``department`` (under ``new_passphrase``, or the same passphrase);
    every report is re-sealed to it and the old private key is wiped. Needs the current
    passphrase: the reports must be opened to be re-sealed."""
    require(by, "manage-department-key")
    _check_department(department)
    with engine.connect() as conn:
        current = key_store.active(conn, department)
    if current is None:
        raise ConflictError(
            f"department {department} has no reporter key; "
            "`jointcredit reports department-key init` creates it"
        )
    try:
        old_private = pairs.unlock(
            current["private_sealed"], passphrase, department=department, key_id=current["key_id"]
        )
    except pairs.WrongPassphrase:
        raise PassphraseRefusedError(
            f"the passphrase does not open department {department}'s reporter key"
        ) from None
    made = pairs.generate(department, new_passphrase if new_passphrase else passphrase)

    def open_old(row: Any, context: bytes) -> Any:
        if row["key_id"] == current["key_id"]:
            return pairs.open_sealed(old_private, row["reporter_ciphertext"], context)
        # A report that arrived under the platform key while the first key was being made.
        return _open_platform(row, context)

    with write_transaction(engine) as conn:
        key_store.lock(conn, department)
        still = key_store.active(conn, department)
        if still is None or still["key_id"] != current["key_id"]:
            raise ConflictError(f"department {department}'s key changed meanwhile; try again")
        now = dt.datetime.now(dt.UTC)
        key_store.retire(conn, current["id"], now)
        resealed = _install(conn, department, made, now, open_old)
        audit.append(
            conn,
            by,
            "department-key-rotate",
            detail={
                "for_department": department,
                "key": made.key_id,
                "replaces": current["key_id"],
                "resealed": resealed,
                "new_passphrase": bool(new_passphrase),
            },
        )
    return {
        "department": department,
        "key_id": made.key_id,
        "replaces": current["key_id"],
        "algorithm": pairs.ALGORITHM,
        "created_at": now.isoformat(),
        "resealed": resealed,
    }


def keys_listed(engine: Engine, *, by: Principal) -> list[dict[str, Any]]:
    """Every department key (current and retired) with how many reports each seals, and the
    departments whose reports still wait under the platform key (key ``None``)."""
    require(by, "manage-department-key")
    platform = sealer().key_id
    with engine.connect() as conn:
        rows = key_store.listed(conn)
        counts = store.count_by_key(conn)
    sealed = {(c["department"], c["key_id"]): int(c["reports"]) for c in counts}
    out: list[dict[str, Any]] = [
        {
            "department": r["department"],
            "key_id": r["key_id"],
            "public_key": r["public_key"],
            "created_at": utc(r["created_at"]).isoformat(),
            "retired_at": utc(r["retired_at"]).isoformat() if r["retired_at"] else None,
            "reports": sealed.get((r["department"], r["key_id"]), 0),
        }
        for r in rows
    ]
    for (department, key_id), count in sorted(sealed.items()):
        if key_id == platform:
            out.append(
                {
                    "department": department,
                    "key_id": None,
                    "public_key": None,
                    "created_at": None,
                    "retired_at": None,
                    "reports": count,
                }
            )
    return out
