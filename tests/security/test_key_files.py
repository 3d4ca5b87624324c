"""Key files made by processes that start at once (several server workers on a new install)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.concurrency import at_once

from jointcredit.security.keyfiles import read_or_create


def test_processes_starting_at_once_agree_on_one_whole_key(tmp_path: Path) -> None:
    def slow_key() -> bytes:
        # A key that takes a moment to make: the window in which another process could find
        # the file there but not yet written.
        time.sleep(0.05)
        return os.urandom(32)

    for round_ in range(5):
        path = tmp_path / f"round-{round_}" / "signing.key"
        keys = at_once(lambda path=path: read_or_create(path, slow_key), threads=6)
        assert len(keys[0]) == 32 and set(keys) == {keys[0]}, keys
        assert path.read_bytes() == keys[0]
        assert (path.stat().st_mode & 0o777) == 0o600
        assert sorted(p.name for p in path.parent.iterdir()) == ["signing.key"]
