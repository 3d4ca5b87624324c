"""Shared fixtures: a real registry on SQLite and on PostgreSQL for every storage test.

PostgreSQL is the server at JOINTCREDIT_TEST_POSTGRES_URL (default: the trust-auth server on
127.0.0.1:5432, database ``test``). Each test gets a schema of its own, dropped afterwards. Where no
server answers, those tests skip with the reason; with JOINTCREDIT_REQUIRE_POSTGRES=1 (as in CI)
they fail instead, so a CI run can never pass without having run them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, create_engine, text

from jointcredit.services.registry import open_registry

PG_URL = os.environ.get(
    "JOINTCREDIT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_PG = os.environ.get("JOINTCREDIT_REQUIRE_POSTGRES", "") not in ("", "0", "false")

_pg_problem: str | None = None
_pg_checked = False


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can (checked once per session)."""
    global _pg_checked, _pg_problem
    if not _pg_checked:
        _pg_checked = True
        try:
            probe = create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with probe.begin() as conn:
                conn.execute(text("select 1"))
                # Created once here: the migrations' own CREATE EXTENSION IF NOT EXISTS can
                # collide when tests in parallel processes migrate at the same moment. The probes
                # of parallel test processes collide the same way on a new server (IF NOT
                # EXISTS is not atomic): an advisory lock makes them take turns.
                conn.execute(text("SELECT pg_advisory_xact_lock(2016033)"))
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
            probe.dispose()
        except Exception as exc:  # any failure to connect means: not available here
            _pg_problem = f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}: {exc}"
    return _pg_problem


@pytest.fixture
def pg_url() -> Iterator[str]:
    problem = postgres_problem()
    if problem:
        if REQUIRE_PG:
            pytest.fail(problem + " (JOINTCREDIT_REQUIRE_POSTGRES is set)")
        pytest.skip(problem + "; set JOINTCREDIT_TEST_POSTGRES_URL to run these tests")
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path}/registry.sqlite3"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database, once for each backend."""
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def registry(db_url: str) -> Iterator[Engine]:
    """A migrated, empty registry on each backend."""
    engine = open_registry(db_url)
    yield engine
    engine.dispose()
