"""The OpenAPI document declares the departments' key (issue 18): Swagger offers "Authorize",
generated clients know where the key goes."""

from __future__ import annotations

from pathlib import Path

from jointcredit.api.app import create_app


def test_the_key_is_a_declared_bearer_scheme(tmp_path: Path) -> None:
    document = create_app(f"sqlite:///{tmp_path}/registry.sqlite3").openapi()
    scheme = document["components"]["securitySchemes"]["departmentKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    check = document["paths"]["/api/v1/check"]["get"]
    assert {"departmentKey": []} in check["security"]
