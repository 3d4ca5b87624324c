"""An estimated due day is marked * on its row and explained once per page, in the console's
queues, the review queue and self-service (rendered from the templates' own macros)."""

from __future__ import annotations

from typing import Any

import pytest

from jointcredit.web import i18n
from jointcredit.web.render import environment


def rendered(source: str, **context: Any) -> str:
    return environment().from_string(source).render(t=i18n.translator("zh"), **context)


def item(number: int, estimated: bool, status: str = "open") -> dict[str, Any]:
    return {
        "id": number,
        "due": f"2032-01-{number:02d}",
        "due_estimated": estimated,
        "status": status,
        "overdue": False,
    }


@pytest.mark.parametrize("estimated", [0, 1, 3])
def test_console_queue(estimated: int) -> None:
    items = [item(i + 1, i < estimated) for i in range(4)]
    html = rendered(
        '{% import "console/objections_parts.html" as parts with context %}'
        "{{ parts.estimated_notice(items) }}"
        "{% for i in items %}<li>{{ parts.due_day(i) }}</li>{% endfor %}",
        items=items,
    )
    assert html.count('id="due-estimated"') == (1 if estimated else 0)
    assert html.count("暂只扣除周末计算工作日") == (1 if estimated else 0)
    assert html.count('class="estimated-mark"') == estimated
    assert html.count("（按周末估算）") == estimated  # for screen readers, on the row


def test_review_queue() -> None:
    proposals = [
        {"due": "2032-01-05", "due_state": ("due-soon", 1), "due_warning": "weekends only"},
        {"due": "2032-01-06", "due_state": (None, 3), "due_warning": "weekends only"},
        {"due": "2026-12-08", "due_state": (None, 1), "due_warning": None},
    ]
    html = rendered(
        '{% import "console/review_parts.html" as parts with context %}'
        "{{ parts.estimated_notice(proposals) }}"
        "{% for p in proposals %}{{ parts.due_badge(p) }}{% endfor %}",
        proposals=proposals,
    )
    assert html.count('id="due-estimated"') == 1
    assert html.count('class="estimated-mark"') == 2
    assert "期限为估算" in html and html.count("期限为估算") == 1


def test_self_service_counts_only_open_items() -> None:
    source = (
        '{% from "me/_due.html" import due, estimated_notice with context %}'
        '{{ estimated_notice(objections, repairs, ("open",), ("applied", "accepted")) }}'
        '{% for o in objections %}{{ due(o, ("open",)) }}{% endfor %}'
        '{% for a in repairs %}{{ due(a, ("applied", "accepted")) }}{% endfor %}'
    )
    closed = [item(1, True, "upheld")], [item(2, True, "rejected")]
    html = rendered(source, objections=closed[0], repairs=closed[1])
    assert 'id="due-estimated"' not in html and "estimated-mark" not in html
    both = [item(1, True), item(2, True)], [item(3, True, "accepted")]
    html = rendered(source, objections=both[0], repairs=both[1])
    assert html.count('id="due-estimated"') == 1
    assert html.count('class="estimated-mark"') == 3
