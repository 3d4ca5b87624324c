"""The HTTP status of each platform error: one table for both faces of the server.

The API answers an error with JSON (:mod:`jointcredit.api.errors`), the portal with an HTML
page (:mod:`jointcredit.web`); both give the same status, so the table lives below them both.
"""

from __future__ import annotations

from jointcredit import errors
from jointcredit.catalog.model import CatalogError
from jointcredit.services.check import CheckInputError

#: Most specific class first; the first match decides.
STATUS: tuple[tuple[type[Exception], int], ...] = (
    (errors.AuthenticationError, 401),
    (errors.PassphraseRefusedError, 403),
    (errors.PermissionDeniedError, 403),
    (errors.NotFoundError, 404),
    (errors.IllegalTransitionError, 409),
    (errors.ConflictError, 409),
    (errors.PayloadTooLargeError, 413),
    (CheckInputError, 422),
    (errors.InvalidInputError, 422),
    (errors.InputFileError, 422),
    (errors.DatabaseNotReadyError, 503),
    (errors.ConfigurationError, 500),
    (errors.IntegrityFailure, 500),
    (CatalogError, 500),
    (errors.JointCreditError, 400),
)


def status_of(exc: Exception) -> int:
    """The status for ``exc``; 500 for anything that is not a platform error.

    >>> status_of(errors.NotFoundError("no record 7")), status_of(KeyError("x"))
    (404, 500)
    """
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


__all__ = ["STATUS", "status_of"]
