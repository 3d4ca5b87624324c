"""docs/integration.md stays true: its Python blocks marked ``<!-- tested: NAME -->`` run, in
order and in one namespace, against a real server on loopback.

The check block really calls the server with httpx and gets the decisions for the demo's
company; the receipt block verifies the answer with the published key; the webhook block
accepts a delivery signed by the platform's own signing function and refuses a tampered one.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from tests.api.conftest import DEFAULTER as COMPANY
from tests.api.server import LiveServer, free_port
from tests.importing.rows import uscc

from jointcredit.security import webhooks

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integration.md"
BLOCK = re.compile(r"<!-- tested: (\w+) -->\n```python\n(.*?)\n```", re.S)


def blocks() -> dict[str, str]:
    found = dict(BLOCK.findall(GUIDE.read_text(encoding="utf-8")))
    assert list(found) == ["check", "receipt", "webhook"], list(found)
    return found


def test_the_guides_snippets_work_against_a_real_server(
    defaulter_api: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = blocks()
    monkeypatch.setenv("CREDIT_PLATFORM_URL", defaulter_api.url)
    monkeypatch.setenv("CREDIT_PLATFORM_KEY", defaulter_api.key("implementer", "CAAC"))
    ns: dict[str, Any] = {"__name__": "guide"}

    # The check: a real call, the demo company's decisions printed.
    exec(compile(code["check"], "integration.md#check", "exec"), ns)
    answer = ns["answer"]
    assert answer["subject"]["identifier"] == COMPANY
    assert (answer["department"], answer["matter"]) == ("CAAC", "air-travel")
    [decision] = answer["decisions"]
    assert decision["status"] == "applied" and decision["list_type"] == "judgment-defaulters"
    assert decision["legal_basis"] in capsys.readouterr().out

    # An unknown subject: not an error, subject null, no punishment.
    unknown = ns["joint_check"](uscc(999), "air-travel")
    assert unknown["subject"] is None
    assert all(d["kind"] == "incentive" for d in unknown["decisions"])

    # A 4xx is refused at once, never retried.
    started = time.monotonic()
    with pytest.raises(ns["CheckRefused"]) as refused:
        ns["joint_check"](COMPANY, "no-such-matter")
    assert refused.value.args[:2] == (422, "check-input")
    assert time.monotonic() - started < 1

    # An unreachable platform: retried, then PlatformUnavailable.
    reachable = ns["PLATFORM"]
    ns["PLATFORM"] = f"http://127.0.0.1:{free_port()}/api/v1"
    with pytest.raises(ns["PlatformUnavailable"]):
        ns["joint_check"](COMPANY, "air-travel", attempts=2, first_delay=0.05)
    ns["PLATFORM"] = reachable

    # The receipt: the stored answer verifies with the published key; a changed one does not.
    exec(compile(code["receipt"], "integration.md#receipt", "exec"), ns)
    holds, pem = ns["receipt_holds"], ns["platform_pem"]
    changed = json.loads(json.dumps(answer))
    changed["decisions"][0]["status"] = "suspended"
    assert not holds(changed, pem)
    changed = json.loads(json.dumps(answer))
    changed["as_of"] = "2025-01-10"
    assert not holds(changed, pem)

    # The webhook: a delivery signed by the platform's own function is accepted, once.
    exec(compile(code["webhook"], "integration.md#webhook", "exec"), ns)
    secret = webhooks.new_secret()
    body = json.dumps(
        {"id": 7, "event": "entry.listed", "idempotency_key": "jc-test-1"}, ensure_ascii=False
    ).encode()
    now = int(time.time())
    headers = {
        "Idempotency-Key": "jc-test-1",
        "X-JointCredit-Timestamp": str(now),
        "X-JointCredit-Signature": webhooks.sign(secret, now, body),
    }
    genuine = ns["delivery_is_genuine"]
    assert genuine(secret, headers, body)
    assert not genuine(secret, headers, body.replace(b"listed", b"ended"))
    assert not genuine("another secret", headers, body)
    old = now - 3600
    stale = headers | {
        "X-JointCredit-Timestamp": str(old),
        "X-JointCredit-Signature": webhooks.sign(secret, old, body),
    }
    assert not genuine(secret, stale, body)
    assert ns["receive"](secret, headers, body) == 200
    assert ns["receive"](secret, headers, body) == 200  # a repeat: answered, done once
    assert ns["processed"] == {"jc-test-1"}
    assert ns["receive"](secret, headers, body + b" ") == 401
