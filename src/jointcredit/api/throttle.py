"""The throttle of unauthenticated writes as pure ASGI middleware: reports without a key and
the two sign-in forms, matched by method and path, counted before the application sees the
request. Every other request passes through untouched, without any I/O, so the check and the
reads lose nothing. The limits and the counting: :mod:`jointcredit.services.throttle`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from jointcredit.api import schemas
from jointcredit.api.errors import body
from jointcredit.services import throttle
from jointcredit.store.throttle import Counters

#: A refused request's answer, given the seconds until the window ends.
Refusal = Callable[[Scope, int], Awaitable[Response]]
CODE = "too-many-requests"


async def json_refusal(_scope: Scope, retry_after: int) -> Response:
    message = f"too many requests; try again in {retry_after} seconds"
    return JSONResponse(
        body(CODE, message),
        status_code=429,
        headers={"Retry-After": str(retry_after), "Cache-Control": "no-store"},
    )


@dataclass(frozen=True, slots=True)
class Door:
    """A throttled route: its rule, its answer when refused, and whether a request carrying
    an API key passes uncounted (a key's writes are audited under the key, and the key can
    be revoked; a bad key is refused with 401 before anything is written)."""

    rule: throttle.Rule
    refuse: Refusal
    keys_pass: bool = False


class Throttle:
    def __init__(self, app: ASGIApp, *, doors: Mapping[tuple[str, str], Door]) -> None:
        self.app = app
        self.doors = dict(doors)
        self._counters: Counters | None = None

    def _counters_for(self, scope: Scope) -> Counters:
        if self._counters is None:
            # The engine exists only once the lifespan has run: made on the first request.
            self._counters = throttle.counters(scope["app"].state.engine)
        return self._counters

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        door = self.doors.get((scope["method"], scope["path"]))
        if door is None or (door.keys_pass and _has_key(scope)):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        host = client[0] if client else None
        counters = self._counters_for(scope)
        retry_after = await anyio.to_thread.run_sync(throttle.admit, counters, door.rule, host)
        if retry_after is None:
            await self.app(scope, receive, send)
            return
        response = await door.refuse(scope, retry_after)
        await response(scope, receive, send)


def _has_key(scope: Scope) -> bool:
    return any(name == b"authorization" for name, _ in scope["headers"])


def document(app: FastAPI, doors: Mapping[tuple[str, str], Door]) -> None:
    """Add the 429 answer to the OpenAPI description of the throttled API routes (the routers
    themselves know nothing of the throttle): FastAPI's documented way, a wrapped
    ``app.openapi``."""
    made = app.openapi
    answer: dict[str, Any] = {
        "description": "Too many requests from this address, or from everyone; wait for "
        "Retry-After seconds",
        "headers": {
            "Retry-After": {
                "description": "Seconds until the window ends",
                "schema": {"type": "integer"},
            }
        },
        "content": {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{schemas.ErrorBody.__name__}"}
            }
        },
    }

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = made()
            for method, path in doors:
                operation = schema.get("paths", {}).get(path, {}).get(method.lower())
                if operation is not None:
                    operation.setdefault("responses", {})["429"] = answer
        return app.openapi_schema or made()

    app.openapi = openapi  # type: ignore[method-assign]


__all__ = ["CODE", "Door", "Throttle", "document", "json_refusal"]
