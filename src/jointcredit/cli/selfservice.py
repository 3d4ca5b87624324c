"""``jointcredit selfservice``: the operator's side of subjects' self-service."""

from __future__ import annotations

import typer

from jointcredit.cli.common import console, err_console, handle_errors
from jointcredit.errors import InvalidInputError
from jointcredit.identifiers.normalize import normalize
from jointcredit.services import selfservice

app = typer.Typer(help="Subjects' self-service: demo sign-in codes.", no_args_is_help=True)


@app.command("demo-code")
@handle_errors
def demo_code(
    identifier: str = typer.Argument(..., help="The subject's credit code or ID number."),
) -> None:
    """The code with which the subject signs in to self-service when
    JOINTCREDIT_SELF_SERVICE_AUTHENTICATOR=demo (demonstrations only)."""
    code = normalize(identifier)
    if not code:
        raise InvalidInputError("identifier: empty")
    console.print(selfservice.demo_authenticator().code(code), highlight=False)
    err_console.print(
        "note: demo codes are for demonstrations; a real platform plugs in an identity "
        "provider (docs/self-service.md)",
        highlight=False,
    )
