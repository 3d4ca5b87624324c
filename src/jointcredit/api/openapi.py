"""The OpenAPI document as client generators read it.

FastAPI describes an uploaded file the OpenAPI 3.1 way (``contentMediaType``) only; generators
such as openapi-python-client know a file part by ``format: binary`` (the 3.0 way) and would
otherwise send the file as a text field, which the server refuses. Both keywords are valid
3.1, so the document says both.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

_BINARY = "application/octet-stream"


def _mark_binary(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("contentMediaType") == _BINARY:
            node.setdefault("format", "binary")
        for value in node.values():
            _mark_binary(value)
    elif isinstance(node, list):
        for value in node:
            _mark_binary(value)


def describe_uploads(app: FastAPI) -> None:
    """Wrap ``app.openapi`` (after every other wrapper) so file parts say ``format: binary``."""
    made = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _mark_binary(made())
        return app.openapi_schema or made()

    app.openapi = openapi  # type: ignore[method-assign]


__all__ = ["describe_uploads"]
