"""Signed check receipts: an answer saved from the HTTP API verifies offline with the published
key; any single change anywhere in it is caught; JSON spacing and key order are not changes."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.api.server import LiveServer, live_server
from tests.check.entries import entry, write_entries
from tests.importing.rows import resident_id, uscc

from jointcredit.security.signing import PublicKey, SigningKey
from jointcredit.services import receipts
from jointcredit.services.imports import import_file
from jointcredit.services.registry import open_registry

REP = {"role": "legal-representative", "name": "王测试", "id_number": resident_id(601)}
COMPANY = uscc(301)
ASK = {"department": "CAAC", "matter": "air-travel", "as_of": "2025-01-10"}


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """A server on a registry with a listed company and its legal representative."""
    engine = open_registry(db_url)
    path = write_entries(tmp_path / "entries.jsonl", [entry(301, persons=[REP])])
    assert import_file(engine, "list-entry", path).accepted == 1
    engine.dispose()
    with live_server(db_url) as server:
        yield server


def _answer(api: LiveServer, subject: str) -> dict[str, Any]:
    r = api.get("/check", "implementer", "CAAC", params={"subject": subject, **ASK})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["decisions"], "the fixture should give decisions to tamper with"
    return body


def _platform_key(api: LiveServer) -> PublicKey:
    r = api.get("/receipts/key")
    assert r.status_code == 200, r.text
    body = r.json()
    key = PublicKey.from_pem(body["public_key_pem"].encode())
    assert base64.b64decode(body["public_key"]) == key.raw
    assert body["key_id"] == key.key_id and body["algorithm"] == "Ed25519"
    return key


Path_ = tuple[str | int, ...]


def _leaves(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every node of a JSON value with its path, containers included (after their items)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    yield path, value


def _parent(doc: Any, path: Path_) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


def _changed(value: Any) -> list[Any]:
    """Different values in place of ``value``: every kind of single-field change."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1, str(value)]
    if isinstance(value, str):
        flipped = value[:-1] + ("x" if value[-1:] != "x" else "y") if value else "x"
        return [flipped, value + " ", value.upper() if value.upper() != value else None]
    if value is None:
        return ["", 0, False]
    if isinstance(value, list):
        out: list[Any] = [[], value + value[-1:]] if value else [[{}]]
        if len(value) > 1:
            out += [value[:-1], value[::-1]]
        return out
    if isinstance(value, dict):
        return [{**value, "extra": 1}, {k: value[k] for k in list(value)[1:]}]
    raise AssertionError(value)


def _mutations(answer: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, value in _leaves(answer):
        for new in _changed(value):
            if new == value and type(new) is type(value):
                continue
            doc = copy.deepcopy(answer)
            if not path:
                yield "root", new
                continue
            _parent(doc, path)[path[-1]] = new
            yield "/".join(map(str, path)) + f" = {new!r}"[:60], doc
        if path and isinstance(_parent(answer, path), dict):
            doc = copy.deepcopy(answer)
            del _parent(doc, path)[path[-1]]
            yield "/".join(map(str, path)) + " removed", doc


def _reordered(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reordered(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(v) for v in value]
    return value


def test_an_answer_verifies_and_any_change_is_caught(served: LiveServer) -> None:
    key = _platform_key(served)
    for subject in (COMPANY, REP["id_number"]):
        answer = _answer(served, subject)
        assert receipts.verify(answer, key) == []
        # Saved with other spacing and key order, read back: still the same answer.
        saved = json.dumps(_reordered(answer), ensure_ascii=True, indent=3)
        assert receipts.verify(json.loads(saved), key) == []
        tried = 0
        for where, changed in _mutations(answer):
            tried += 1
            assert receipts.verify(changed, key), f"not caught: {where}"
        assert tried > 100


def test_a_person_is_reached_through_the_company(served: LiveServer) -> None:
    answer = _answer(served, REP["id_number"])
    assert {d["via"]["organisation"] for d in answer["decisions"]} == {COMPANY}


def test_another_platforms_key_does_not_verify(served: LiveServer) -> None:
    answer = _answer(served, COMPANY)
    other = SigningKey.generate()
    problems = receipts.verify(answer, other.public)
    assert any("not with the given key" in p for p in problems)
    # Re-signed by someone else: the platform's key refuses it.
    forged = copy.deepcopy(answer)
    receipt = forged["receipt"]
    receipt["key_id"] = other.public.key_id
    receipt.pop("signature")
    receipt["signature"] = other.sign(receipt)
    assert receipts.verify(forged, other.public) == []
    assert receipts.verify(forged, _platform_key(served))
