"""The README's command examples work when pasted, on the registry its first command makes
(issue 18): the real console script, the default demo in a data directory of the test's own."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("jointcredit")


def _examples() -> list[list[str]]:
    """The ``$ jointcredit …`` lines of the README's command section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(\$ jointcredit ids validate.*?)\n```", text, re.S)
    assert block, "README: the block of command examples is gone"
    return [shlex.split(line[2:]) for line in block.group(1).splitlines()]


def test_the_readme_examples_run_on_the_demo(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env.update(JOINTCREDIT_DATA_DIR=str(tmp_path / "data"), COLUMNS="200", NO_COLOR="1")

    def run(args: list[str]) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"{shlex.join(args)}:\n{done.stdout}{done.stderr}"
        return done

    demo = run(["demo", "--no-serve"])
    examples = _examples()
    assert len(examples) >= 5
    for words in examples:
        assert words[0] == "jointcredit"
        # The examples write to /tmp/files; the test to a directory of its own.
        args = [w.replace("/tmp/files", str(tmp_path / "files")) for w in words[1:]]
        done = run(args)
        for identifier in re.findall(r"\b91\d{6}JC[0-9A-Z]{8}\b", shlex.join(words)):
            # Every company the examples name is one the demo has (and printed).
            assert identifier in demo.stdout, identifier
        if args[0] == "check":  # the subject is known, not "unknown subject"
            assert json.loads(done.stdout)["subject"]["identifier"] == args[1]
