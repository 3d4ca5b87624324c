"""Response models: the OpenAPI document promises exactly what these say (schemathesis checks
every response against it)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Model):
    code: str = Field(description="Stable machine-readable code, e.g. `forbidden`.")
    message: str
    problems: list[dict[str, str]] | None = None


class ErrorBody(Model):
    error: ErrorDetail


#: Documented for every route; FastAPI adds 422 itself, with its own model, replaced here.
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "Bad request"),
        (401, "No key, or an invalid or revoked key"),
        (403, "The key's role or department does not allow this"),
        (404, "Not found"),
        (413, "Request body too large"),
        (422, "Invalid input: the message names what and where"),
        (503, "The registry is not ready"),
    )
}


class CheckSubject(Model):
    identifier: str
    name: str
    kind: str


class Via(Model):
    role: str
    organisation: str


class Decision(Model):
    measure: str = Field(description="Catalog id of the measure.")
    kind: str = Field(description="incentive or punishment")
    binding: str
    text: str
    text_en: str
    legal_basis: str
    entry: int | None = Field(description="Registry id of the list entry; null: clean record.")
    list_type: str | None
    document_number: str | None
    via: Via | None = Field(description="The organisation role through which it applies.")
    status: str = Field(description="applied, or suspended (an objection is open)")
    until: str | None


class Receipt(Model):
    id: str
    issued_at: str
    subject: str
    department: str
    matter: str
    as_of: str
    catalog_version: str
    registry_version: int
    decisions_digest: str
    answer_digest: str
    audit_entry: int | None
    algorithm: str
    key_id: str
    signature: str


class CheckAnswer(Model):
    subject: CheckSubject | None
    department: str
    matter: str
    as_of: str
    catalog_version: str
    decisions: list[Decision]
    receipt: Receipt


class PublicKey(Model):
    algorithm: str
    key_id: str
    public_key_pem: str
    public_key: str = Field(description="Raw 32-byte Ed25519 public key, base64.")


class Health(Model):
    status: str


class Readiness(Model):
    status: str
    schema_revision: str | None
    catalog_version: str


class Me(Model):
    role: str
    department: str | None
    key_id: int | None
