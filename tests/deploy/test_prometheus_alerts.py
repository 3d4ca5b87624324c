"""The alerting rules shipped in deploy/prometheus (docs/metrics.md) ask for what the service
exposes: every metric and label an expression names is in a real scrape of ``GET /metrics``'s
content, and ``promtool`` accepts the rules and passes their unit tests where it is installed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from tests.check.entries import entry
from tests.push.outbox import announce, load_entries

from jointcredit.access import OPERATOR, Principal
from jointcredit.services import metrics, proposals, subscriptions
from jointcredit.services.registry import open_registry
from jointcredit.settings import get_settings

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "jointcredit-alerts.yml"
#: Labels Prometheus adds to every scraped series, and the buckets' own.
ADDED = {"instance", "job", "le"}
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def _rules() -> list[dict[str, Any]]:
    loaded = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in loaded["groups"] for rule in group["rules"]]


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("JOINTCREDIT_WEBHOOK_KEY_FILE", str(tmp_path / "webhook.key"))
    get_settings.cache_clear()
    registry = open_registry(f"sqlite:///{tmp_path}/registry.sqlite3")
    metrics.enable(tmp_path / "metrics")
    yield registry
    metrics.disable()
    registry.dispose()
    monkeypatch.undo()
    get_settings.cache_clear()


def _exposed(engine: Engine, tmp_path: Path) -> dict[str, set[str]]:
    """Sample name → its label names, from a scrape after one of every event and with
    something in every part of the registry the scrape reads."""
    metrics.record_check("air-travel", "clear", 0.001)
    metrics.record_screen("air-travel", 1, 1)
    metrics.record_import("penalty", "csv", "finished", {"accepted": 1, "rejected": 1})
    metrics.record_deliveries([("NDRC", "delivered")])
    metrics.record_round(failed=False)
    subscriptions.subscribe(engine, "NDRC", "http://127.0.0.1:9/hook", by=OPERATOR)
    announce(engine, load_entries(engine, tmp_path, [1]), {"NDRC"})
    proposals.submit(
        engine,
        proposals.Request("create", entry=entry(95)),
        by=Principal("initiator", "SPC", key_id=1),
        now=dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC),
    )
    content, _ = metrics.exposition(engine)
    exposed: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(content.decode()):
        for suffix in SUFFIXES[family.type]:
            exposed.setdefault(family.name + suffix, set())
        for sample in family.samples:
            exposed.setdefault(sample.name, set()).update(sample.labels)
    return exposed


def test_every_alert_asks_for_metrics_and_labels_the_service_exposes(
    engine: Engine, tmp_path: Path
) -> None:
    exposed = _exposed(engine, tmp_path)
    assert {"jointcredit_checks_total", "jointcredit_outbox_undelivered_messages"} <= set(exposed)
    rules = _rules()
    assert len(rules) >= 10
    for rule in rules:
        name, expr = rule["alert"], rule["expr"]
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name
        used = re.findall(r"\b(jointcredit_\w+)(?:\{([^}]*)\})?", expr)
        assert used or "up{" in expr, f"{name} names no metric"
        labels_here: set[str] = set(ADDED)
        for metric, matchers in used:
            assert metric in exposed, f"{name}: {metric} is not exposed"
            labels_here |= exposed[metric]
            for label in re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", matchers):
                assert label in exposed[metric] | ADDED, f"{name}: {metric} has no label {label}"
        for grouping in re.findall(r"\bby\s*\(([^)]*)\)", expr):
            for label in filter(None, (x.strip() for x in grouping.split(","))):
                assert label in labels_here, f"{name}: groups by {label}, which no metric has"


def test_promtool_accepts_the_rules_and_their_unit_tests() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("JOINTCREDIT_REQUIRE_DEPLOY_TOOLS") == "1":
            pytest.fail("promtool is missing (JOINTCREDIT_REQUIRE_DEPLOY_TOOLS=1)")
        pytest.skip("promtool is not installed (apt-get install prometheus)")
    checked = subprocess.run(
        [promtool, "check", "rules", RULES.name], cwd=RULES.parent, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run(
        [promtool, "test", "rules", "jointcredit-alerts.test.yml"],
        cwd=RULES.parent,
        capture_output=True,
        text=True,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
