"""Property-based tests against the OpenAPI document: for generated requests to every
operation, with a key of each role and without one, no answer is a server error and every
answer matches the document (status, content type, body schema).

Bounded: a few examples per operation (JOINTCREDIT_SCHEMATHESIS_EXAMPLES to ask for more). On
SQLite; JOINTCREDIT_SCHEMATHESIS_DATABASE_URL points it at another, empty, database.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.api.server import LiveServer, live_server
from tests.check.entries import entry, write_entries
from tests.importing.rows import resident_id, uscc

from jointcredit.access import OPERATOR
from jointcredit.api.app import PREFIX, create_app
from jointcredit.services import keys, tipoffs
from jointcredit.services.imports import import_file
from jointcredit.services.registry import open_registry

ROLES = ("initiator", "implementer", "reviewer", "supervisor", "admin")
EXAMPLES = int(os.environ.get("JOINTCREDIT_SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server on SQLite with a listed company, its representative and a report."""
    directory: Path = tmp_path_factory.mktemp("schemathesis")
    url = os.environ.get("JOINTCREDIT_SCHEMATHESIS_DATABASE_URL") or (
        f"sqlite:///{directory}/registry.sqlite3"
    )
    engine = open_registry(url)
    rep = {"role": "legal-representative", "name": "王测试", "id_number": resident_id(601)}
    path = write_entries(directory / "entries.jsonl", [entry(301, persons=[rep])])
    assert import_file(engine, "list-entry", path).accepted == 1
    tipoffs.submit(
        engine,
        by=OPERATOR,
        department="NDRC",
        subject=uscc(301),
        description="涉嫌虚构交易。",
        reporter=tipoffs.Reporter("测试举报人", "13800000000"),
    )
    # Generated key ids are small numbers: keep the test's own keys out of their reach, so
    # that a generated DELETE /keys/{id} revokes a bystander.
    for _ in range(40):
        keys.create(engine, department="SPC", role="reviewer", name="bystander", by=OPERATOR)
    engine.dispose()
    with live_server(url) as running:
        for role in ROLES:
            running.key(role)
        yield running


# The document the server serves, taken from the app itself: a schema loaded lazily from the
# live server (schemathesis.pytest.from_fixture) does not run under pytest 9 yet.
schema = schemathesis.openapi.from_dict(create_app().openapi())


def _call(case: Any, server: LiveServer, role: str) -> Any:
    if role == "public":
        return case.call(base_url=server.url)
    response = case.call(
        base_url=server.url, headers={"Authorization": f"Bearer {server.key(role)}"}
    )
    if response.status_code == 401:
        # A generated rotation or revocation hit the test's own key: make another one.
        server._keys.pop((role, "NDRC"))
        response = case.call(
            base_url=server.url, headers={"Authorization": f"Bearer {server.key(role)}"}
        )
    return response


#: Each generated request goes out once, in turn as the public or with one role's key.
_TURNS = itertools.cycle(("public", *ROLES))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_answer_matches_the_document(case: Any, server: LiveServer) -> None:
    """Every phase of schemathesis (examples, coverage of boundaries and invalid values,
    fuzzing); the requests of each operation go out in turn without a key and with each
    role's, so that every role meets every operation."""
    role = next(_TURNS)
    case.validate_response(_call(case, server, role), checks=CHECKS)


def test_the_server_serves_that_document(server: LiveServer) -> None:
    r = httpx.get(server.url + PREFIX + "/openapi.json")
    assert r.status_code == 200
    assert r.json() == create_app().openapi()
