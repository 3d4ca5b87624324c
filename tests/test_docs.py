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
    known = {n.upper() for n in Settings.model_fields} | {
        "TEST_POSTGRES_URL",
        "REQUIRE_POSTGRES",
        "REQUIRE_BROWSER",
        "REQUIRE_REDIS",
        "SCREENSHOTS",
    }
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


def _section(text: str, heading: str) -> str:
    """The text under ``## heading`` up to the next second-level heading."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def permission_table() -> str:
    """docs/api.md's table of permissions, as jointcredit.access.PERMISSIONS defines it."""
    from jointcredit.access import OWN_DEPARTMENT, PERMISSIONS
    from jointcredit.store.tables import ROLES

    callers = ("public", *ROLES, "operator", "subject")
    lines = [
        "| action | " + " | ".join(callers) + " | own department only |",
        "|---" * (len(callers) + 2) + "|",
    ]
    for action, roles in PERMISSIONS.items():
        cells = " | ".join("✓" if c in roles else "·" for c in callers)
        own = "yes" if action in OWN_DEPARTMENT else "·"
        lines.append(f"| `{action}` | {cells} | {own} |")
    return "\n".join(lines) + "\n"


def test_api_permission_table_is_the_code_s() -> None:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    expected = permission_table()
    assert expected in _section(text, "Roles and permissions"), (
        "docs/api.md's permission table differs from jointcredit.access.PERMISSIONS; "
        "replace it with:\n\n" + expected
    )


def test_api_error_table_is_the_code_s() -> None:
    from jointcredit.api.errors import _HTTP_CODES
    from jointcredit.services.http_status import STATUS

    expected = {(str(getattr(cls, "code", "")), status) for cls, status in STATUS}
    expected |= {(code, status) for status, code in _HTTP_CODES.items()}
    expected.add(("invalid-input", 422))  # request validation
    section = _section((DOCS / "api.md").read_text(encoding="utf-8"), "Errors")
    documented = {
        (code, int(status))
        for code, status in re.findall(r"^\| `([a-z-]+)` \| (\d{3}) \|", section, re.M)
    }
    assert documented == expected, (
        f"undocumented: {sorted(expected - documented)}; not in api/errors.py: "
        f"{sorted(documented - expected)}"
    )


def test_every_api_route_is_listed_in_the_api_doc() -> None:
    """docs/api.md's endpoint table names every documented route of the app, and no other."""
    from fastapi.routing import iter_route_contexts

    from jointcredit.api.app import PREFIX, create_app

    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    listed = {
        (m.group(1), m.group(2))
        for m in re.finditer(r"^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \|", text, re.M)
    }
    routes = set()
    for route in iter_route_contexts(create_app().routes):
        if not getattr(route, "include_in_schema", False) or not route.path.startswith(PREFIX):
            continue
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path.removeprefix(PREFIX))
        for method in set(route.methods or ()) - {"HEAD"}:
            routes.add((method, path))
    assert routes - listed == set(), f"routes missing from docs/api.md: {sorted(routes - listed)}"
    assert listed - routes == set(), f"docs/api.md lists unknown routes: {sorted(listed - routes)}"
