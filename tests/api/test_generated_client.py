"""A Python client generated from the live OpenAPI document works (issue 18, item 6).

openapi-python-client builds a client from ``/api/v1/openapi.json`` with the configuration
docs/integration.md ships; the test then uses it as a department's developer would: the key
goes in through the declared bearer scheme, the check answers the demo company's decisions as
models, a refused call comes back as the documented error body, and the screen's JSON Lines
answer (a content type the generator does not know) is still there to read.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.api.conftest import DEFAULTER as COMPANY
from tests.api.server import LiveServer
from tests.importing.rows import uscc

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "docs" / "openapi-python-client.yaml"
PACKAGE = "jc_generated_client"


@pytest.fixture
def generated(defaulter_api: LiveServer, tmp_path: Path) -> Iterator[Any]:
    """The client package, generated as the guide says, imported from a temporary directory."""
    spec = tmp_path / "openapi.json"
    spec.write_bytes(httpx.get(f"{defaulter_api.url}/api/v1/openapi.json", timeout=10).content)
    bindir = Path(sys.executable).parent
    done = subprocess.run(
        [
            str(bindir / "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--config",
            str(CONFIG),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
        ],
        capture_output=True,
        text=True,
        # Its post-generation hook formats the code with ruff, when ruff is on PATH.
        env=os.environ | {"PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # The document is complete for the generator: nothing skipped, no response left out.
    assert "Warning" not in done.stdout, done.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_a_generated_client_checks_screens_and_gets_the_error_body(
    defaulter_api: LiveServer, generated: Any
) -> None:
    check = importlib.import_module(f"{PACKAGE}.api.check.check_api_v1_check_get")
    me = importlib.import_module(f"{PACKAGE}.api.system.me_api_v1_me_get")
    screen = importlib.import_module(f"{PACKAGE}.api.screen.screen_api_v1_screen_post")
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")

    key = defaulter_api.key("implementer", "CAAC")
    client = generated.AuthenticatedClient(base_url=defaulter_api.url, token=key)

    # The key goes in through the declared bearer scheme: the platform knows who is asking.
    who = me.sync(client=client)
    assert isinstance(who, models.Me) and who.department == "CAAC"

    # The check: typed models, the demo company's binding punishment with its legal basis.
    answer = check.sync(client=client, subject=COMPANY, matter="air-travel")
    assert isinstance(answer, models.CheckAnswer), answer
    assert answer.subject.identifier == COMPANY
    [decision] = answer.decisions
    assert decision.status == "applied" and decision.legal_basis

    # A refused call: the documented error body, with its stable code.
    refused = check.sync_detailed(client=client, subject=COMPANY, matter="no-such-matter")
    assert refused.status_code == 422
    assert isinstance(refused.parsed, models.ErrorBody)
    assert refused.parsed.error.code == "check-input"

    # A wrong key: 401 with the error body, never an answer as the public.
    stranger = generated.AuthenticatedClient(
        base_url=defaulter_api.url, token="jc_nosuch_" + "x" * 32
    )
    assert (
        check.sync_detailed(client=stranger, subject=COMPANY, matter="air-travel").status_code
        == 401
    )

    # The screen: the file part is uploaded as a file, the JSON Lines answer read as bytes.
    upload = types.File(
        payload=f"{COMPANY}\n{uscc(999)}\nnot-an-id\n".encode(), file_name="ids.txt"
    )
    body = models.BodyScreenApiV1ScreenPost(file=upload)
    streamed = screen.sync_detailed(client=client, body=body, matter="air-travel")
    assert streamed.status_code == 200, streamed.content
    lines = [json.loads(line) for line in streamed.content.decode().splitlines()]
    assert [line["line"] for line in lines] == [1, 2, 3]
    assert lines[0]["identifier"] == COMPANY and lines[0]["decisions"]
    assert lines[1]["subject"] is None
    assert lines[2]["error"]
