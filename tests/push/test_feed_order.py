"""The feed never passes a message that commits after one a reader has already read.

Ids are drawn before commit; on PostgreSQL a transaction holding a lower id can commit after one
holding a higher id. Paging by id would then skip the late one for good. The feed pages by
``position``, given only to committed messages, so the late message comes after the cursor.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from jointcredit.access import Principal
from jointcredit.clock import now as clock_now
from jointcredit.services import feed, push
from jointcredit.services.registry import open_registry
from jointcredit.store import messages as outbox
from jointcredit.store.db import write_transaction
from jointcredit.store.tables import messages

from .outbox import announce, load_entries

SAT = Principal("implementer", "SAT", key_id=7)


def test_a_message_committed_late_is_read_after_the_cursor_not_skipped(
    pg_url: str, tmp_path: Path
) -> None:
    engine = open_registry(pg_url)
    try:
        early, late = load_entries(engine, tmp_path, [1, 2])
        with engine.connect() as slow:
            transaction = slow.begin()
            [held] = push.emit(slow, early, "entry.listed", now=clock_now(), only={"SAT"})
            [quick] = announce(engine, [late], {"SAT"})
            assert held < quick  # the lower id is still uncommitted
            first = feed.read(engine, by=SAT)
            assert [i["id"] for i in first["items"]] == [quick]
            transaction.commit()
        second = feed.read(engine, by=SAT, after=first["next_cursor"])
        assert [i["id"] for i in second["items"]] == [held]
        assert second["items"][0]["cursor"] > first["next_cursor"]
    finally:
        engine.dispose()


def test_positions_follow_commits_and_a_backlog_is_placed_in_batches(
    registry: Engine, tmp_path: Path
) -> None:
    ids = announce(registry, load_entries(registry, tmp_path, range(1, 6)), {"SAT"})
    with write_transaction(registry) as conn:
        assert outbox.sequence(conn, limit=2) is True
        assert outbox.sequence(conn, limit=2) is True
        assert outbox.sequence(conn, limit=2) is False
        assert outbox.sequence(conn, limit=2) is False
        placed = dict(
            conn.execute(select(messages.c.id, messages.c.position).order_by(messages.c.id)).all()
        )
    assert sorted(placed) == ids and sorted(placed.values()) == [1, 2, 3, 4, 5]
    # Within what one sequencer saw committed, positions follow ids.
    assert [placed[i] for i in ids] == [1, 2, 3, 4, 5]
    page = feed.read(registry, by=SAT, after=2)
    assert [i["cursor"] for i in page["items"]] == [3, 4, 5] and not page["has_more"]


def test_a_backlog_beyond_one_batch_says_there_is_more(
    registry: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    announce(registry, load_entries(registry, tmp_path, range(1, 4)), {"SAT"})
    monkeypatch.setattr(outbox, "SEQUENCE_BATCH", 2)
    page = feed.read(registry, by=SAT, limit=10)
    assert len(page["items"]) == 2 and page["has_more"]
    rest = feed.read(registry, by=SAT, after=page["next_cursor"], limit=10)
    assert len(rest["items"]) == 1 and not rest["has_more"]
