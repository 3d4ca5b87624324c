"""One error tree for the whole platform.

Every error a user can cause derives from :class:`JointCreditError`; the CLI turns them into a
message and an exit status, the HTTP API (later) into a status code, each in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class JointCreditError(Exception):
    """Base of every expected error; ``code`` is stable for machines."""

    code = "error"


class FileProblemsError(JointCreditError):
    """A file of settings-as-data (a scorecard, inspection rates, holidays) with errors: every
    one is listed, so that one round of editing fixes them all."""

    #: What the file is, as the message names it.
    what = "the file"

    def __init__(self, file: Path, problems: Sequence[str]) -> None:
        self.file = file
        self.problems = tuple(problems)
        lines = "\n".join(f"  {file.name}: {p}" for p in self.problems)
        super().__init__(f"{self.what} {file} has {len(self.problems)} error(s):\n{lines}")


class ConfigurationError(JointCreditError):
    code = "configuration"


class InputFileError(JointCreditError):
    """A file that cannot be read at all (as opposed to a row that is rejected)."""

    code = "input-file"


class NotFoundError(JointCreditError):
    code = "not-found"


class DatabaseNotReadyError(JointCreditError):
    code = "database-not-ready"


class AuthenticationError(JointCreditError):
    """No credentials where they are needed, or a key that is unknown or revoked."""

    code = "unauthenticated"


class PermissionDeniedError(JointCreditError):
    """A known caller asking for what its role or department does not allow."""

    code = "forbidden"


class PassphraseRefusedError(PermissionDeniedError):
    """A department's passphrase that is missing or does not open its key. The message never
    holds the passphrase."""

    code = "passphrase-refused"


class ConflictError(JointCreditError):
    code = "conflict"


class InvalidInputError(JointCreditError):
    """A request whose content is wrong: names what and where.

    ``problems``, when given, lists each problem for machines (e.g. ``{"field": …, "error":
    …}`` for every field of a rejected record); the API sends them as ``error.problems``.
    """

    code = "invalid-input"

    def __init__(self, message: str, *, problems: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems


class PayloadTooLargeError(JointCreditError):
    code = "too-large"


class IntegrityFailure(JointCreditError):
    """A broken audit chain or a receipt that does not verify."""

    code = "integrity"


class IllegalTransitionError(ConflictError):
    """A workflow step that the item's current status does not allow (e.g. approving a
    proposal twice), or a step by someone who may not take it (four eyes)."""

    code = "illegal-transition"
