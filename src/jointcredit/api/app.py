"""The FastAPI application: ``create_app()`` for uvicorn (``jointcredit serve``) and tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from jointcredit import __version__, web
from jointcredit.api import errors, schemas
from jointcredit.api.deps import principal
from jointcredit.api.limits import BodyLimit
from jointcredit.api.nostore import NoStore
from jointcredit.api.openapi import describe_uploads
from jointcredit.api.routers import ROUTERS
from jointcredit.api.throttle import Door, Throttle, document, json_refusal
from jointcredit.settings import get_settings

PREFIX = "/api/v1"

DESCRIPTION = """\
The registry and the joint check of jointcredit (国发〔2016〕33号), for departments' approval
and supervision systems.

Authenticate with `Authorization: Bearer KEY` (keys come from `jointcredit keys create`); each key
acts for one department in one role. Without a key only public data is served. Every check,
screening, read of non-public data and every write is recorded in a hash-chained audit log.
Errors are JSON: `{"error": {"code": ..., "message": ...}}`.
"""


def create_app(database_url: str | None = None) -> FastAPI:
    """The API on the registry at ``database_url`` (default: the configured one)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from jointcredit.catalog import load_catalog
        from jointcredit.services import receipts, references
        from jointcredit.services.audit_writer import AuditWriter
        from jointcredit.services.imports import reap_interrupted
        from jointcredit.services.registry import open_registry

        app.state.engine = open_registry(database_url)
        reap_interrupted(app.state.engine)  # imports whose process died show as interrupted
        load_catalog()  # a broken catalog stops the start, not the first check
        receipts.signer()  # creates the platform key before the first request needs it
        references.reference_of(1)  # and the record reference key
        app.state.audit_writer = AuditWriter(app.state.engine)
        try:
            yield
        finally:
            app.state.audit_writer.close()
            app.state.engine.dispose()

    settings = get_settings()
    app = FastAPIOffline(
        title="jointcredit",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=f"{PREFIX}/redoc",
        static_url=f"{PREFIX}/static-docs",
        swagger_ui_oauth2_redirect_url=f"{PREFIX}/docs/oauth2-redirect",
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(
        BodyLimit,
        max_body=settings.api_max_body_bytes,
        max_upload=settings.api_max_upload_bytes,
    )
    # Every route reads the caller, public ones included: a malformed, unknown or revoked key
    # is refused (401) everywhere, never served as the public. Routes that take the caller
    # themselves share this one look-up (FastAPI resolves a dependency once per request).
    # So each route documents the 401 it may give (and the document declares the key).
    for router in ROUTERS:
        app.include_router(
            router,
            prefix=PREFIX,
            dependencies=[Depends(principal)],
            responses={401: schemas.ERRORS[401]},
        )
    if settings.metrics:  # GET /metrics for Prometheus (docs/metrics.md); off: 404
        from jointcredit.api.routers import metrics as metrics_route
        from jointcredit.services import metrics

        metrics.enable(metrics.directory(settings))
        app.include_router(metrics_route.router)
    # Added before the portal's middleware (web.install), so inside it: the sign-in forms'
    # 429 pages get its security headers.
    doors = _throttled_doors()
    app.add_middleware(Throttle, doors=doors)
    # The public portal at / (server-rendered pages), after the API: its routes match first.
    web.install(app)
    # Outermost, so that it has the last word on Cache-Control over every other middleware.
    app.add_middleware(NoStore)
    document(app, doors)
    describe_uploads(app)
    return app


def _throttled_doors() -> dict[tuple[str, str], Door]:
    """The unauthenticated writes that are throttled (issue 14, docs/security.md)."""
    from jointcredit.services import throttle
    from jointcredit.web.throttled import refusal

    throttle.check_backend()
    rules = throttle.rules()
    return {
        ("POST", f"{PREFIX}/reports"): Door(rules[throttle.REPORTS], json_refusal, keys_pass=True),
        # A reporter's follow-up: the same rule and counter as reporting, so that receipt codes
        # cannot be tried in bulk from one address.
        ("POST", f"{PREFIX}/reports/follow"): Door(
            rules[throttle.REPORTS], json_refusal, keys_pass=True
        ),
        ("POST", "/console/sign-in"): Door(rules[throttle.CONSOLE_SIGN_IN], refusal),
        ("POST", "/me/sign-in"): Door(rules[throttle.SELF_SERVICE_SIGN_IN], refusal),
    }
