"""The file formats the platform reads and writes, as JSON Schemas. Public, read-only: they
describe files, never what a registry holds."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from jointcredit.api import schemas as api_schemas
from jointcredit.errors import NotFoundError
from jointcredit.importing import schemas

router = APIRouter(tags=["formats"])


class SchemaRef(api_schemas.Model):
    name: str
    title: str
    url: str


@router.get("/schemas", summary="The formats' JSON Schemas")
def list_schemas() -> list[SchemaRef]:
    """Every format the platform reads or writes (docs/formats.md), with its schema's URL."""
    return [
        SchemaRef(name=name, title=schemas.schema(name)["title"], url=f"/api/v1/schemas/{name}")
        for name in schemas.names()
    ]


@router.get("/schemas/{name}", summary="One format's JSON Schema", responses=api_schemas.ERRORS)
def get_schema(
    name: Annotated[str, Path(description="A name from GET /schemas.", max_length=64)],
) -> dict[str, Any]:
    """The JSON Schema (2020-12) of one row of the format: its columns, the values coded
    columns take, the spellings of dates and amounts, the columns a row must fill."""
    if name not in schemas.SCHEMAS:
        raise NotFoundError(f"path.name: no format {name!r}; formats: {', '.join(schemas.names())}")
    return schemas.schema(name)
