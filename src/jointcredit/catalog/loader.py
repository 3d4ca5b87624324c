"""Find, read, check and version the catalog files; load the catalog once per process.

The shipped catalog (``jointcredit/data/catalog``) comes first, then the operator's files from
``JOINTCREDIT_CATALOG_PATHS``. Later files may add departments, matters, list types and
documents; they may not redefine any (a duplicate id is an error, wherever it is), so that what
a measure id means never depends on the order of the paths.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

from jointcredit.catalog._yaml import compose
from jointcredit.catalog.lint import check
from jointcredit.catalog.model import (
    Catalog,
    CatalogError,
    CatalogVersion,
    Location,
    Problem,
)
from jointcredit.catalog.parse import State, parse_file
from jointcredit.settings import get_settings

#: The catalog shipped with the package (a copy of the transcribed reference catalog).
SHIPPED_DIR = Path(__file__).resolve().parent.parent / "data" / "catalog"
SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class CatalogFile:
    path: Path
    #: Name inside the path it was found under: what the version digest covers, so that the
    #: same files give the same version wherever they are installed.
    name: str
    data: bytes


def default_paths() -> tuple[Path, ...]:
    """The shipped catalog, then the configured extra files and directories."""
    return (SHIPPED_DIR, *get_settings().catalog_paths)


def discover(paths: Sequence[Path], state: State | None = None) -> list[CatalogFile]:
    """The catalog files under ``paths`` in load order: each path in turn, a directory's YAML
    files (recursively) by name. A file reached twice is read once."""
    found: list[CatalogFile] = []
    seen: set[Path] = set()
    for root in paths:
        root = Path(root)
        if root.is_dir():
            candidates = sorted(
                (f for f in root.rglob("*") if f.suffix.lower() in SUFFIXES and f.is_file()),
                key=lambda f: f.relative_to(root).as_posix(),
            )
            named = [(f, f.relative_to(root).as_posix()) for f in candidates]
        elif root.is_file():
            named = [(root, root.name)]
        else:
            if state is not None:
                state.problems.error(
                    Location(root, 1), "parse-error", "no such catalog file or directory"
                )
            continue
        for file, name in named:
            key = file.resolve()
            if key in seen:
                continue
            seen.add(key)
            try:
                data = file.read_bytes()
            except OSError as exc:
                if state is not None:
                    state.problems.error(
                        Location(file, 1), "parse-error", f"cannot read: {exc.strerror}"
                    )
                continue
            found.append(CatalogFile(file, name, data))
    return found


def compute_version(files: Sequence[CatalogFile]) -> CatalogVersion:
    """``sha256:`` and 16 hex digits of a SHA-256 over the files sorted by name, each fed as
    its name, its length and its bytes (the lengths keep file boundaries unambiguous)."""
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: (f.name, f.data)):
        name = f.name.encode("utf-8")
        digest.update(len(name).to_bytes(8, "big") + name)
        digest.update(len(f.data).to_bytes(8, "big") + f.data)
    return CatalogVersion(f"sha256:{digest.hexdigest()[:16]}", len(files))


def _build(paths: Sequence[Path], node_region: str | None) -> tuple[State, list[CatalogFile]]:
    state = State()
    files = discover(paths, state)
    for f in files:
        try:
            text = f.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = f.data[: exc.start].count(b"\n") + 1
            state.problems.error(Location(f.path, line), "parse-error", "not UTF-8 text")
            continue
        parse_file(state, f.path, compose(text, f.path, state.problems), text)
    check(state, node_region)
    state.problems.items.sort(key=Problem.sort_key)
    return state, files


@dataclass(frozen=True, slots=True)
class LintReport:
    problems: tuple[Problem, ...]
    version: CatalogVersion
    files: tuple[Path, ...]

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.problems)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors


def lint_report(paths: Sequence[Path] | None = None) -> LintReport:
    """:func:`lint` with the version and the files it covered."""
    state, files = _build(default_paths() if paths is None else paths, get_settings().region)
    return LintReport(
        tuple(state.problems.items), compute_version(files), tuple(f.path for f in files)
    )


def lint(paths: Sequence[Path] | None = None) -> list[Problem]:
    """Every problem of the catalog made of ``paths`` (default: :func:`default_paths`), errors
    and warnings, sorted by file and line; checked for this node's region
    (``JOINTCREDIT_REGION``)."""
    return list(lint_report(paths).problems)


def _load(paths: tuple[Path, ...], node_region: str | None) -> Catalog:
    state, files = _build(paths, node_region)
    problems = state.problems.items
    if any(p.is_error for p in problems):
        raise CatalogError(problems)
    return Catalog(
        departments=MappingProxyType({k: d.entity for k, d in state.departments.items()}),
        matters=MappingProxyType({k: d.entity for k, d in state.matters.items()}),
        list_types=MappingProxyType({k: d.entity for k, d in state.list_types.items()}),
        documents=MappingProxyType({k: d.entity for k, d in state.documents.items()}),
        measures=MappingProxyType({k: d.entity for k, d in state.measures.items()}),
        version=compute_version(files),
        files=tuple(f.path for f in files),
        warnings=tuple(problems),
    )


@cache
def _load_default(paths: tuple[Path, ...], node_region: str | None) -> Catalog:
    # Keyed on the settings it depends on, so that a change of settings (tests) loads afresh
    # while every other call in the process gets the catalog that was checked at start.
    return _load(paths, node_region)


def load_catalog(paths: Sequence[Path] | None = None) -> Catalog:
    """The checked catalog made of ``paths``; default: the shipped catalog plus the configured
    extra paths, loaded once per process.

    Raises :class:`CatalogError` listing the errors when there are any: the platform refuses to
    start on a broken catalog. Warnings are kept in ``Catalog.warnings``.
    """
    region = get_settings().region
    if paths is None:
        return _load_default(default_paths(), region)
    return _load(tuple(Path(p) for p in paths), region)
