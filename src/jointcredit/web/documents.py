"""A case's document as an HTTP answer, the same from the API, the console and self-service."""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from starlette.responses import Response


def document_response(found: Mapping[str, Any], content: bytes) -> Response:
    """The file as it was attached: its media type, a download under its own name (RFC 6266,
    UTF-8), never sniffed into something else, kept by no cache, with its digest (RFC 9530)."""
    digest = b64encode(bytes.fromhex(found["sha256"])).decode()
    return Response(
        content,
        media_type=found["media_type"],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found['name'])}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Repr-Digest": f"sha-256=:{digest}:",
        },
    )


__all__ = ["document_response"]
