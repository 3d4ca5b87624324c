"""Engines for the registry: SQLite (WAL) by default, PostgreSQL in production."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, create_engine, event
from sqlalchemy.engine import make_url

from jointcredit.errors import ConfigurationError
from jointcredit.jsontext import dumps


def moment(conn: Connection, value: dt.datetime) -> dt.datetime:
    """``value`` as a parameter to compare with a timestamp column: SQLite keeps timestamps as
    naive UTC text, so it gets a naive UTC value; PostgreSQL the aware one."""
    if conn.dialect.name == "sqlite":
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def between(conn: Connection, column: Any, start: dt.datetime, end: dt.datetime) -> Any:
    """``start`` <= ``column`` < ``end`` for a timestamp column."""
    return and_(column >= moment(conn, start), column < moment(conn, end))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers (checks, the web) run while an import writes; NORMAL is durable in WAL
    # mode except for the last transactions on power loss, which a re-import restores.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


#: What SQLite adds beside a database file in WAL mode; it gives them the database file's mode.
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def _private_sqlite_file(path: Path) -> None:
    """Create the registry file owner-only (0600) before SQLite does, and tighten an existing
    one of ours: it holds every record in full, persons' numbers and reporters' reports among
    them, and SQLite creates files with the umask's mode (often world-readable, 0644).

    SQLite gives its ``-wal`` and ``-shm`` files the database file's mode, so they follow."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return
    except FileExistsError:
        pass
    except PermissionError:  # a directory not ours to write: SQLite says so in its own words
        return
    for name in (path, *(path.with_name(path.name + side) for side in _SQLITE_SIDE_FILES)):
        try:
            info = name.stat()
            if info.st_uid == os.getuid() and info.st_mode & 0o077:
                name.chmod(info.st_mode & 0o700)
        except FileNotFoundError:
            continue
        except PermissionError:  # not ours to change (a shared, read-only copy)
            continue


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that intends to write, committed at the end, rolled back on error.

    On SQLite it takes the write lock at once (BEGIN IMMEDIATE): two writers that both read
    first and then write would otherwise deadlock on the lock upgrade, and one of them fail
    with "database is locked" instead of waiting its turn (busy_timeout).
    """
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the settings the registry relies on."""
    parsed = make_url(url)
    # Compact JSON with Chinese kept as is: payloads are half the size of the escaped form.
    kwargs.setdefault("json_serializer", dumps)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            _private_sqlite_file(Path(database).expanduser())
            # A server runs up to 40 requests at once in its thread pool; with SQLAlchemy's
            # default of 5 pooled connections most requests would open (and run the PRAGMAs
            # of) a new connection and close it again.
            kwargs.setdefault("pool_size", 20)
            kwargs.setdefault("max_overflow", 20)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 20)
        return create_engine(parsed, **kwargs)
    raise ConfigurationError(
        f"unsupported database URL scheme {parsed.drivername!r}: use sqlite:/// or postgresql://"
    )
