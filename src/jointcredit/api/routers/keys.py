"""Departments' API keys, for `admin` keys: list, create, rotate, revoke — each admin its own
department's keys only (403 for another department's).

A key's secret is shown once, in the answer that creates it (create, rotate); the platform
keeps only its hash. Every change is recorded in the audit log.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import Field

from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Registry
from jointcredit.choices import roles
from jointcredit.services import keys

router = APIRouter(tags=["keys"])

ROW_ID_MAX = 2**63 - 1
Role = roles.ROLES.enum("Role")
KeyId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The key's id.")]


class ApiKey(schemas.Model):
    id: int
    prefix: str = Field(description="The key's public part (`jc_<prefix>_…`).")
    department: str
    role: str
    name: str | None
    created_at: str
    revoked_at: str | None
    replaced_by: int | None = Field(description="The key that replaced it (rotation).")
    active: bool


class KeyIn(schemas.Model):
    department: str = Field(
        min_length=1, max_length=64, description="Department the key acts for (catalog code)."
    )
    role: Role  # type: ignore[valid-type]
    name: str | None = Field(
        default=None, max_length=200, pattern=r"^[^\x00]*$", description="What uses the key."
    )


class IssuedKey(schemas.Model):
    id: int
    key: str = Field(description="The key itself: shown this once, keep it secret.")
    prefix: str
    department: str
    role: str
    name: str | None


@router.get("/keys", response_model=list[ApiKey], responses=schemas.ERRORS, summary="API keys")
def listed(
    registry: Registry,
    caller: Caller,
    include_revoked: Annotated[bool, Query(description="List revoked keys too.")] = True,
) -> list[dict[str, Any]]:
    """The API keys of the admin's own department, without their secrets. Needs an `admin`
    key."""
    return keys.listed(registry, by=caller, include_revoked=include_revoked)


@router.post(
    "/keys",
    status_code=status.HTTP_201_CREATED,
    response_model=IssuedKey,
    responses=schemas.ERRORS,
    summary="Create an API key",
)
def create(registry: Registry, caller: Caller, body: KeyIn) -> dict[str, Any]:
    """A new key for the admin's own department and a role. The answer holds the key: it is
    shown once. Needs an `admin` key of that department."""
    return keys.create(
        registry, department=body.department, role=str(body.role), name=body.name, by=caller
    ).to_dict()


@router.post(
    "/keys/{key_id}/rotate",
    status_code=status.HTTP_201_CREATED,
    response_model=IssuedKey,
    responses=schemas.ERRORS,
    summary="Rotate an API key",
)
def rotate(registry: Registry, caller: Caller, key_id: KeyId) -> dict[str, Any]:
    """A new key for the same department, role and name; the old one stops working at once.
    The answer holds the new key: it is shown once. Needs an `admin` key."""
    return keys.rotate(registry, key_id, by=caller).to_dict()


@router.delete(
    "/keys/{key_id}", response_model=ApiKey, responses=schemas.ERRORS, summary="Revoke an API key"
)
def revoke(registry: Registry, caller: Caller, key_id: KeyId) -> dict[str, Any]:
    """Revoke the key at once (revoking a revoked key changes nothing). Needs an `admin` key."""
    return keys.revoke(registry, key_id, by=caller)
