"""The FastAPI application: ``create_app()`` for uvicorn (``jointcredit serve``) and tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from jointcredit import __version__, web
from jointcredit.api import errors
from jointcredit.api.limits import BodyLimit
from jointcredit.api.routers import ROUTERS
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
        from jointcredit.services import receipts
        from jointcredit.services.audit_writer import AuditWriter
        from jointcredit.services.registry import open_registry

        app.state.engine = open_registry(database_url)
        load_catalog()  # a broken catalog stops the start, not the first check
        receipts.signer()  # creates the platform key before the first request needs it
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
    for router in ROUTERS:
        app.include_router(router, prefix=PREFIX)
    # The public portal at / (server-rendered pages), after the API: its routes match first.
    web.install(app)
    return app
