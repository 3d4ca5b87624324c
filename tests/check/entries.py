"""Synthetic list entries for check tests (identifiers computed, organisation codes marked JC)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.importing.rows import resident_id, uscc


def entry(
    serial: int,
    list_type: str = "judgment-defaulters",
    *,
    department: str = "SPC",
    decided_on: str = "2024-03-05",
    persons: list[dict[str, str]] | None = None,
    kind: str = "legal-person",
    **fields: Any,
) -> dict[str, Any]:
    subject: dict[str, str] = {"name": f"测试{serial}有限公司", "kind": kind}
    if kind == "natural-person":
        subject["id_number"] = resident_id(serial, birth="19700101")
        subject["name"] = f"测试人{serial}"
    else:
        subject["uscc"] = uscc(serial)
    return {
        "list_type": list_type,
        "subject": subject,
        "persons": persons or [],
        "document_number": f"（2024）京0101执{serial}号",
        "decided_on": decided_on,
        "department": department,
        "legal_basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        **fields,
    }


def write_entries(path: Path, entries: list[dict[str, Any]]) -> Path:
    path.write_text(
        "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8"
    )
    return path
