"""Documentation stays true: every setting documented, the command reference current, every
documented command real."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from jointcredit.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"`JOINTCREDIT_{name.upper()}`" in text, f"JOINTCREDIT_{name.upper()} undocumented"


def test_documented_settings_exist() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`JOINTCREDIT_([A-Z_]+)`", text))
    known = {n.upper() for n in Settings.model_fields} | {"TEST_POSTGRES_URL", "REQUIRE_POSTGRES"}
    assert documented <= known, f"documented but unknown: {documented - known}"


def test_command_reference_is_current(tmp_path: Path) -> None:
    typer_cli = Path(sys.executable).parent / "typer"
    if not typer_cli.exists():
        pytest.skip("the typer command is not installed next to this Python")
    out = tmp_path / "cli.md"
    subprocess.run(
        [
            str(typer_cli),
            "jointcredit.cli.main",
            "utils",
            "docs",
            "--name",
            "jointcredit",
            "--title",
            "Command reference",
            "--output",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    assert out.read_text(encoding="utf-8") == (DOCS / "cli.md").read_text(encoding="utf-8"), (
        "docs/cli.md is stale: regenerate it with `typer jointcredit.cli.main utils docs "
        "--name jointcredit --title 'Command reference' --output docs/cli.md`"
    )


def test_readme_commands_exist() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    reference = (DOCS / "cli.md").read_text(encoding="utf-8")
    for command in set(re.findall(r"`jointcredit ([a-z-]+(?: [a-z-]+)?)", text)):
        words = command.split()
        assert f"## `jointcredit {words[0]}" in reference, f"README names unknown {command!r}"


def test_readme_opens_with_the_two_commands() -> None:
    blocks = re.findall(
        r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S
    )
    assert blocks[0].endswith("jointcredit demo")
    assert blocks[1].endswith("pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/pytest" in ci and "pip install -q -e '.[test]'" in ci
