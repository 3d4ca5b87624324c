"""Push (信息推送, 33号 §15): the pull feed, the delivery state, webhook subscriptions.

Messages are written by the changes they announce (the outbox) and delivered by the worker;
this router lets an implementing department read them (``GET /feed``), see how their delivery
goes (``GET /deliveries``) and manage its webhook (``/subscriptions/{department}``). See
docs/push.md for the webhook's headers and how to verify its signature.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import AfterValidator, Field, StringConstraints

from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Registry
from jointcredit.services import feed, subscriptions

router = APIRouter(tags=["push"])

CURSOR_MAX = 2**63 - 1


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain U+0000")
    return value


Department = Annotated[
    str,
    Path(min_length=1, max_length=64, description="Department (catalog code), e.g. NDRC."),
]
ListType = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_no_nul)]


class FeedPage(schemas.Model):
    department: str
    after: int = Field(description="The cursor asked from (now acknowledged).")
    items: list[dict[str, Any]] = Field(
        description="Messages in feed order (`cursor`): the webhook body (`id`, `event`, `reason`, "
        "`idempotency_key`, `department`, `occurred_at`, `entry`, `measures`) plus "
        "`cursor` (the message's place in the feed), `created_at` and `delivery` (the webhook "
        "delivery state: pending, delivered, failed, feed)."
    )
    next_cursor: int = Field(
        description="`after` of the next page: the `cursor` of the last item returned."
    )
    has_more: bool = Field(description="Whether more messages follow right now.")


class DeliveryState(schemas.Model):
    department: str
    messages: int
    pending: int
    delivered: int
    failed: int
    feed_only: int = Field(description="Messages for the feed only (no webhook when written).")
    oldest_undelivered_seconds: float | None = Field(
        description="Age of the oldest pending or failed message."
    )
    last_delivered_at: str | None
    feed_cursor: int | None = Field(description="The cursor the department last read from.")
    feed_read_at: str | None
    after_cursor: int = Field(description="Messages after the feed cursor (not yet acknowledged).")
    webhook_url: str | None = Field(description="The active webhook; null: feed only.")


class SubscriptionIn(schemas.Model):
    url: Annotated[str, StringConstraints(min_length=1, max_length=1000)] = Field(
        description="The webhook URL (http or https; https outside a closed network)."
    )
    list_types: list[ListType] = Field(
        default_factory=list,
        max_length=100,
        description="List types to receive beyond those the department implements measures on.",
    )
    rotate_secret: bool = Field(
        default=False, description="Make a new secret (a new subscription always gets one)."
    )


class Subscription(schemas.Model):
    department: str
    url: str
    list_types: list[str]
    active: bool
    created_at: str | None
    updated_at: str | None


class SubscriptionOut(Subscription):
    secret: str | None = Field(
        description="The HMAC secret, when this call made one: shown this once. Null otherwise."
    )
    created: bool
    warnings: list[str]


class Unsubscribed(Subscription):
    moved_to_feed: int = Field(description="Undelivered messages left to the feed.")


@router.get("/feed", response_model=FeedPage, responses=schemas.ERRORS, summary="The feed")
def read_feed(
    registry: Registry,
    caller: Caller,
    after: Annotated[
        int, Query(ge=0, le=CURSOR_MAX, description="Cursor: messages after it in feed order.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=feed.FEED_LIMIT_MAX, description="Messages.")] = 100,
) -> dict[str, Any]:
    """The messages to the key's department after the cursor `after`, in the order of their
    commits. Pass `next_cursor` as `after` to read on; asking with `after=X` acknowledges every
    message up to X. Needs an `implementer` key; every page read is audited (`read-feed`)."""
    return feed.read(registry, by=caller, after=after, limit=limit)


@router.get(
    "/deliveries",
    response_model=list[DeliveryState],
    responses=schemas.ERRORS,
    summary="Delivery state per department",
)
def deliveries(
    registry: Registry,
    caller: Caller,
    department: Annotated[
        str | None, Query(max_length=64, description="Only this department.")
    ] = None,
) -> list[dict[str, Any]]:
    """Per department: messages by delivery state, the oldest undelivered, the last delivery,
    the feed cursor and the webhook URL (never its secret). An `implementer` key sees its own
    department; `supervisor` and `admin` keys every one."""
    return feed.status(registry, by=caller, department=department)


@router.put(
    "/subscriptions/{department}",
    response_model=SubscriptionOut,
    responses=schemas.ERRORS,
    summary="Subscribe a webhook",
)
def subscribe(
    registry: Registry, caller: Caller, department: Department, body: SubscriptionIn
) -> dict[str, Any]:
    """Create or change the department's webhook subscription. A new subscription (or
    `rotate_secret`) gets a new HMAC secret, shown in this answer only. Messages written from
    now on are pushed to the URL; older ones stay in the feed. An `implementer` key of the
    department, or an `admin` key."""
    return subscriptions.subscribe(
        registry,
        department,
        body.url,
        by=caller,
        list_types=body.list_types,
        rotate_secret=body.rotate_secret,
    ).to_dict()


@router.get(
    "/subscriptions/{department}",
    response_model=Subscription,
    responses=schemas.ERRORS,
    summary="A department's webhook subscription",
)
def subscription(registry: Registry, caller: Caller, department: Department) -> dict[str, Any]:
    """The subscription without its secret. An `implementer` key of the department, or an
    `admin` key."""
    return subscriptions.get(registry, department, by=caller)


@router.delete(
    "/subscriptions/{department}",
    response_model=Unsubscribed,
    responses=schemas.ERRORS,
    summary="Unsubscribe a webhook",
)
def unsubscribe(registry: Registry, caller: Caller, department: Department) -> dict[str, Any]:
    """Stop the webhook: undelivered messages stay in the department's feed. An `implementer`
    key of the department, or an `admin` key."""
    return subscriptions.unsubscribe(registry, department, by=caller)
