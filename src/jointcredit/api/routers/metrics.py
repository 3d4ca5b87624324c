"""``GET /metrics``: the Prometheus text format (docs/metrics.md), mounted only when
JOINTCREDIT_METRICS is on.

Outside /api/v1 and the OpenAPI document, and without a key, where Prometheus looks for it: it
holds department codes and counts, no personal data, and the shipped nginx configuration keeps
it from the public (docs/metrics.md, "Access"). A scrape is not audited: it reads no subject.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from jointcredit.services import metrics

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def scrape(request: Request) -> Response:
    content, media_type = metrics.exposition(request.app.state.engine)
    return Response(content, media_type=media_type)
