"""``jointcredit backup``: create, verify and restore backups of the registry and its keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from jointcredit.cli.common import DatabaseOption, console, err_console, handle_errors, print_json
from jointcredit.services import backup as service

app = typer.Typer(
    help="Backups: the database as of one moment, the key files, a manifest with checksums.",
    no_args_is_help=True,
)

JsonOption = typer.Option(False, "--json", help="Print the result as JSON.")


def _head(manifest: dict[str, Any]) -> str:
    trail = manifest["audit"]
    head = trail["head"]
    if head is None:
        return "audit log empty"
    return f"audit head row {head['id']:,} {head['hash']} ({trail['rows']:,} rows)"


def _files_table(manifest: dict[str, Any]) -> Table:
    table = Table()
    table.add_column("file")
    table.add_column("kind")
    table.add_column("bytes", justify="right")
    table.add_column("sha256 (start; all of it in manifest.json)")
    for f in manifest["files"]:
        kind = f["kind"] + (f" ({f['role']})" if f.get("role") else "")
        table.add_row(f["path"], kind, f"{f['size']:,}", f["sha256"][:16] + "…")
    return table


@app.command("create")
@handle_errors
def create(
    directory: Path = typer.Argument(..., help="New or empty directory to write the backup to."),
    no_keys: bool = typer.Option(
        False,
        "--no-keys",
        help="Leave the key files out (back keys/ up apart, where the keys must not travel "
        "with the data they seal).",
    ),
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Back up the registry: a consistent snapshot of the database (SQLite's online backup, or
    pg_dump), the key files, and a manifest with every file's SHA-256 and the audit head."""
    manifest = service.create(directory, database, keys=not no_keys)
    if as_json:
        print_json(manifest)
        return
    db = manifest["database"]
    console.print(
        f"backup of the {db['kind']} registry written to {directory} "
        f"(schema revision {manifest['alembic_revision'] or 'none'})",
        highlight=False,
    )
    console.print(_files_table(manifest))
    console.print(_head(manifest), highlight=False)


@app.command("verify")
@handle_errors
def verify(
    directory: Path = typer.Argument(..., help="A backup directory."),
    as_json: bool = JsonOption,
) -> None:
    """Check a backup without changing it: the manifest, every file's size and SHA-256, the
    database copy's integrity and its audit chain against the manifest's head; exit 1 naming
    every problem."""
    found = service.verify(directory)
    if as_json:
        print_json(found.to_dict())
    elif found.ok and found.manifest is not None:
        console.print(
            f"backup {directory} verifies: {found.checked_files} files, checksums match, audit "
            f"chain of {found.chain_rows:,} rows intact; {_head(found.manifest)}",
            highlight=False,
        )
    else:
        err_console.print(
            f"[bold red]backup {directory} does NOT verify[/] ({len(found.problems)} problem"
            f"{'s' if len(found.problems) > 1 else ''}):",
            highlight=False,
        )
        for problem in found.problems:
            err_console.print(f"  - {problem}", highlight=False, markup=False)
    if not found.ok:
        raise typer.Exit(1)


@app.command("restore")
@handle_errors
def restore(
    directory: Path = typer.Argument(..., help="A backup directory (verified first)."),
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Restore a backup into an EMPTY database of the same kind (SQLite or PostgreSQL) and its
    key files into the keys directory; then check that the restored audit chain verifies and
    ends at the backup's head."""
    done = service.restore(directory, database)
    if as_json:
        print_json(done.to_dict())
        return
    console.print(
        f"restored {directory} into {done.database}: audit chain of {done.audit.rows:,} rows "
        f"intact, head {done.audit.head or 'none'} as in the backup",
        highlight=False,
    )
    for path in done.keys_written:
        console.print(f"  key file written: {path}", highlight=False)
    for path in done.keys_present:
        console.print(f"  key file already in place (identical): {path}", highlight=False)
    if not done.keys_written and not done.keys_present:
        console.print(
            "  the backup holds no key files: put the platform's keys/ in place before the "
            "registry serves (receipts and sealed data need them)",
            highlight=False,
        )
    if done.revision != done.code_revision:
        console.print(
            f"schema revision {done.revision}, this jointcredit's is {done.code_revision}: "
            "the next command upgrades it (or run `jointcredit db upgrade`)",
            highlight=False,
        )
