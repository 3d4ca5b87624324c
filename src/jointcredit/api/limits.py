"""Request size limits, enforced while the body streams in (a lying Content-Length or a
chunked upload cannot get past them)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jointcredit.api.errors import body
from jointcredit.jsontext import dumps

#: Paths that take file uploads get the upload limit; everything else the body limit.
UPLOAD_PATHS = ("/api/v1/imports/", "/api/v1/screen", "/console/submit/upload")


class _TooLarge(HTTPException):
    # An HTTPException, so that FastAPI's body parsing passes it on instead of calling it a
    # malformed body (400); the error handlers turn it into the usual JSON.
    def __init__(self, limit: int):
        super().__init__(413, f"the request body exceeds {limit} bytes")


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int):
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.max_upload if path.startswith(UPLOAD_PATHS) else self.max_body
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await _refuse(send, limit)
                return
        received = 0
        started = False

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracking)
        except _TooLarge:
            if not started:
                await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    payload = dumps(body("too-large", f"the request body exceeds {limit} bytes")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
