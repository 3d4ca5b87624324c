"""Backups of the registry: its database as of one moment and the key files, with a manifest.

A backup directory holds the database (``registry.sqlite3``, or ``database.sql`` from
pg_dump), the key files under ``keys/``, ``manifest.json`` and ``SHA256SUMS``. The manifest
names every file with its size and SHA-256 and gives the audit chain's head (last row's id and
hash) and row count as the snapshot holds them, so that a restored registry can be held to
them: its chain must verify and end at that head.

Restoring goes into an empty database of the same kind and puts the key files where the
settings of the restoring host want them; a key file already there with other content is
never replaced (receipts and sealed data need the very keys of the backup).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jointcredit import __version__
from jointcredit.access import OPERATOR
from jointcredit.security.digest import ALGORITHMS, file_sha256
from jointcredit.services import audit, receipts, references, subscriptions, tipoffs
from jointcredit.settings import get_settings
from jointcredit.store import backup as store
from jointcredit.store import migrate
from jointcredit.store.backup import BackupError
from jointcredit.store.db import make_engine

__all__ = ["BackupError", "BackupProblemsError", "create", "restore", "verify"]

FORMAT = "jointcredit-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
KEYS = "keys"

#: Key files the settings may put anywhere, by role: a restore puts each where the restoring
#: host's settings want that role's key.
KEY_ROLES: Mapping[str, Callable[[], Path]] = {
    "receipt-signing": receipts.key_path,
    "report-encryption": tipoffs.key_path,
    "record-reference": references.key_path,
    "webhook-secrets": subscriptions.key_path,
}


class BackupProblemsError(BackupError):
    """A backup that does not verify; ``problems`` names each."""

    def __init__(self, directory: Path, problems: list[str]) -> None:
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"backup {directory} does not verify ({len(problems)} problem"
            f"{'s' if len(problems) > 1 else ''}):\n{listed}"
        )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _key_files() -> list[tuple[str | None, Path]]:
    """The key files this host has: each role's (wherever configured), then any other file of
    the keys directory (the self-service demo key …). Half-written drafts (dot files) are
    not keys yet."""
    found: list[tuple[str | None, Path]] = []
    seen: set[Path] = set()
    for role, where in KEY_ROLES.items():
        path = where()
        if path.is_file():
            found.append((role, path))
            seen.add(path.resolve())
    folder = get_settings().keys_dir()
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith(".") and path.resolve() not in seen:
                found.append((None, path))
    return found


#: What a file name in a backup may not hold (a configured key file may have any name).
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def _entry(directory: Path, name: str, kind: str, **extra: Any) -> dict[str, Any]:
    path = directory / name
    return {
        "path": name,
        "kind": kind,
        **extra,
        "size": path.stat().st_size,
        "sha256": file_sha256(path),
    }


def _write_private(path: Path, content: str) -> None:
    draft = path.with_name(f".{path.name}.draft")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(content)
        f.flush()
        os.fsync(f.fileno())
    os.replace(draft, path)


def _prepare(directory: Path) -> None:
    if directory.exists():
        if not directory.is_dir():
            raise BackupError(f"{directory} exists and is not a directory")
        if any(directory.iterdir()):
            raise BackupError(
                f"{directory} is not empty: a backup goes into a new or empty directory"
            )
        directory.chmod(0o700)
    else:
        directory.mkdir(parents=True, mode=0o700)


def create(directory: Path, url: str | None = None, *, keys: bool = True) -> dict[str, Any]:
    """Back the registry at ``url`` (default: the configured one) up into ``directory``, which
    must be new or empty, with the key files unless ``keys`` is false; returns the manifest.
    On failure nothing of it is left behind."""
    settings = get_settings()
    url = url or settings.resolved_database_url()
    kind = store.kind_of(url)
    _prepare(directory)
    try:
        if kind == "sqlite":
            snap = store.snapshot_sqlite(url, directory)
        else:
            snap = store.snapshot_postgres(url, directory, settings.pg_dump)
        files = [_entry(directory, snap.file, "database")]
        key_files = _key_files() if keys else []
        if key_files:
            (directory / KEYS).mkdir(mode=0o700)
        for role, path in key_files:
            plain = _UNSAFE.sub("_", path.name).lstrip("._-") or "key"
            name = f"{KEYS}/{plain}"
            if (directory / name).exists():  # two roles' files of one name (custom paths)
                name = f"{KEYS}/{role}-{plain}"
            store.copy_file(path, directory / name)
            files.append(_entry(directory, name, "key", role=role))
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": _now(),
            "jointcredit_version": __version__,
            "database": {
                "kind": snap.kind,
                "file": snap.file,
                "schema": snap.schema,
                "server_version": snap.server_version,
            },
            "alembic_revision": snap.revision,
            "audit": {
                "rows": snap.audit_rows,
                "head": {"id": snap.audit_last[0], "hash": snap.audit_last[1]}
                if snap.audit_last
                else None,
            },
            "files": files,
        }
        _write_private(
            directory / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        )
        # For `sha256sum -c SHA256SUMS` on any machine, without this program.
        sums = [*files, _entry(directory, MANIFEST, "manifest")]
        _write_private(directory / SUMS, "".join(f"{f['sha256']}  {f['path']}\n" for f in sums))
    except BaseException:
        _remove_contents(directory)
        raise
    return manifest


def _remove_contents(directory: Path) -> None:
    for path in sorted(directory.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir():
            path.rmdir()
        else:
            path.unlink(missing_ok=True)


# -- verification ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Verified:
    """What :func:`verify` found: ``problems`` empty when the backup is sound."""

    directory: Path
    manifest: dict[str, Any] | None
    problems: list[str] = field(default_factory=list)
    checked_files: int = 0
    chain_rows: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "ok": self.ok,
            "problems": self.problems,
            "files_checked": self.checked_files,
            "audit_rows_verified": self.chain_rows,
            "manifest": self.manifest,
        }


_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_SAFE_PATH = re.compile(r"^(?:keys/)?[A-Za-z0-9][A-Za-z0-9._-]*$")


def _read_manifest(directory: Path, found: Verified) -> dict[str, Any] | None:
    path = directory / MANIFEST
    if not directory.is_dir():
        found.problems.append(f"{directory}: no such directory")
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        found.problems.append(f"{MANIFEST} is missing: not a backup, or one that did not finish")
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        found.problems.append(f"{MANIFEST} cannot be read: {exc}")
        return None
    problems = _manifest_problems(manifest)
    found.problems.extend(f"{MANIFEST}: {p}" for p in problems)
    return None if problems else manifest


def _manifest_problems(m: Any) -> list[str]:
    if not isinstance(m, dict):
        return ["not a JSON object"]
    if m.get("format") != FORMAT:
        return [f"format is {m.get('format')!r}, not {FORMAT!r}"]
    if m.get("format_version") != FORMAT_VERSION:
        return [
            f"format version {m.get('format_version')!r}: this jointcredit reads version "
            f"{FORMAT_VERSION}"
        ]
    problems = []
    db = m.get("database")
    if not isinstance(db, dict) or db.get("kind") not in ("sqlite", "postgresql"):
        problems.append("database.kind is not sqlite or postgresql")
    elif db.get("kind") == "postgresql" and not isinstance(db.get("schema"), str):
        problems.append("database.schema is missing")
    trail = m.get("audit")
    rows = trail.get("rows") if isinstance(trail, dict) else None
    head = trail.get("head") if isinstance(trail, dict) else None
    if not isinstance(rows, int) or rows < 0:
        problems.append("audit.rows is not a count")
    elif (head is None) != (rows == 0) or (
        head is not None
        and not (
            isinstance(head, dict)
            and isinstance(head.get("id"), int)
            and isinstance(head.get("hash"), str)
            and _HEX64.match(head["hash"])
        )
    ):
        problems.append("audit.head is not {id, hash} of the last row (or null for no rows)")
    files = m.get("files")
    if not isinstance(files, list) or not files:
        return [*problems, "files is not a list of files"]
    for i, f in enumerate(files):
        if not (
            isinstance(f, dict)
            and isinstance(f.get("path"), str)
            and _SAFE_PATH.match(f["path"])
            and isinstance(f.get("size"), int)
            and isinstance(f.get("sha256"), str)
            and _HEX64.match(f["sha256"])
            and f.get("kind") in ("database", "key")
        ):
            problems.append(f"files[{i}] is not {{path, kind, size, sha256}} of a plain file name")
    if isinstance(db, dict) and not any(
        isinstance(f, dict) and f.get("kind") == "database" and f.get("path") == db.get("file")
        for f in files
    ):
        problems.append("no database file is listed")
    return problems


def _check_files(directory: Path, manifest: dict[str, Any], found: Verified) -> None:
    listed = {f["path"] for f in manifest["files"]}
    for f in manifest["files"]:
        path = directory / f["path"]
        if not path.is_file():
            found.problems.append(f"{f['path']}: missing")
            continue
        found.checked_files += 1
        size, actual = path.stat().st_size, file_sha256(path)
        if actual != f["sha256"]:
            found.problems.append(
                f"{f['path']}: checksum mismatch: expected sha256 {f['sha256']}, found {actual}"
                + (f" (size {size:,} bytes, expected {f['size']:,})" if size != f["size"] else "")
            )
        elif size != f["size"]:
            found.problems.append(f"{f['path']}: size {size:,} bytes, expected {f['size']:,}")
    extra = sorted(
        str(p.relative_to(directory))
        for p in directory.rglob("*")
        if p.is_file() and str(p.relative_to(directory)) not in {*listed, MANIFEST, SUMS}
    )
    found.problems.extend(f"{name}: not listed in the manifest" for name in extra)
    sums = directory / SUMS
    if sums.is_file():
        manifest_sum = file_sha256(directory / MANIFEST)
        for line in sums.read_text(encoding="utf-8", errors="replace").splitlines():
            digest, _, name = line.partition("  ")
            if name == MANIFEST and digest != manifest_sum:
                found.problems.append(
                    f"{MANIFEST}: checksum mismatch: {SUMS} says sha256 {digest}, found "
                    f"{manifest_sum} (the manifest was changed)"
                )


def _walk_chain(rows: Iterable[Mapping[str, Any]]) -> audit.Verification:
    """The checks of :func:`audit.verify`, on rows read from a dump."""
    prev, prev_id, count = audit.GENESIS, 0, 0
    for row in rows:
        count += 1
        rid = row["id"]
        if rid != prev_id + 1:
            return audit.Verification(count, False, rid, f"row {prev_id + 1} is missing")
        if row["prev_hash"] != prev:
            return audit.Verification(count, False, rid, f"row {rid} does not follow row {prev_id}")
        if row["algorithm"] not in ALGORITHMS or audit.row_hash(row) != row["hash"]:
            return audit.Verification(count, False, rid, f"row {rid} was altered")
        prev, prev_id = row["hash"], rid
    return audit.Verification(count, True, head=prev if count else None)


def _check_database(directory: Path, manifest: dict[str, Any], found: Verified) -> None:
    db = manifest["database"]
    path = directory / db["file"]
    if db["kind"] == "sqlite":
        integrity = store.sqlite_integrity(path)
        if integrity:
            found.problems.extend(integrity)
            return
        engine = store.readonly_sqlite(path)
        try:
            chain = audit.verify(engine, by=OPERATOR)
        finally:
            engine.dispose()
    else:
        shape = store.is_dump(path)
        if shape:
            found.problems.extend(shape)
            return
        chain = _walk_chain(store.dumped_audit_rows(path, db["schema"]))
    found.chain_rows = chain.rows
    expected = manifest["audit"]
    if not chain.ok:
        found.problems.append(
            f"{db['file']}: the audit chain is broken at row {chain.first_broken}: {chain.reason}"
        )
        return
    if chain.rows != expected["rows"]:
        found.problems.append(
            f"{db['file']}: holds {chain.rows:,} audit rows, the manifest says {expected['rows']:,}"
        )
    head = expected["head"]
    if (head and head["hash"]) != chain.head:
        found.problems.append(
            f"{db['file']}: the audit head is {chain.head}, the manifest says "
            f"{head['hash'] if head else 'none'}"
        )


def verify(directory: Path) -> Verified:
    """Check a backup without changing it: the manifest, every file's size and SHA-256, and the
    database itself (SQLite's integrity check; for both kinds the audit chain, walked from its
    first row, must end at the manifest's head)."""
    found = Verified(directory, None)
    manifest = _read_manifest(directory, found)
    if manifest is None:
        return found
    found.manifest = manifest
    _check_files(directory, manifest, found)
    if not found.problems:
        _check_database(directory, manifest, found)
    return found


# -- restore --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Restored:
    database: str
    revision: str | None
    code_revision: str | None
    audit: audit.Verification
    keys_written: list[str]
    keys_present: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "alembic_revision": self.revision,
            "code_revision": self.code_revision,
            "audit": self.audit.to_dict(),
            "keys_written": self.keys_written,
            "keys_already_present": self.keys_present,
        }


def _key_targets(directory: Path, manifest: dict[str, Any]) -> list[tuple[Path, Path, bool]]:
    """(file in the backup, where it goes, whether it is there already); refuses when a
    different key is in the way, before anything is written."""
    out = []
    clashes = []
    folder = get_settings().keys_dir()
    for f in manifest["files"]:
        if f["kind"] != "key":
            continue
        source = directory / f["path"]
        role = f.get("role")
        target = KEY_ROLES[role]() if role in KEY_ROLES else folder / Path(f["path"]).name
        present = target.exists()
        if present and file_sha256(target) != f["sha256"]:
            clashes.append(str(target))
        out.append((source, target, present))
    if clashes:
        raise BackupError(
            "a different key file is already where the backup's would go, and is not replaced "
            f"(receipts and sealed data need the backup's keys): {', '.join(clashes)}; move it "
            "away first. Nothing was restored"
        )
    return out


def restore(directory: Path, url: str | None = None) -> Restored:
    """Put the backup in ``directory`` back into the empty database at ``url`` (default: the
    configured one) and its key files where the settings want them; then hold the restored
    audit chain to the manifest. Nothing is touched when the backup does not verify, the
    database is not empty or of another kind, or a different key file is in the way."""
    settings = get_settings()
    url = url or settings.resolved_database_url()
    found = verify(directory)
    if not found.ok or found.manifest is None:
        raise BackupProblemsError(directory, found.problems)
    manifest = found.manifest
    db = manifest["database"]
    kind = store.kind_of(url)
    if kind != db["kind"]:
        raise BackupError(
            f"this is a {db['kind']} backup and the target database is {kind}: a backup "
            "restores into a database of its own kind"
        )
    revision = manifest["alembic_revision"]
    if revision is not None and not store.known_revision(revision):
        raise BackupError(
            f"the backup's schema revision {revision} is newer than this jointcredit "
            f"({__version__}) knows: restore it with jointcredit {manifest['jointcredit_version']}"
            " or later"
        )
    shown = make_engine(url).url.render_as_string(hide_password=True)
    tables = store.table_names(url)
    if kind == "postgresql":
        target_schema = store.target_schema(url)
        if target_schema != db["schema"]:
            raise BackupError(
                f"the backup holds schema {db['schema']!r}, the target's search path names "
                f"{target_schema!r}: restore into a database whose registry schema is "
                f"{db['schema']!r}"
            )
    if tables:
        raise BackupError(
            f"the target database {shown} is not empty ({len(tables)} tables, e.g. "
            f"{', '.join(tables[:3])}): a backup restores only into an empty database. "
            "Nothing was restored"
        )
    keys = _key_targets(directory, manifest)
    source = directory / db["file"]
    if kind == "sqlite":
        store.restore_sqlite(source, url)
    else:
        store.restore_postgres(source, db["schema"], url, settings.pg_dump)
    written, present = [], []
    for src, target, there in keys:
        if there:
            present.append(str(target))
            continue
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        store.copy_file(src, target)
        written.append(str(target))
    engine = make_engine(url)
    try:
        chain = audit.verify(engine, by=OPERATOR)
        now_at = migrate.current_revision(engine)
    finally:
        engine.dispose()
    head = manifest["audit"]["head"]
    if (
        not chain.ok
        or chain.rows != manifest["audit"]["rows"]
        or chain.head != (head["hash"] if head else None)
    ):
        raise audit_mismatch(chain, manifest)
    return Restored(shown, now_at, migrate.head_revision(), chain, written, present)


def audit_mismatch(chain: audit.Verification, manifest: dict[str, Any]) -> BackupError:
    head = manifest["audit"]["head"]
    return BackupError(
        f"the restored registry's audit chain does not match the backup: {chain.rows:,} rows, "
        f"head {chain.head}, {'intact' if chain.ok else 'broken: ' + str(chain.reason)}; the "
        f"manifest says {manifest['audit']['rows']:,} rows, head "
        f"{head['hash'] if head else 'none'}"
    )
