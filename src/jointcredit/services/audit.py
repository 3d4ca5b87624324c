"""The audit log: every check, screen, read of non-public data and write, hash-chained.

Row n stores ``prev_hash`` (row n-1's hash) and ``hash`` = H(canonical JSON of its own fields,
``prev_hash`` included), with H the row's ``algorithm`` (SM3 where available, else SHA-256).
The database refuses UPDATE and DELETE on the table (triggers); the chain catches what gets
past them: a row altered, removed or reordered breaks the chain at that row, and
:func:`verify` names it. Rows are written in the same transaction as the act they record, so
an act that is not recorded did not happen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping

from jointcredit.access import Principal, require
from jointcredit.security.digest import ALGORITHMS, canonical, default_algorithm, hexdigest
from jointcredit.settings import get_settings
from jointcredit.store import audit as store
from jointcredit.store.db import write_transaction

GENESIS = "0" * 64

#: The columns a row's hash covers, in the order of the documentation.
HASHED = (
    "id",
    "at",
    "action",
    "key_id",
    "department",
    "role",
    "subject",
    "record_id",
    "matter",
    "result_digest",
    "detail",
    "algorithm",
    "prev_hash",
)


@dataclass(frozen=True, slots=True)
class Event:
    """One act to record; ``detail`` must be JSON without floats (they do not round-trip)."""

    action: str
    subject: str | None = None
    record_id: int | None = None
    matter: str | None = None
    result_digest: str | None = None
    detail: Mapping[str, Any] | None = field(default=None)


def _at_text(value: dt.datetime) -> str:
    # SQLite hands timestamps back without their zone; every one written here is UTC.
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"


def row_hash(row: Mapping[str, Any] | RowMapping) -> str:
    fields = {name: row[name] for name in HASHED}
    fields["at"] = _at_text(row["at"])
    return hexdigest(canonical(fields), row["algorithm"])


def chain_algorithm() -> str:
    return get_settings().audit_hash or default_algorithm()


def append(conn: Connection, by: Principal, action: str, **kw: Any) -> int:
    """Record one act in ``conn``'s (write) transaction; returns the row's id."""
    return append_many(conn, by, [Event(action, **kw)])[-1]


def append_many(conn: Connection, by: Principal, events: Iterable[Event]) -> list[int]:
    return append_groups(conn, [(by, events)])[0]


def append_groups(
    conn: Connection, groups: Sequence[tuple[Principal, Iterable[Event]]]
) -> list[list[int]]:
    """Record several callers' acts in one go (a server's group commit): one look-up of the
    chain's end and one insert for all of them. Returns each group's row ids."""
    store.lock_chain(conn)
    found = store.last(conn)
    next_id, prev = (found[0] + 1, found[1]) if found else (1, GENESIS)
    algorithm = chain_algorithm()
    now = dt.datetime.now(dt.UTC)
    rows: list[dict[str, Any]] = []
    out: list[list[int]] = []
    for by, events in groups:
        ids: list[int] = []
        for event in events:
            row = {
                "id": next_id,
                "at": now,
                "action": event.action,
                "key_id": by.key_id,
                "department": by.department,
                "role": by.role,
                "subject": event.subject,
                "record_id": event.record_id,
                "matter": event.matter,
                "result_digest": event.result_digest,
                "detail": _detail(by, event.detail),
                "algorithm": algorithm,
                "prev_hash": prev,
            }
            row["hash"] = prev = row_hash(row)
            rows.append(row)
            ids.append(next_id)
            next_id += 1
        out.append(ids)
    if rows:
        store.add(conn, rows)
    return out


def _detail(by: Principal, detail: Any) -> dict[str, Any] | None:
    """The event's detail, naming the person who acted where no key does (a console user, the
    operator's ``--by``): the row's key, department and role alone would not tell two staff
    members of one department apart."""
    out = dict(detail) if detail is not None else None
    if by.key_id is None and by.name:
        out = {**(out or {}), "by": by.name}
    return out


def record(engine: Engine, by: Principal, events: Iterable[Event]) -> list[int]:
    """Record acts in a transaction of their own (for reads, which have none)."""
    with write_transaction(engine) as conn:
        return append_many(conn, by, events)


Recorder = Callable[[Principal, Sequence[Event]], list[int]]
"""Writes audit rows and returns their ids: :func:`direct` for an engine, or a server's
:class:`~jointcredit.services.audit_writer.AuditWriter` (group commit)."""


def direct(engine: Engine) -> Recorder:
    """:func:`record` bound to ``engine``: one transaction per call."""
    return lambda by, events: record(engine, by, events)


@dataclass(frozen=True, slots=True)
class Verification:
    rows: int
    ok: bool
    first_broken: int | None = None
    reason: str | None = None
    head: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "ok": self.ok,
            "first_broken": self.first_broken,
            "reason": self.reason,
            "head": self.head,
        }


def verify(engine: Engine, *, by: Principal) -> Verification:
    """Walk the chain from the first row; stop at the first link that does not hold."""
    require(by, "read-audit")
    prev = GENESIS
    prev_id = 0
    count = 0
    with engine.connect() as conn:
        for row in store.rows_in_order(conn):
            count += 1
            if row["id"] != prev_id + 1:
                return Verification(
                    count, False, row["id"], f"row {prev_id + 1} is missing (next is {row['id']})"
                )
            if row["prev_hash"] != prev:
                return Verification(
                    count,
                    False,
                    row["id"],
                    f"row {row['id']} does not follow row {prev_id}: its prev_hash is not "
                    "that row's hash (a row was removed, inserted or reordered)",
                )
            if row["algorithm"] not in ALGORITHMS:
                return Verification(count, False, row["id"], f"row {row['id']}: unknown algorithm")
            if row_hash(row) != row["hash"]:
                return Verification(
                    count,
                    False,
                    row["id"],
                    f"row {row['id']} was altered: its content does not match its hash",
                )
            prev, prev_id = row["hash"], row["id"]
    return Verification(count, True, head=prev if count else None)


def _public(row: Mapping[str, Any] | RowMapping) -> dict[str, Any]:
    out = dict(row)
    out["at"] = _at_text(row["at"])
    return out


def page(
    engine: Engine,
    *,
    by: Principal,
    limit: int,
    offset: int = 0,
    subject: str | None = None,
    department: str | None = None,
    action: str | None = None,
) -> list[dict[str, Any]]:
    require(by, "read-audit")
    with engine.connect() as conn:
        rows = store.page(
            conn, limit=limit, offset=offset, subject=subject, department=department, action=action
        )
    return [_public(r) for r in rows]


#: What a subject sees of its own look-ups: who (department), when, for which matter.
_SUBJECT_ACTIONS = ("check", "screen", "read-subject", "read-record")


def checks_of_subject(
    engine: Engine, identifier: str, *, limit: int, offset: int = 0
) -> list[dict[str, Any]]:
    """Who looked the subject up and for which matter, newest first, like the query history of
    a credit report. The caller decides who may see it (the subject, a supervisor)."""
    with engine.connect() as conn:
        rows = store.page(
            conn, limit=limit, offset=offset, subject=identifier, actions=_SUBJECT_ACTIONS
        )
    return [
        {
            "at": _at_text(r["at"]),
            "department": r["department"],
            "role": r["role"],
            "action": r["action"],
            "matter": r["matter"],
        }
        for r in rows
    ]
