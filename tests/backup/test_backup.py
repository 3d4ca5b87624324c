"""``jointcredit backup create|verify|restore`` through the real command, on SQLite and on
PostgreSQL: a restored registry's audit chain verifies and ends at the backup's head, and a
receipt issued before the backup verifies on the restored host."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.backup.conftest import Cli, Site, pg_databases
from tests.check.entries import entry, write_entries
from tests.importing.rows import resident_id, uscc

from jointcredit.security.digest import file_sha256
from jointcredit.services.registry import open_registry
from jointcredit.store.backup import table_names
from jointcredit.store.db import make_engine

ROOT = Path(__file__).resolve().parents[2]
REP = {"role": "legal-representative", "name": "王测试", "id_number": resident_id(601)}


def _populate(cli: Cli, site: Site, tmp_path: Path) -> Path:
    """Import list entries and check a listed company; returns the saved answer (receipt)."""
    path = write_entries(tmp_path / "entries.jsonl", [entry(1, persons=[REP]), entry(2), entry(3)])
    done = cli("import", "list-entries", path, "--json", site=site)
    assert done.exit_code == 0, done.stderr
    assert done.json["accepted"] == 3
    done = cli(
        "check",
        uscc(1),
        "--department",
        "CAAC",
        "--matter",
        "air-travel",
        "--as-of",
        "2025-01-10",
        "--json",
        site=site,
    )
    assert done.exit_code == 0, done.stderr
    assert done.json["decisions"], "the receipt should cover decisions"
    answer = tmp_path / "answer.json"
    answer.write_text(done.stdout, encoding="utf-8")
    return answer


def _create(cli: Cli, site: Site, directory: Path) -> dict:
    done = cli("backup", "create", directory, "--json", site=site)
    assert done.exit_code == 0, done.stderr
    manifest: dict = done.json
    assert manifest == json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    return manifest


def _audit(cli: Cli, site: Site) -> dict:
    done = cli("audit", "verify", "--json", site=site)
    assert done.exit_code == 0, done.stdout + done.stderr
    result: dict = done.json
    return result


def _reseal(backup: Path) -> None:
    """What a forger who knows the format does after changing a file: every checksum and
    size in the manifest and SHA256SUMS made to agree with the files again."""
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    for f in manifest["files"]:
        f["sha256"] = file_sha256(backup / f["path"])
        f["size"] = (backup / f["path"]).stat().st_size
    (backup / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    names = [f["path"] for f in manifest["files"]] + ["manifest.json"]
    (backup / "SHA256SUMS").write_text(
        "".join(f"{file_sha256(backup / n)}  {n}\n" for n in names), encoding="utf-8"
    )


def test_create_verify_restore_round_trip(cli: Cli, sites: tuple[Site, Site], tmp_path: Path):
    source, target = sites
    answer = _populate(cli, source, tmp_path)
    live = _audit(cli, source)
    backup = tmp_path / "backup"

    manifest = _create(cli, source, backup)
    assert manifest["database"]["kind"] == ("sqlite" if "sqlite" in source.url else "postgresql")
    assert manifest["alembic_revision"]
    assert manifest["audit"]["rows"] == live["rows"] > 0
    assert manifest["audit"]["head"] == {"id": live["rows"], "hash": live["head"]}
    paths = {f["path"]: f for f in manifest["files"]}
    assert paths["keys/receipt-signing.pem"]["role"] == "receipt-signing"
    for name in (*paths, "manifest.json", "SHA256SUMS"):
        assert stat.S_IMODE((backup / name).stat().st_mode) == 0o600, name
    summary = cli("backup", "create", tmp_path / "second", site=source)
    assert summary.exit_code == 0 and f"audit head row {live['rows']}" in summary.stdout

    verified = cli("backup", "verify", backup, site=target)
    assert verified.exit_code == 0, verified.stderr
    assert "verifies" in verified.stdout

    restored = cli("backup", "restore", backup, "--json", site=target)
    assert restored.exit_code == 0, restored.stderr
    assert restored.json["audit"]["head"] == live["head"]
    key = target.data_dir / "keys" / "receipt-signing.pem"
    assert restored.json["keys_written"] == [str(key)]
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    after = _audit(cli, target)
    assert (after["ok"], after["rows"], after["head"]) == (True, live["rows"], live["head"])
    receipt = cli("receipt", "verify", answer, site=target)
    assert receipt.exit_code == 0, receipt.stderr
    assert "receipt valid" in receipt.stdout
    # The restored registry is a working one: a new check is chained onto the backup's head.
    done = cli("check", uscc(2), "--department", "CAAC", "--matter", "air-travel", site=target)
    assert done.exit_code == 0, done.stderr
    assert _audit(cli, target)["rows"] == live["rows"] + 1


def test_verify_names_each_tampered_file(cli: Cli, sites: tuple[Site, Site], tmp_path: Path):
    source, target = sites
    _populate(cli, source, tmp_path)
    backup = tmp_path / "backup"
    manifest = _create(cli, source, backup)
    database = manifest["database"]["file"]
    expected = {f["path"]: f["sha256"] for f in manifest["files"]}
    data = bytearray((backup / database).read_bytes())
    data[len(data) // 2] ^= 0x01
    (backup / database).write_bytes(bytes(data))
    with (backup / "keys" / "receipt-signing.pem").open("ab") as f:
        f.write(b"\n")

    done = cli("backup", "verify", backup, site=target)
    assert done.exit_code == 1
    assert "2 problems" in done.err
    assert (
        f"{database}: checksum mismatch: expected sha256 {expected[database]}, found "
        f"{file_sha256(backup / database)}" in done.err
    )
    assert "keys/receipt-signing.pem: checksum mismatch: expected sha256 " in done.err
    assert "size 120 bytes, expected 119" in done.err

    refused = cli("backup", "restore", backup, site=target)
    assert refused.exit_code == 1 and "does not verify" in refused.err
    assert not (target.data_dir / "keys").exists()
    if "postgresql" in target.url:
        assert table_names(target.url) == []
    else:
        assert not target.data_dir.exists()


def test_a_changed_manifest_is_caught_by_sha256sums(
    cli: Cli, sites: tuple[Site, Site], tmp_path: Path
):
    source, target = sites
    _populate(cli, source, tmp_path)
    backup = tmp_path / "backup"
    _create(cli, source, backup)
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    manifest["created_at"] = "2020-01-01T00:00:00Z"
    (backup / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    done = cli("backup", "verify", backup, site=target)
    assert done.exit_code == 1
    assert "manifest.json: checksum mismatch" in done.err


def test_verify_walks_the_audit_chain_of_the_copy(
    cli: Cli, sites: tuple[Site, Site], tmp_path: Path
):
    """An audit row changed in the backup's database, with every checksum made to agree
    again, is still caught: the chain of the copy itself is walked."""
    source, target = sites
    _populate(cli, source, tmp_path)
    backup = tmp_path / "backup"
    manifest = _create(cli, source, backup)
    database = backup / manifest["database"]["file"]
    if manifest["database"]["kind"] == "sqlite":
        conn = sqlite3.connect(database)
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
        ).fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("UPDATE audit_log SET matter = 'tax' WHERE action = 'check'")
        conn.commit()
        conn.close()
    else:
        dump = database.read_text(encoding="utf-8")
        assert "\tair-travel\t" in dump
        database.write_text(dump.replace("\tair-travel\t", "\ttax\t", 1), encoding="utf-8")
    _reseal(backup)

    done = cli("backup", "verify", backup, site=target)
    assert done.exit_code == 1
    assert "the audit chain is broken at row" in done.err
    assert "was altered" in done.err


def test_restore_refuses_a_database_that_is_not_empty(
    cli: Cli, sites: tuple[Site, Site], tmp_path: Path
):
    source, target = sites
    _populate(cli, source, tmp_path)
    backup = tmp_path / "backup"
    _create(cli, source, backup)
    engine = open_registry(target.url)
    engine.dispose()
    tables = table_names(target.url)
    before = _audit(cli, target)

    done = cli("backup", "restore", backup, site=target)
    assert done.exit_code == 1
    assert "is not empty" in done.err and "Nothing was restored" in done.err
    assert table_names(target.url) == tables
    assert _audit(cli, target) == before
    assert not (target.data_dir / "keys" / "receipt-signing.pem").exists()


def test_restore_refuses_to_replace_a_different_key(
    cli: Cli, sites: tuple[Site, Site], tmp_path: Path
):
    source, target = sites
    _populate(cli, source, tmp_path)
    backup = tmp_path / "backup"
    _create(cli, source, backup)
    key = target.data_dir / "keys" / "receipt-signing.pem"
    key.parent.mkdir(parents=True)
    key.write_bytes(b"another platform's key\n")

    done = cli("backup", "restore", backup, site=target)
    assert done.exit_code == 1
    assert str(key) in done.err and "Nothing was restored" in done.err
    assert key.read_bytes() == b"another platform's key\n"
    assert table_names(target.url) == []


def test_create_refuses_a_directory_that_is_not_empty(
    cli: Cli, sites: tuple[Site, Site], tmp_path: Path
):
    source, _ = sites
    _populate(cli, source, tmp_path)
    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / "notes.txt").write_text("mine")
    done = cli("backup", "create", backup, site=source)
    assert done.exit_code == 1 and "is not empty" in done.err
    assert [p.name for p in backup.iterdir()] == ["notes.txt"]


def _rounds(work: Path) -> int:
    try:
        return int((work / "rounds").read_text())
    except FileNotFoundError:
        return 0


def _wait_for_rounds(work: Path, count: int, writer: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while _rounds(work) < count:
        assert writer.poll() is None, f"the writer stopped: {writer.stderr.read()!r}"  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the writer made no progress"
        time.sleep(0.05)


def test_backups_taken_while_imports_and_checks_run(
    cli: Cli, sites: tuple[Site, Site], tmp_path: Path
):
    """Backups made while another process imports and checks: each is the registry of one
    moment (its audit head is a row of the live chain, with the same hash), verifies, and
    restores to a registry whose chain verifies and ends at the manifest's head."""
    source, target = sites
    assert cli("db", "upgrade", site=source).exit_code == 0
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env |= {
        "JOINTCREDIT_DATA_DIR": str(source.data_dir),
        "JOINTCREDIT_DATABASE_URL": source.url,
        "PYTHONPATH": str(ROOT),
    }
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.backup.writer", str(work)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
    )
    manifests = []
    try:
        _wait_for_rounds(work, 1, writer)
        for n in range(2):
            manifests.append(_create(cli, source, tmp_path / f"backup{n}"))
            _wait_for_rounds(work, _rounds(work) + 1, writer)
    finally:
        (work / "stop").touch()
        writer.wait(timeout=60)
    assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""

    heads = [m["audit"]["head"] for m in manifests]
    assert heads[0]["id"] < heads[1]["id"], "the writer wrote between the backups"
    engine = make_engine(source.url)
    with engine.connect() as conn:
        live = dict(conn.execute(text("SELECT id, hash FROM audit_log")).all())
    engine.dispose()
    for head in heads:
        assert live[head["id"]] == head["hash"]
    assert max(live) > heads[-1]["id"]
    for n in range(2):
        done = cli("backup", "verify", tmp_path / f"backup{n}", site=target)
        assert done.exit_code == 0, done.stderr

    restored = cli("backup", "restore", tmp_path / "backup1", site=target)
    assert restored.exit_code == 0, restored.stderr
    after = _audit(cli, target)
    assert after["ok"] and after["head"] == heads[1]["hash"]
    assert after["rows"] == manifests[1]["audit"]["rows"] == heads[1]["id"]


def test_a_backup_restores_only_into_its_own_kind_of_database(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    source = Site(tmp_path / "source", f"sqlite:///{tmp_path}/source/registry.sqlite3")
    _populate(cli, source, tmp_path)
    backup = tmp_path / "backup"
    _create(cli, source, backup)
    with pg_databases(1) as (url,):
        target = Site(tmp_path / "target", url)
        done = cli("backup", "restore", backup, site=target)
        assert done.exit_code == 1
        assert "this is a sqlite backup and the target database is postgresql" in done.err
        assert table_names(url) == []

        # A pg_dump that is not there is named, and the unfinished backup removed.
        monkeypatch.setenv("JOINTCREDIT_PG_DUMP", str(tmp_path / "bin" / "pg_dump"))
        failed = cli("backup", "create", tmp_path / "pg-backup", site=target)
        assert failed.exit_code == 1
        assert f"{tmp_path}/bin/pg_dump not found" in failed.err
        assert list((tmp_path / "pg-backup").iterdir()) == []


def test_no_keys_leaves_the_key_files_out(cli: Cli, tmp_path: Path):
    source = Site(tmp_path / "source", f"sqlite:///{tmp_path}/source/registry.sqlite3")
    target = Site(tmp_path / "target", f"sqlite:///{tmp_path}/target/registry.sqlite3")
    _populate(cli, source, tmp_path)
    backup = tmp_path / "backup"
    done = cli("backup", "create", backup, "--no-keys", "--json", site=source)
    assert done.exit_code == 0, done.stderr
    assert [f["kind"] for f in done.json["files"]] == ["database"]
    assert sorted(p.name for p in backup.iterdir()) == [
        "SHA256SUMS",
        "manifest.json",
        "registry.sqlite3",
    ]
    restored = cli("backup", "restore", backup, site=target)
    assert restored.exit_code == 0, restored.stderr
    assert "holds no key files" in restored.stdout
    assert not (target.data_dir / "keys").exists()


def test_a_key_goes_where_the_restoring_hosts_settings_want_it(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Keys are restored by role: a receipt key configured elsewhere, under any name, lands
    where the new host's JOINTCREDIT_RECEIPT_KEY_FILE says, and receipts verify there."""
    source = Site(tmp_path / "source", f"sqlite:///{tmp_path}/source/registry.sqlite3")
    target = Site(tmp_path / "target", f"sqlite:///{tmp_path}/target/registry.sqlite3")
    monkeypatch.setenv("JOINTCREDIT_RECEIPT_KEY_FILE", str(tmp_path / "etc" / "my key.pem"))
    answer = _populate(cli, source, tmp_path)
    backup = tmp_path / "backup"
    files = {f["path"]: f for f in _create(cli, source, backup)["files"]}
    assert files["keys/my_key.pem"]["role"] == "receipt-signing"

    moved = tmp_path / "vault" / "receipts.pem"
    monkeypatch.setenv("JOINTCREDIT_RECEIPT_KEY_FILE", str(moved))
    done = cli("backup", "restore", backup, "--json", site=target)
    assert done.exit_code == 0, done.stderr
    assert done.json["keys_written"] == [str(moved)]
    assert moved.read_bytes() == (tmp_path / "etc" / "my key.pem").read_bytes()
    assert cli("receipt", "verify", answer, site=target).exit_code == 0
