"""The database half of a backup: a consistent snapshot of the registry, and putting one back.

SQLite: the online backup API copies the file page by page in one step inside a read
transaction, so the copy is the database as of one moment even while other processes write
(WAL lets them go on). The copy is switched to a rollback journal so that it is one
self-contained file, readable without its ``-wal``.

PostgreSQL: ``pg_dump`` of the registry's schema as plain SQL, restored with ``psql`` from the
same directory. The dump runs on a snapshot exported from a REPEATABLE READ transaction of
ours, in which the audit head and the schema revision are read too: the figures the manifest
gives are those of the dump, not of a later moment.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.types import JSON, DateTime, Integer

from jointcredit.errors import ConfigurationError, JointCreditError
from jointcredit.store import audit as audit_store
from jointcredit.store.db import make_engine
from jointcredit.store.migrate import alembic_config
from jointcredit.store.tables import audit_log

SQLITE_FILE = "registry.sqlite3"
POSTGRES_FILE = "database.sql"

#: How long a backup or restore of SQLite waits for a writer's lock before giving up.
_SQLITE_BUSY_MS = 60_000


class BackupError(JointCreditError):
    """A backup that cannot be made, read or put back; the message says why."""

    code = "backup"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a snapshot holds, read from the snapshot itself."""

    kind: str  # "sqlite" or "postgresql"
    file: str  # its file's name inside the backup directory
    revision: str | None
    audit_rows: int
    audit_last: tuple[int, str] | None
    schema: str | None = None
    server_version: str | None = None


def kind_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"unsupported database URL scheme {backend!r}: use sqlite:/// or postgresql://"
        )
    return backend


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"cannot back up or restore SQLite database {database!r}: give a file")
    return Path(database).expanduser()


def _audit_figures(conn: Connection) -> tuple[str | None, int, tuple[int, str] | None]:
    revision = MigrationContext.configure(conn).get_current_revision()
    if not inspect(conn).has_table("audit_log"):
        return revision, 0, None
    return revision, audit_store.count(conn), audit_store.last(conn)


# -- SQLite ---------------------------------------------------------------------------------------


def readonly_sqlite(path: Path) -> Engine:
    """An engine on a backup's copy that never writes to it (no WAL switch, no journal)."""
    uri = f"file:{path.resolve()}?mode=ro"
    return create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
    )


def _new_private_file(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def snapshot_sqlite(url: str, directory: Path) -> Snapshot:
    source = _sqlite_file(url)
    if not source.is_file():
        raise BackupError(f"no SQLite registry at {source}")
    copy = directory / SQLITE_FILE
    _new_private_file(copy)
    src = sqlite3.connect(source, timeout=_SQLITE_BUSY_MS / 1000)
    dst = sqlite3.connect(copy)
    try:
        src.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
        # pages=-1: the whole database in one step, under one read transaction (a copy made
        # in several steps starts over whenever another process writes in between).
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")
        dst.commit()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup of {source} failed: {exc}") from exc
    finally:
        dst.close()
        src.close()
    with copy.open("rb") as f:
        os.fsync(f.fileno())
    engine = readonly_sqlite(copy)
    try:
        with engine.connect() as conn:
            revision, rows, last = _audit_figures(conn)
    finally:
        engine.dispose()
    return Snapshot("sqlite", SQLITE_FILE, revision, rows, last)


def sqlite_integrity(path: Path) -> list[str]:
    """``PRAGMA integrity_check`` of a copy: empty when it is sound."""
    try:
        conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
        try:
            found = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return [f"{path.name}: not a readable SQLite database ({exc})"]
    return [] if found == ["ok"] else [f"{path.name}: integrity check: {p}" for p in found[:10]]


def restore_sqlite(copy: Path, url: str) -> None:
    """Copy a backup's database into the (empty) SQLite registry ``url`` names."""
    target = _sqlite_file(url)
    make_engine(url).dispose()  # creates the file owner-only, as for a new registry
    src = sqlite3.connect(f"file:{copy.resolve()}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=_SQLITE_BUSY_MS / 1000)
    try:
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=WAL")
        dst.commit()
    except sqlite3.Error as exc:
        raise BackupError(f"restoring into {target} failed: {exc}") from exc
    finally:
        dst.close()
        src.close()


# -- PostgreSQL -----------------------------------------------------------------------------------


def _psql_beside(pg_dump: str) -> str:
    """psql from pg_dump's directory when pg_dump is given as a path, else from PATH."""
    if os.sep in pg_dump:
        return str(Path(pg_dump).with_name("psql"))
    return "psql"


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for ``url`` and the environment for the tools: the password
    travels in PGPASSWORD, never on a command line that ``ps`` shows."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run_tool(
    args: list[str],
    env: dict[str, str],
    *,
    stdout: IO[str] | None = None,
    stdin: int | None = None,
    merged: bool = False,
) -> subprocess.Popen[str]:
    """Start a client tool; its messages go to a pipe, or with ``merged`` where its output
    goes (a tool whose input we are still writing must never block on a full pipe)."""
    try:
        return subprocess.Popen(
            args,
            env=env,
            stdin=stdin,
            stdout=stdout if stdout is not None else subprocess.PIPE,
            stderr=subprocess.STDOUT if merged else subprocess.PIPE,
            text=True,
        )
    except FileNotFoundError:
        raise ConfigurationError(
            f"{args[0]} not found: install the PostgreSQL client tools (Debian: "
            "postgresql-client) or point JOINTCREDIT_PG_DUMP at pg_dump"
        ) from None


def tool_major(binary: str) -> int:
    """The major version of a PostgreSQL client tool (``pg_dump (PostgreSQL) 15.20`` → 15)."""
    tool = _run_tool([binary, "--version"], dict(os.environ))
    said, errors = tool.communicate()
    found = re.search(r"\)\s*(\d+)", said)
    if tool.returncode != 0 or not found:
        raise ConfigurationError(f"{binary} --version did not answer: {errors.strip()}")
    return int(found.group(1))


def _server_version(conn: Connection) -> tuple[int, str]:
    number = int(conn.execute(text("SHOW server_version_num")).scalar_one())
    shown = str(conn.execute(text("SHOW server_version")).scalar_one()).split()[0]
    return number // 10000, shown


def _check_tool(binary: str, server_major: int) -> None:
    major = tool_major(binary)
    if major < server_major:
        raise ConfigurationError(
            f"{binary} is version {major}, the server {server_major}: a dump needs a pg_dump at "
            "least as new as the server; set JOINTCREDIT_PG_DUMP to a newer one"
        )


def schema_of(conn: Connection) -> str:
    """The schema the registry's tables live in: the first schema of the search path (it may
    not exist yet on a database to restore into)."""
    current = conn.execute(text("SELECT current_schema()")).scalar()
    if current:
        return str(current)
    path = str(conn.execute(text("SHOW search_path")).scalar_one())
    for item in path.split(","):
        name = item.strip()
        if name and name != '"$user"':
            return name.strip('"')
    raise BackupError("the database's search path names no schema")


def snapshot_postgres(url: str, directory: Path, pg_dump: str) -> Snapshot:
    engine = make_engine(url)
    dump = directory / POSTGRES_FILE
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                major, shown = _server_version(conn)
                _check_tool(pg_dump, major)
                # The dump sees exactly what this transaction sees, however long it runs.
                snapshot_id = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
                schema = schema_of(conn)
                revision, rows, last = _audit_figures(conn)
                uri, env = _libpq(url)
                _new_private_file(dump)
                with dump.open("w", encoding="utf-8") as out:
                    tool = _run_tool(
                        [
                            pg_dump,
                            "--format=plain",
                            "--no-owner",
                            "--no-privileges",
                            "--encoding=UTF8",
                            f"--schema={schema}",
                            f"--snapshot={snapshot_id}",
                            f"--dbname={uri}",
                        ],
                        env,
                        stdout=out,
                    )
                    _, errors = tool.communicate()
                    out.flush()
                    os.fsync(out.fileno())
                if tool.returncode != 0:
                    raise BackupError(f"pg_dump failed: {errors.strip()}")
    except OperationalError as exc:
        raise BackupError(f"cannot open the registry's database: {exc.orig or exc}") from None
    finally:
        engine.dispose()
    return Snapshot("postgresql", POSTGRES_FILE, revision, rows, last, schema, shown)


def _quoted(schema: str) -> tuple[str, ...]:
    """How pg_dump may write the schema's name: bare, or quoted when it must be."""
    return (schema, '"' + schema.replace('"', '""') + '"')


def restore_postgres(dump: Path, schema: str, url: str, pg_dump: str) -> None:
    """Run a backup's dump into the (empty) PostgreSQL registry ``url`` names, in one
    transaction: a failure leaves the database as it was.

    The dump's own CREATE SCHEMA (and its comment) are left out and the schema made here if it
    is missing: ``public`` always exists, and its comment is its owner's to set. The search
    extension is created in ``public`` as the migrations do (the dump of a schema does not
    carry extensions)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            major, _ = _server_version(conn)
            has_schema = conn.execute(
                text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}
            ).first()
            has_trgm = conn.execute(
                text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            ).first()
    finally:
        engine.dispose()
    psql = _psql_beside(pg_dump)
    _check_tool(psql, major)
    uri, env = _libpq(url)
    names = _quoted(schema)
    skip = {f"CREATE SCHEMA {n};" for n in names}
    comment = tuple(f"COMMENT ON SCHEMA {n} IS " for n in names)
    # Only what is missing: even IF NOT EXISTS needs the right to create.
    preamble = "" if has_schema else f"CREATE SCHEMA {names[1]};\n"
    if not has_trgm:
        preamble += "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;\n"
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
        tool = _run_tool(
            [
                psql,
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                "--file=-",
                f"--dbname={uri}",
            ],
            env,
            stdout=errors,
            stdin=subprocess.PIPE,
            merged=True,
        )
        assert tool.stdin is not None
        try:
            tool.stdin.write(preamble)
            in_data = False
            with dump.open(encoding="utf-8") as lines:
                for line in lines:
                    if not in_data:
                        if line.startswith("COPY "):
                            in_data = True
                        elif line.rstrip("\n") in skip or line.startswith(comment):
                            continue
                    tool.stdin.write(line)
            tool.stdin.close()
        except BrokenPipeError:
            pass  # psql stopped at an error: its message says which
        tool.wait()
        errors.seek(0)
        said = errors.read().strip()
    if tool.returncode != 0:
        raise BackupError(f"psql could not restore {dump.name}; nothing was restored: {said}")


def is_dump(path: Path) -> list[str]:
    """Whether ``path`` is a whole plain-format pg_dump: its first and last lines say so."""
    try:
        with path.open("rb") as f:
            head = f.read(4096)
            f.seek(max(0, path.stat().st_size - 4096))
            tail = f.read()
    except OSError as exc:
        return [f"{path.name}: cannot be read ({exc.strerror})"]
    problems = []
    if b"-- PostgreSQL database dump\n" not in head:
        problems.append(f"{path.name}: not a PostgreSQL dump (no pg_dump header)")
    if b"-- PostgreSQL database dump complete" not in tail:
        problems.append(f"{path.name}: the dump is cut short (no 'dump complete' at its end)")
    return problems


_COPY_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)")


def _unescape(field: str) -> str:
    """A field of COPY's text format as its value (backslash escapes undone)."""

    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        if code[0] == "x" and len(code) > 1:
            return chr(int(code[1:], 16))
        if code[0] in "01234567":
            return chr(int(code, 8))
        return _COPY_ESCAPES.get(code, code)

    return _ESCAPE.sub(one, field) if "\\" in field else field


def _typed(value: str | None, column: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, Integer):
        return int(value)
    if isinstance(column.type, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(column.type, JSON):
        return json.loads(value)
    return value


def dumped_audit_rows(dump: Path, schema: str) -> Iterator[dict[str, Any]]:
    """The audit log's rows as a dump holds them, typed as the database hands them back."""
    starts = tuple(f"COPY {n}.audit_log (" for n in _quoted(schema))
    columns = {c.name: c for c in audit_log.columns}
    with dump.open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith(starts):
                names = [
                    n.strip().strip('"') for n in line.split("(", 1)[1].split(")", 1)[0].split(",")
                ]
                break
        else:
            return
        for line in lines:
            if line.startswith("\\."):
                return
            fields = line.rstrip("\n").split("\t")
            yield {
                name: _typed(None if raw == "\\N" else _unescape(raw), columns[name])
                for name, raw in zip(names, fields, strict=True)
            }


def table_names(url: str) -> list[str]:
    """The tables of the registry's schema in the database ``url`` names."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                return sorted(inspect(conn).get_table_names(schema=schema_of(conn)))
            return sorted(inspect(conn).get_table_names())
    except OperationalError as exc:
        raise BackupError(f"cannot open the target database: {exc.orig or exc}") from None
    finally:
        engine.dispose()


def target_schema(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return schema_of(conn)
    finally:
        engine.dispose()


def known_revision(revision: str) -> bool:
    """Whether this code's migrations know ``revision`` (a backup of a newer release's schema
    is not one this code can run on)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except (CommandError, ResolutionError):
        return False


def copy_file(source: Path, target: Path) -> None:
    """Copy a file owner-only (0600), refusing to replace one."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with source.open("rb") as src, os.fdopen(fd, "wb") as dst:
        shutil.copyfileobj(src, dst)
        dst.flush()
        os.fsync(dst.fileno())
