"""One error tree for the whole platform.

Every error a user can cause derives from :class:`JointCreditError`; the CLI turns them into a
message and an exit status, the HTTP API (later) into a status code, each in one place.
"""

from __future__ import annotations


class JointCreditError(Exception):
    """Base of every expected error; ``code`` is stable for machines."""

    code = "error"


class ConfigurationError(JointCreditError):
    code = "configuration"


class InputFileError(JointCreditError):
    """A file that cannot be read at all (as opposed to a row that is rejected)."""

    code = "input-file"


class NotFoundError(JointCreditError):
    code = "not-found"


class DatabaseNotReadyError(JointCreditError):
    code = "database-not-ready"
