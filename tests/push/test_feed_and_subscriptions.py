"""The feed (paging, the acknowledged cursor, audit), the delivery state, and subscriptions
(the secret shown once and sealed at rest), on both databases; the CLI on SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from jointcredit.access import OPERATOR, Principal
from jointcredit.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from jointcredit.services import feed, subscriptions
from jointcredit.store.tables import audit_log, feed_cursors
from jointcredit.store.tables import subscriptions as subscriptions_table

from .outbox import announce, load_entries

SCRIPT = Path(sys.executable).with_name("jointcredit")
SAT = Principal("implementer", "SAT", key_id=7)


def test_the_feed_pages_by_cursor_and_records_what_was_acknowledged(
    registry: Engine, tmp_path: Path
) -> None:
    ids = announce(registry, load_entries(registry, tmp_path, range(1, 6)), {"SAT", "MPS"})
    assert len(ids) == 10
    page = feed.read(registry, by=SAT, limit=2)
    sat = [i["cursor"] for i in page["items"]]
    assert len(sat) == 2 and page["has_more"] and page["next_cursor"] == sat[-1]
    assert all(i["department"] == "SAT" and i["delivery"] == "feed" for i in page["items"])
    assert page["items"][0]["event"] == "entry.listed" and page["items"][0]["entry"]["id"]
    second = feed.read(registry, by=SAT, after=page["next_cursor"], limit=2)
    third = feed.read(registry, by=SAT, after=second["next_cursor"], limit=2)
    last = feed.read(registry, by=SAT, after=third["next_cursor"], limit=2)
    everything = sat + [i["cursor"] for i in second["items"] + third["items"]]
    assert len(everything) == 5 and everything == sorted(everything)
    assert not third["has_more"] and last["items"] == []
    assert last["next_cursor"] == last["after"] == everything[-1]
    with registry.connect() as conn:
        assert conn.execute(select(feed_cursors.c.cursor)).scalar_one() == everything[-1]
        reads = [
            r.detail
            for r in conn.execute(
                select(audit_log.c.detail, audit_log.c.key_id).where(
                    audit_log.c.action == "read-feed"
                )
            )
        ]
    first_ids = [i["id"] for i in page["items"]]
    assert len(reads) == 4 and reads[0]["first"] == first_ids[0]
    assert reads[0]["last"] == first_ids[1] and reads[0]["next_cursor"] == sat[1]
    # Reading an old page again does not move the acknowledged cursor back.
    feed.read(registry, by=SAT, after=0, limit=1)
    [state] = feed.status(registry, by=SAT)
    assert state["feed_cursor"] == everything[-1] and state["after_cursor"] == 0
    assert (state["messages"], state["feed_only"], state["webhook_url"]) == (5, 5, None)
    # An implementer reads its own department only; the operator names one.
    with pytest.raises(PermissionDeniedError):
        feed.read(registry, by=SAT, department="MPS")
    with pytest.raises(InvalidInputError, match="name the department"):
        feed.read(registry, by=OPERATOR)
    assert len(feed.read(registry, by=OPERATOR, department="MPS")["items"]) == 5
    everyone = {s["department"]: s for s in feed.status(registry, by=OPERATOR)}
    assert set(everyone) == {"SAT", "MPS"} and everyone["MPS"]["after_cursor"] == 5


def test_the_secret_is_shown_once_and_sealed_at_rest(registry: Engine) -> None:
    made = subscriptions.subscribe(
        registry,
        "NDRC",
        "https://hooks.example.cn/jc",
        by=OPERATOR,
        list_types=["a-grade-taxpayers"],
    )
    assert made.created and made.secret is not None and len(made.secret) == 43
    with registry.connect() as conn:
        stored = conn.execute(select(subscriptions_table)).mappings().one()
    assert made.secret not in json.dumps(dict(stored), default=str)
    assert subscriptions.open_secret("NDRC", stored["secret_ciphertext"]) == made.secret
    shown = subscriptions.get(registry, "NDRC", by=OPERATOR)
    assert "secret" not in shown and shown["list_types"] == ["a-grade-taxpayers"]
    # A change keeps the secret (and does not show it); a rotation makes a new one.
    changed = subscriptions.subscribe(registry, "NDRC", "https://hooks.example.cn/v2", by=OPERATOR)
    assert changed.secret is None and not changed.created
    rotated = subscriptions.subscribe(
        registry, "NDRC", "https://hooks.example.cn/v2", by=OPERATOR, rotate_secret=True
    )
    assert rotated.secret not in (None, made.secret)
    # Sealed to its department: copied to another row it does not open.
    from jointcredit.errors import IntegrityFailure

    with pytest.raises(IntegrityFailure):
        subscriptions.open_secret("MPS", stored["secret_ciphertext"])
    with registry.connect() as conn:
        actions = list(
            conn.execute(
                select(audit_log.c.action)
                .where(audit_log.c.action.like("%subscri%"))
                .order_by(audit_log.c.id)
            ).scalars()
        )
    assert actions == ["subscribe", "change-subscription", "change-subscription"]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://x.cn/a", "must start with http"),
        ("https://user:pw@x.cn/a", "user name or password"),
        ("https:///a", "names no host"),
        ("https://x.cn/a b", "spaces"),
        ("https://x.cn:99999/", "not a valid URL"),
    ],
)
def test_a_bad_url_is_refused_with_the_reason(url: str, problem: str) -> None:
    with pytest.raises(InvalidInputError, match=problem):
        subscriptions.validate_url(url)


def test_who_may_manage_a_subscription(registry: Engine) -> None:
    with pytest.raises(PermissionDeniedError):
        subscriptions.subscribe(registry, "NDRC", "https://x.cn/", by=SAT)
    # An admin manages its own department's subscription only.
    with pytest.raises(PermissionDeniedError):
        subscriptions.subscribe(
            registry, "NDRC", "https://x.cn/", by=Principal("admin", "SPC", key_id=9)
        )
    admin = Principal("admin", "NDRC", key_id=9)
    assert subscriptions.subscribe(registry, "NDRC", "https://x.cn/", by=admin).created
    with pytest.raises(InvalidInputError, match="not in the catalog"):
        subscriptions.subscribe(registry, "NOPE", "https://x.cn/", by=Principal("operator"))
    with pytest.raises(NotFoundError):
        subscriptions.get(registry, "SAT", by=SAT)
    assert subscriptions.unsubscribe(registry, "NDRC", by=admin)["active"] is False
    with pytest.raises(NotFoundError, match="no active webhook"):
        subscriptions.unsubscribe(registry, "NDRC", by=admin)


def test_cli_subscribe_prints_the_secret_once_then_status_and_feed(
    sqlite_url: str, tmp_path: Path
) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT), *args, "-d", sqlite_url],
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "300"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    made = run("push", "subscribe", "NDRC", "http://hooks.example.cn/jc", "--json")
    assert made.returncode == 0, made.stderr
    body = json.loads(made.stdout)
    assert len(body["secret"]) == 43 and body["created"]
    assert "shown once" in made.stderr and "plain http" in made.stderr
    again = run("push", "subscribe", "NDRC", "https://hooks.example.cn/jc")
    assert again.returncode == 0 and "changed subscription of NDRC" in again.stdout
    assert body["secret"] not in again.stdout + again.stderr
    status = run("push", "status", "--json")
    assert json.loads(status.stdout)[0]["webhook_url"] == "https://hooks.example.cn/jc"
    assert "unsubscribed NDRC" in run("push", "unsubscribe", "NDRC").stdout
