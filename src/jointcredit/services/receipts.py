"""Signed check receipts: proof of what the platform answered, verifiable offline.

A receipt binds the answer's subject, department, matter, as-of date, the catalog version and
the registry version (the last history row the registry had) to digests of the decisions and
of the whole answer, and is signed with the platform's Ed25519 key. Anyone with the published
public key (``/api/v1/receipts/key``) can check a saved answer: :func:`verify` lists every
problem, and an answer changed in any byte that matters (JSON spacing and key order do not)
has at least one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from jointcredit.security.digest import check_digest, default_algorithm, digest_of
from jointcredit.security.signing import ALGORITHM, PublicKey, SigningKey
from jointcredit.settings import get_settings
from jointcredit.store.tables import record_history

#: Fields of the answer the receipt repeats; a verifier checks they agree.
BOUND = ("department", "matter", "as_of", "catalog_version")


def key_path() -> Path:
    settings = get_settings()
    return settings.receipt_key_file or settings.keys_dir() / "receipt-signing.pem"


@cache
def _signer(path: Path) -> SigningKey:
    return SigningKey.from_file(path)


def signer() -> SigningKey:
    """The platform's signing key (created on first use)."""
    return _signer(key_path())


def public_key() -> PublicKey:
    return signer().public


_REGISTRY_VERSION = select(func.max(record_history.c.id))


def registry_version(conn: Connection) -> int:
    """The id of the registry's last history row: it grows with every write to a record."""
    return int(conn.execute(_REGISTRY_VERSION).scalar() or 0)


def draft(answer: dict[str, Any], *, subject: str, registry_version: int) -> dict[str, Any]:
    """The receipt for ``answer`` (a check answer without receipt), not yet signed: the
    audit row it will name is written first."""
    algorithm = default_algorithm()
    return {
        "id": uuid.uuid4().hex,
        "issued_at": dt.datetime.now(dt.UTC)
        .isoformat(timespec="microseconds")
        .replace("+00:00", "Z"),
        "subject": subject,
        **{name: answer[name] for name in BOUND},
        "registry_version": registry_version,
        "decisions_digest": digest_of(answer["decisions"], algorithm),
        "answer_digest": digest_of(answer, algorithm),
    }


def signed(
    receipt: dict[str, Any], *, audit_entry: int | None, key: SigningKey | None = None
) -> dict[str, Any]:
    """``receipt`` completed with the audit row's id and the platform's signature."""
    key = key or signer()
    out = receipt | {
        "audit_entry": audit_entry,
        "algorithm": ALGORITHM,
        "key_id": key.public.key_id,
    }
    out["signature"] = key.sign(out)
    return out


def issue(
    answer: dict[str, Any],
    *,
    subject: str,
    registry_version: int,
    key: SigningKey | None = None,
    audit_entry: int | None = None,
) -> dict[str, Any]:
    """The signed receipt for ``answer`` in one step."""
    receipt = draft(answer, subject=subject, registry_version=registry_version)
    return signed(receipt, audit_entry=audit_entry, key=key)


def verify(saved: Any, key: PublicKey) -> list[str]:
    """Every reason ``saved`` (a check answer with its receipt, as returned) is not what the
    platform signed; empty when it is intact."""
    if not isinstance(saved, dict) or not isinstance(saved.get("receipt"), dict):
        return ["not a check answer with a receipt (no 'receipt' object)"]
    answer = dict(saved)
    receipt = dict(answer.pop("receipt"))
    problems: list[str] = []
    signature = receipt.pop("signature", None)
    if receipt.get("algorithm") != ALGORITHM:
        problems.append(f"unknown signature algorithm {receipt.get('algorithm')!r}")
    if receipt.get("key_id") != key.key_id:
        problems.append(
            f"signed with key {receipt.get('key_id')!r}, not with the given key {key.key_id}"
        )
    elif not isinstance(signature, str) or not key.verify(receipt, signature):
        problems.append("the signature does not match the receipt: the receipt was changed")
    if "decisions" not in answer or not check_digest(
        answer["decisions"], str(receipt.get("decisions_digest"))
    ):
        problems.append("the decisions differ from those the receipt was issued for")
    if not check_digest(answer, str(receipt.get("answer_digest"))):
        problems.append("the answer differs from the one the receipt was issued for")
    for name in BOUND:
        if answer.get(name) != receipt.get(name):
            problems.append(
                f"{name}: the answer says {answer.get(name)!r}, the receipt {receipt.get(name)!r}"
            )
    subject = answer.get("subject")
    if isinstance(subject, dict) and subject.get("identifier") != receipt.get("subject"):
        problems.append("the answer's subject is not the receipt's subject")
    return problems
