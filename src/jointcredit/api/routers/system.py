"""Health, readiness and "who am I"."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Registry
from jointcredit.api.errors import body
from jointcredit.catalog import load_catalog
from jointcredit.store import migrate

router = APIRouter(tags=["system"])


@router.get("/health", response_model=schemas.Health, summary="Liveness")
def health() -> dict[str, str]:
    """The process answers; says nothing about the database (see `/ready`)."""
    return {"status": "ok"}


@router.get(
    "/ready",
    response_model=schemas.Readiness,
    responses={503: {"model": schemas.ErrorBody, "description": "Not ready"}},
    summary="Readiness",
)
def ready(registry: Registry) -> dict[str, str | None] | JSONResponse:
    """The database answers at the code's schema revision and the catalog is loaded."""
    try:
        current = migrate.current_revision(registry)
    except Exception as exc:  # any driver error means: not ready
        return JSONResponse(body("database-not-ready", f"database: {exc}"), status_code=503)
    if current != migrate.head_revision():
        return JSONResponse(
            body(
                "database-not-ready",
                f"schema revision {current}, code needs {migrate.head_revision()}",
            ),
            status_code=503,
        )
    return {
        "status": "ready",
        "schema_revision": current,
        "catalog_version": str(load_catalog().version),
    }


@router.get("/me", response_model=schemas.Me, responses=schemas.ERRORS, summary="The caller")
def me(caller: Caller) -> dict[str, object]:
    """Who the presented key is: role, department, key id (public without a key)."""
    return {"role": caller.role, "department": caller.department, "key_id": caller.key_id}
