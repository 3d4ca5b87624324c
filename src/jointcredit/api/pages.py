"""One page of a list, the same for every list of the API.

Services fetch ``limit + 1`` items from ``offset``: :func:`page_of` cuts the extra one off and
turns it into ``next_offset`` (null on the last page), so that no list needs a count query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from pydantic import Field

from jointcredit.api.deps import Page as Paging
from jointcredit.api.schemas import Model

T = TypeVar("T")


class Page(Model, Generic[T]):
    items: list[T]
    limit: int = Field(description="Items per page as applied (at most the configured maximum).")
    offset: int = Field(description="Items skipped before this page.")
    next_offset: int | None = Field(
        description="`offset` of the next page; null when this is the last page."
    )


def page_of(items: Sequence[Any], paging: Paging) -> dict[str, Any]:
    """The page body for ``items`` fetched with ``limit + 1`` from ``paging.offset``."""
    more = len(items) > paging.limit
    return {
        "items": list(items[: paging.limit]),
        "limit": paging.limit,
        "offset": paging.offset,
        "next_offset": paging.offset + paging.limit if more else None,
    }


__all__ = ["Page", "page_of"]
