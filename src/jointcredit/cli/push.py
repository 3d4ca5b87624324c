"""``jointcredit push``: webhook subscriptions, the delivery state, retries and the feed, for the
local operator (acting as ``operator``; every change and every read is audited).

A subscription's secret is printed once, when it is made or rotated; the platform keeps it
sealed under its webhook key file.
"""

from __future__ import annotations

from typing import Any

import typer

from jointcredit.access import OPERATOR
from jointcredit.cli.common import DatabaseOption, console, err_console, handle_errors, print_json
from jointcredit.cli.tables import CliTable
from jointcredit.services import feed as feed_service
from jointcredit.services import subscriptions as service
from jointcredit.services.registry import open_registry

app = typer.Typer(
    help="Push to departments: webhook subscriptions, delivery state, retries, the feed.",
    no_args_is_help=True,
)

JsonOption = typer.Option(False, "--json", help="Print the result as JSON.")
DepartmentArgument = typer.Argument(..., help="Department (catalog code), e.g. NDRC.")

SHOWN_ONCE = (
    "this secret is shown once: give it to the department's receiver now; it verifies every "
    "delivery's X-JointCredit-Signature with it (docs/push.md)"
)


@app.command("subscribe")
@handle_errors
def subscribe(
    department: str = DepartmentArgument,
    url: str = typer.Argument(..., help="The department's webhook URL (http or https)."),
    list_types: list[str] = typer.Option(
        [],
        "--list-type",
        help="A list type to receive beyond those the department implements measures on "
        "(repeatable).",
    ),
    rotate_secret: bool = typer.Option(
        False, "--rotate-secret", help="Make a new secret for an existing subscription."
    ),
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Register (or change) the department's webhook; a new secret is printed once."""
    done = service.subscribe(
        open_registry(database),
        department,
        url,
        by=OPERATOR,
        list_types=list_types,
        rotate_secret=rotate_secret,
    )
    for warning in service.warnings(done.subscription["url"]):
        err_console.print(f"warning: {warning}", highlight=False, markup=False)
    if as_json:
        print_json(done.to_dict())
    else:
        sub = done.subscription
        extra = f" (also list types: {', '.join(sub['list_types'])})" if sub["list_types"] else ""
        verb = "subscribed" if done.created else "changed subscription of"
        console.print(f"{verb} {department}: {sub['url']}{extra}", highlight=False)
        if done.secret is not None:
            typer.echo(done.secret)
    if done.secret is not None:
        err_console.print(f"warning: {SHOWN_ONCE}", highlight=False, markup=False)


@app.command("unsubscribe")
@handle_errors
def unsubscribe(
    department: str = DepartmentArgument,
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Stop the department's webhook: undelivered messages stay in its feed."""
    row = service.unsubscribe(open_registry(database), department, by=OPERATOR)
    if as_json:
        print_json(row)
        return
    console.print(
        f"unsubscribed {department}; {row['moved_to_feed']} undelivered messages stay in its feed",
        highlight=False,
    )


def _age(seconds: float | None) -> str:
    if seconds is None:
        return ""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


@app.command("status")
@handle_errors
def status(
    department: str | None = typer.Option(None, "--department", help="Only this department."),
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Delivery state per department: messages by state, the oldest undelivered, the feed."""
    rows = feed_service.status(open_registry(database), by=OPERATOR, department=department)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no messages and no subscriptions")
        return
    table = CliTable()
    columns = (
        "department",
        "messages",
        "pending",
        "delivered",
        "failed",
        "feed only",
        "oldest undelivered",
        "last delivered",
        "cursor",
        "after cursor",
        "webhook",
    )
    for column in columns:
        numeric = column not in ("department", "last delivered", "webhook", "oldest undelivered")
        table.add_column(column, justify="right" if numeric else "left")
    for r in rows:
        table.add_row(
            r["department"],
            str(r["messages"]),
            str(r["pending"]),
            str(r["delivered"]),
            str(r["failed"]),
            str(r["feed_only"]),
            _age(r["oldest_undelivered_seconds"]),
            (r["last_delivered_at"] or "")[:19].replace("T", " "),
            "" if r["feed_cursor"] is None else str(r["feed_cursor"]),
            str(r["after_cursor"]),
            r["webhook_url"] or "(feed only)",
        )
    console.print(table)


@app.command("retry")
@handle_errors
def retry(
    department: str | None = typer.Option(None, "--department", help="Only this department."),
    message: int | None = typer.Option(None, "--message", min=1, help="Only this message id."),
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """Send failed messages again: back to pending, due now (the worker delivers them)."""
    ids = feed_service.retry(
        open_registry(database), by=OPERATOR, department=department, message_id=message
    )
    if as_json:
        print_json({"retried": ids})
        return
    console.print(f"{len(ids)} failed messages back to pending", highlight=False)


@app.command("feed")
@handle_errors
def feed(
    department: str = DepartmentArgument,
    after: int = typer.Option(
        0, "--after", min=0, help="Cursor: messages with an id above it (acknowledges it)."
    ),
    limit: int = typer.Option(100, "--limit", min=1, max=feed_service.FEED_LIMIT_MAX),
    as_json: bool = JsonOption,
    database: str | None = DatabaseOption,
) -> None:
    """One page of a department's feed, as the department reads it (audited)."""
    page = feed_service.read(
        open_registry(database), by=OPERATOR, department=department, after=after, limit=limit
    )
    if as_json:
        print_json(page)
        return
    if not page["items"]:
        console.print(f"no messages for {department} after {after}", highlight=False)
        return
    table = CliTable()
    for column in ("cursor", "id", "event", "reason", "entry", "subject", "list type", "delivery"):
        table.add_column(column, justify="right" if column in ("cursor", "id", "entry") else "left")
    for item in page["items"]:
        entry: dict[str, Any] = item.get("entry") or {}
        table.add_row(
            str(item["cursor"]),
            str(item["id"]),
            item["event"],
            item.get("reason") or "",
            str(entry.get("id", "")),
            (entry.get("subject") or {}).get("identifier", ""),
            entry.get("list_type") or "",
            item["delivery"],
        )
    console.print(table)
    more = " (more: --after {})".format(page["next_cursor"]) if page["has_more"] else ""
    console.print(f"next cursor: {page['next_cursor']}{more}", highlight=False)
