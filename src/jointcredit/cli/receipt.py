"""``jointcredit receipt``: check a saved check answer offline; the platform's public key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from jointcredit.cli.common import console, err_console, handle_errors, print_json
from jointcredit.errors import ConfigurationError, InputFileError
from jointcredit.security.signing import PublicKey
from jointcredit.services import receipts

app = typer.Typer(
    help="Signed check receipts: verify a saved answer offline; the public key.",
    no_args_is_help=True,
)


def _read_json(path: Path, what: str) -> Any:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a directory, not {what}") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read: {exc.strerror}") from None
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not {what}: the file is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{path}: not {what}: invalid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})"
        ) from None


def _public_key(path: Path | None) -> PublicKey:
    if path is None:
        local = receipts.key_path()
        if not local.is_file():
            raise ConfigurationError(
                f"this machine has no platform key ({local}): pass the published key with "
                "--public-key KEY.pem (from /api/v1/receipts/key)"
            )
        return receipts.public_key()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read: {exc.strerror}") from None
    if data.lstrip().startswith(b"{"):
        # The whole answer of /api/v1/receipts/key saved as it came.
        published = _read_json(path, "a public key")
        pem = published.get("public_key_pem") if isinstance(published, dict) else None
        if not isinstance(pem, str):
            raise InputFileError(f"{path}: JSON without a 'public_key_pem' string")
        data = pem.encode()
    try:
        return PublicKey.from_pem(data)
    except ConfigurationError as exc:
        raise InputFileError(f"{path}: {exc}") from None


@app.command("verify")
@handle_errors
def verify(
    file: Path = typer.Argument(..., help="A check answer with its receipt, saved as JSON."),
    public_key: Path | None = typer.Option(
        None,
        "--public-key",
        help="PEM file of the platform's public key (public_key_pem of /api/v1/receipts/key, "
        "or that whole JSON answer); default: this machine's platform key.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the verdict as one JSON object."),
) -> None:
    """Check a saved check answer offline: exit 0 when it is what the platform signed, else 1
    with every problem."""
    saved = _read_json(file, "a check answer")
    key = _public_key(public_key)
    problems = receipts.verify(saved, key)
    receipt = saved.get("receipt") if isinstance(saved, dict) else None
    receipt = receipt if isinstance(receipt, dict) else {}
    shown = {
        name: receipt.get(name)
        for name in (
            "id",
            "subject",
            "department",
            "matter",
            "as_of",
            "issued_at",
            "registry_version",
            "audit_entry",
            "key_id",
        )
    }
    if as_json:
        print_json({"valid": not problems, "problems": problems, "receipt": shown})
    elif not problems:
        console.print(
            f"receipt valid: {shown['id']} — subject {shown['subject']}, department "
            f"{shown['department']}, matter {shown['matter']}, as of {shown['as_of']}, issued at "
            f"{shown['issued_at']} (audit row {shown['audit_entry']}, key {shown['key_id']})",
            highlight=False,
        )
    else:
        err_console.print(
            f"[bold red]receipt NOT valid:[/] {file} ({len(problems)} problem"
            f"{'s' if len(problems) > 1 else ''})",
            highlight=False,
        )
        for problem in problems:
            err_console.print(f"  - {problem}", highlight=False, markup=False)
    if problems:
        raise typer.Exit(1)


@app.command("key")
@handle_errors
def key(
    pem: bool = typer.Option(False, "--pem", help="Print only the PEM public key."),
) -> None:
    """The platform's public key, as /api/v1/receipts/key publishes it (JSON), or as PEM."""
    public = receipts.public_key()
    if pem:
        typer.echo(public.pem, nl=False)
    else:
        print_json(public.to_dict())
