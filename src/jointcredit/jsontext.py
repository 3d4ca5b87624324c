"""JSON text as the registry stores and sends it: compact, Chinese kept as is (half the size of
the escaped form)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def dumps(value: Any) -> str:
    """Serialise ``value``.

    >>> dumps({'名称': '测试', 'n': 1})
    '{"名称":"测试","n":1}'
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def iso(value: Any) -> Any:
    """Dates and timestamps as ISO 8601 text (timestamps in UTC, with ``Z``); anything else as
    it is.

    >>> import datetime as dt
    >>> iso(dt.datetime(2026, 12, 8, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    '2026-12-08T00:00:00.000000Z'
    >>> iso(dt.date(2026, 12, 8)), iso(7)
    ('2026-12-08', 7)
    """
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds") + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
