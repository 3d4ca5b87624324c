"""Key files: created once with owner-only permissions, never logged, never in the database."""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from jointcredit.errors import ConfigurationError


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The bytes of ``path``; created with ``make()`` (mode 0600) when it does not exist.

    The key is written whole to a file of its own and then linked in place, which fails if
    ``path`` exists: two processes starting at once agree (the loser reads the winner's key),
    and none ever reads a key file that is still being written.
    """
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = make()
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}")
    try:
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.link(draft, path)
    except FileExistsError:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot create key file {path}: {exc.strerror}") from exc
    finally:
        draft.unlink(missing_ok=True)
    return data


def symmetric_key(path: Path) -> bytes:
    """A random 32-byte key kept base64-encoded in ``path``, made on first use (mode 0600)."""
    data = read_or_create(path, lambda: base64.b64encode(os.urandom(32)) + b"\n")
    try:
        return base64.b64decode(data.strip(), validate=True)
    except ValueError as exc:
        raise ConfigurationError(f"{path}: not a base64 key") from exc
