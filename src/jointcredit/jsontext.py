"""JSON text as the registry stores and sends it: compact, Chinese kept as is (half the size of
the escaped form)."""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> str:
    """Serialise ``value``.

    >>> dumps({'名称': '测试', 'n': 1})
    '{"名称":"测试","n":1}'
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
