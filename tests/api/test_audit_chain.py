"""The audit log's defences: the database refuses UPDATE and DELETE, and what a database
administrator does behind the triggers' back breaks the hash chain at the first row touched."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from tests.api.server import LiveServer

from jointcredit.access import OPERATOR
from jointcredit.services import audit
from jointcredit.store.tables import audit_log

MATTER = "enterprise-bond-issuance"


def _checks(api: LiveServer, n: int) -> list[int]:
    """``n`` checks over HTTP; the audit row ids their receipts name."""
    entries = []
    with api.client("implementer") as client:
        for i in range(n):
            r = client.get(
                "/check",
                params={
                    "subject": "110101198001010010",
                    "matter": MATTER,
                    "as_of": f"2025-01-{i % 28 + 1:02d}",
                },
            )
            assert r.status_code == 200, r.text
            entries.append(r.json()["receipt"]["audit_entry"])
    return entries


@pytest.fixture
def chain(api: LiveServer) -> Iterator[LiveServer]:
    """A server whose audit log holds a few rows: key creations, then five checks."""
    api.key("implementer")
    api.key("supervisor")
    _checks(api, 5)
    assert audit.verify(api.engine, by=OPERATOR).ok
    yield api


def _drop_triggers(conn: Connection) -> None:
    """What a database administrator could do: see store/triggers.py for the names."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
    else:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))


def _verified(api: LiveServer) -> dict[str, object]:
    """The verification over HTTP, checked against the service's."""
    r = api.get("/audit/verify", "supervisor")
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    assert body == audit.verify(api.engine, by=OPERATOR).to_dict()
    return body


def _row_count(api: LiveServer) -> int:
    with api.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one())


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET matter = 'air-travel' WHERE id = 3",
        "DELETE FROM audit_log WHERE id = 3",
        "DELETE FROM audit_log",
    ],
)
def test_the_database_refuses_changes(chain: LiveServer, statement: str) -> None:
    before = _row_count(chain)
    with pytest.raises(DBAPIError, match="append-only"), chain.engine.begin() as conn:
        conn.execute(text(statement))
    assert _row_count(chain) == before
    assert _verified(chain)["ok"] is True


def test_an_altered_row_breaks_the_chain_there(chain: LiveServer) -> None:
    with chain.engine.begin() as conn:
        _drop_triggers(conn)
        conn.execute(text("UPDATE audit_log SET matter = 'air-travel' WHERE id = 4"))
    result = _verified(chain)
    assert result["ok"] is False and result["first_broken"] == 4
    assert "altered" in str(result["reason"])


def test_an_altered_hash_breaks_the_link_to_the_next_row(chain: LiveServer) -> None:
    with chain.engine.begin() as conn:
        _drop_triggers(conn)
        conn.execute(text("UPDATE audit_log SET hash = :h WHERE id = 3"), {"h": "0" * 64})
    result = _verified(chain)
    assert result["ok"] is False and result["first_broken"] == 3


def test_a_removed_row_breaks_the_chain_at_its_successor(chain: LiveServer) -> None:
    with chain.engine.begin() as conn:
        _drop_triggers(conn)
        conn.execute(text("DELETE FROM audit_log WHERE id = 4"))
    result = _verified(chain)
    assert result["ok"] is False and result["first_broken"] == 5
    assert "row 4 is missing" in str(result["reason"])


def test_a_removed_and_renumbered_row_still_breaks_the_chain(chain: LiveServer) -> None:
    # A careful administrator also closes the gap in the ids: the prev_hash link still fails.
    last = _row_count(chain)
    with chain.engine.begin() as conn:
        _drop_triggers(conn)
        conn.execute(text("DELETE FROM audit_log WHERE id = 4"))
        for n in range(5, last + 1):
            conn.execute(
                text("UPDATE audit_log SET id = :new WHERE id = :old"), {"new": n - 1, "old": n}
            )
    result = _verified(chain)
    assert result["ok"] is False and result["first_broken"] == 4


def test_swapped_contents_break_the_chain_at_the_first_of_them(chain: LiveServer) -> None:
    columns = (
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
        "hash",
    )
    with chain.engine.begin() as conn:
        _drop_triggers(conn)
        rows = {
            r["id"]: r
            for r in conn.execute(text("SELECT * FROM audit_log WHERE id IN (4, 6)")).mappings()
        }
        # Through the table object so that each backend gets its own JSON and timestamps back.
        for target, source in ((4, 6), (6, 4)):
            conn.execute(
                audit_log.update()
                .where(audit_log.c.id == target)
                .values({c: _value(rows[source][c], c) for c in columns})
            )
    result = _verified(chain)
    assert result["ok"] is False and result["first_broken"] == 4


def _value(value: object, column: str) -> object:
    # Raw SQL hands SQLite's JSON back as text; the table's JSON type wants the value.
    if column == "detail" and isinstance(value, str):
        return json.loads(value)
    if column == "at" and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def test_reordered_rows_break_the_chain(chain: LiveServer) -> None:
    with chain.engine.begin() as conn:
        _drop_triggers(conn)
        conn.execute(text("UPDATE audit_log SET id = -1 WHERE id = 5"))
        conn.execute(text("UPDATE audit_log SET id = 5 WHERE id = 6"))
        conn.execute(text("UPDATE audit_log SET id = 6 WHERE id = -1"))
    result = _verified(chain)
    assert result["ok"] is False and result["first_broken"] == 5


def test_concurrent_checks_make_one_chain(api: LiveServer) -> None:
    api.key("implementer")  # created before the threads: the key cache is not thread-safe
    before = _row_count(api)
    with ThreadPoolExecutor(4) as pool:
        entries = [e for found in pool.map(lambda _: _checks(api, 25), range(4)) for e in found]
    assert len(entries) == len(set(entries)) == 100
    result = audit.verify(api.engine, by=OPERATOR)
    assert result.ok, result
    assert result.rows == before + 100 == _row_count(api)
    with api.engine.connect() as conn:
        checks = (
            conn.execute(text("SELECT id FROM audit_log WHERE action = 'check' ORDER BY id"))
            .scalars()
            .all()
        )
    assert sorted(entries) == list(checks)
