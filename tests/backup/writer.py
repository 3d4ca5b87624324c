"""A registry's everyday traffic for a backup to run into: imports of list entries and checks,
through the ``jointcredit`` command, in a loop, in a process of its own.

    python -m tests.backup.writer WORKDIR

Settings come from the environment (JOINTCREDIT_DATA_DIR, JOINTCREDIT_DATABASE_URL). After each
round it writes the number of rounds done to WORKDIR/rounds; it stops when WORKDIR/stop
exists, or after 60 seconds or 500 rounds, whichever comes first.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tests.check.entries import entry, write_entries
from tests.importing.rows import uscc
from typer.testing import CliRunner

from jointcredit.cli.main import app


def main(workdir: Path) -> int:
    runner = CliRunner()
    deadline = time.monotonic() + 60
    rounds = 0
    while rounds < 500 and time.monotonic() < deadline and not (workdir / "stop").exists():
        serials = range(1000 + 3 * rounds, 1003 + 3 * rounds)
        batch = write_entries(workdir / "entries.jsonl", [entry(s) for s in serials])
        done = runner.invoke(app, ["import", "list-entries", str(batch), "--json"])
        if done.exit_code != 0:
            print(done.output, file=sys.stderr)
            return 1
        for serial in serials:
            done = runner.invoke(
                app, ["check", uscc(serial), "--department", "CAAC", "--matter", "air-travel"]
            )
            if done.exit_code != 0:
                print(done.output, file=sys.stderr)
                return 1
        rounds += 1
        (workdir / "rounds.draft").write_text(str(rounds))
        (workdir / "rounds.draft").replace(workdir / "rounds")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
