"""The floors contract (docs/architecture.md, ``[tool.importlinter]`` in pyproject.toml): the
tree keeps it, and an import from a floor above breaks it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "jointcredit"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(cwd: Path, source: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(source)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--contract", "floors"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _python_only(directory: str, names: list[str]) -> set[str]:
    """Everything but packages and modules: the contract reads imports, not data."""
    return {
        n
        for n in names
        if n == "__pycache__" or not (n.endswith(".py") or Path(directory, n).is_dir())
    }


def test_the_tree_keeps_its_floors() -> None:
    result = _lint(ROOT, ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "floors KEPT" in result.stdout


def test_an_upward_import_breaks_the_floors(tmp_path: Path) -> None:
    shutil.copytree(PACKAGE, tmp_path / "jointcredit", ignore=_python_only)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    util = tmp_path / "jointcredit" / "store" / "util.py"
    util.write_text(util.read_text(encoding="utf-8") + "\nimport jointcredit.api\n", "utf-8")

    result = _lint(tmp_path, tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "floors BROKEN" in result.stdout
    assert "jointcredit.store is not allowed to import jointcredit.api" in result.stdout
    assert "jointcredit.store.util -> jointcredit.api" in result.stdout
