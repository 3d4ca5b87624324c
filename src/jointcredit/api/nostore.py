"""``Cache-Control: no-store`` on every answer that a cache must not keep.

An answer to a request that carries credentials — an API key (``Authorization``) or a session
cookie of the console or self-service — holds shared or restricted data: a check and its
receipt, a subject's whole record, a reporter's identity. Stored by a browser or a proxy on the
way, it would outlive the key's revocation and reach whoever uses that machine next. The
routes that always are sensitive get it even without credentials (their refusals too).

A plain ASGI middleware, not Starlette's ``BaseHTTPMiddleware``: that one runs every request
through a task group and a memory stream, which the check would pay for; this one only wraps
``send`` of the requests it concerns.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Paths whose answers are never stored, whoever asks.
SENSITIVE_PATHS = (
    "/api/v1/check",
    "/api/v1/screen",
    "/api/v1/reports",
    "/api/v1/me",
    "/console",
    "/me",
)
#: Session cookies of the console and self-service start with it (``jc_console``, ``jc_me``).
SESSION_COOKIE_PREFIX = b"jc_"
_NO_STORE = (b"cache-control", b"no-store")


def _sensitive(scope: Scope) -> bool:
    if scope["path"].startswith(SENSITIVE_PATHS):
        return True
    for name, value in scope["headers"]:
        if name == b"authorization":
            return True
        if name == b"cookie" and SESSION_COOKIE_PREFIX in value:
            return True
    return False


class NoStore:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _sensitive(scope):
            await self.app(scope, receive, send)
            return

        async def no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"
                ]
                headers.append(_NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, no_store)


__all__ = ["SENSITIVE_PATHS", "NoStore"]
