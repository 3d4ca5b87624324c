"""Fixtures for backups: a source registry and an empty target, each with a data directory of
its own, on SQLite and on PostgreSQL, and the ``jointcredit`` command run in this process.

On PostgreSQL each test gets two empty databases of its own (emptied before each test, dropped
at the end) rather than the shared fixtures' schemas: a backup is of the registry's whole
schema, and a restore needs a database whose registry schema is empty and of the backup's
name.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tests.conftest import PG_URL, REQUIRE_PG, postgres_problem
from typer.testing import CliRunner

from jointcredit.cli.main import app
from jointcredit.settings import get_settings


@dataclass(frozen=True)
class Site:
    """A data directory and the registry it uses, as one host of the platform."""

    data_dir: Path
    url: str


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def err(self) -> str:
        """stderr with whitespace collapsed: Rich wraps long lines at the console width."""
        return " ".join(self.stderr.split())


Cli = Callable[..., Run]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``jointcredit ARGS…`` as ``site`` (its data directory and registry), in this process."""
    runner = CliRunner()

    def run(*args: str | Path, site: Site) -> Run:
        monkeypatch.setenv("JOINTCREDIT_DATA_DIR", str(site.data_dir))
        monkeypatch.setenv("JOINTCREDIT_DATABASE_URL", site.url)
        get_settings.cache_clear()
        try:
            done = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        finally:
            get_settings.cache_clear()
        return Run(done.exit_code, done.stdout, done.stderr)

    return run


@contextmanager
def pg_databases(count: int) -> Iterator[list[str]]:
    """``count`` fresh, empty databases, dropped afterwards."""
    problem = postgres_problem()
    if problem:
        if REQUIRE_PG:
            pytest.fail(problem + " (JOINTCREDIT_REQUIRE_POSTGRES is set)")
        pytest.skip(problem)
    base = make_url(PG_URL)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    names = [f"jc_backup_{uuid.uuid4().hex[:10]}" for _ in range(count)]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield [base.set(database=n).render_as_string(hide_password=False) for n in names]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(scope="session")
def _pg_pair() -> Iterator[list[str]]:
    """Two databases for the whole session (of one test process): dropping a database waits
    for every backend of the server, seconds on a busy one, so each test empties them instead."""
    with pg_databases(2) as urls:
        yield urls


def _emptied(url: str) -> str:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def sites(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Site, Site]]:
    """A source site and an empty target site (new data directory, empty database)."""
    source_dir, target_dir = tmp_path / "source", tmp_path / "target"
    if request.param == "sqlite":
        yield (
            Site(source_dir, f"sqlite:///{source_dir}/registry.sqlite3"),
            Site(target_dir, f"sqlite:///{target_dir}/registry.sqlite3"),
        )
        return
    source_url, target_url = request.getfixturevalue("_pg_pair")
    yield Site(source_dir, _emptied(source_url)), Site(target_dir, _emptied(target_url))
