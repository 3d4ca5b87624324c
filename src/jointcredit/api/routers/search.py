"""Subject search: one box, by name or identifier, as the public portal shows it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from jointcredit.access import require
from jointcredit.api import schemas
from jointcredit.api.deps import Caller, Registry
from jointcredit.rules.searchtext import MAX_QUERY
from jointcredit.services import search

router = APIRouter(tags=["subjects"])


class Hit(schemas.Model):
    subject_id: int
    kind: str
    name: str = Field(description="A person's shows the surname only.")
    identifier: str = Field(description="A person's is masked.")
    reason: str = Field(
        description="How it matched, best first: identifier, name (equal), brand (the key opens "
        "the name right after its region: 深圳市华为…), prefix, contains."
    )


class SearchPage(schemas.Model):
    query: str
    key: str = Field(description="The query as compared: half-width, simplified, no spaces.")
    hits: list[Hit]
    limit: int
    offset: int
    has_more: bool
    count: int = Field(
        description="Names found (those the public may see): all of them when `count_exact`, "
        "else more than this many (make the query more specific)."
    )
    count_exact: bool
    short_query: bool = Field(
        description="One or two characters: found anywhere in a name on the index of every "
        "name's one- and two-character substrings."
    )


@router.get("/search", response_model=SearchPage, summary="Search subjects by name or identifier")
def search_subjects(
    registry: Registry,
    caller: Caller,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_QUERY,
            description="A name, part of one (one character or more), or an identifier; "
            "「云帆科技」 and 「云帆」 find 「杭州云帆科技有限公司」, traditional characters and "
            "full-width forms too.",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=search.CANDIDATES)] = 0,
) -> dict[str, Any]:
    """Subjects with records the public may see, best match first. The same public view for
    every caller (no key needed): a department looks a subject up by `/subjects/{identifier}`,
    which is audited."""
    require(caller, "read-public")
    return search.search(registry, q, limit=limit, offset=offset, public=True).to_dict()
