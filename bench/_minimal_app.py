"""The baseline of bench/http_check.py: a minimal FastAPI app with one endpoint that returns a
small JSON object. It takes the same path and query parameters as the service's check (so the
load generator sends the very same requests) but reads no database and checks no key.

``app`` is the baseline of the goal (an ``async def`` endpoint, run on the event loop);
``app_sync`` is the same endpoint as a plain ``def``, which FastAPI runs in its thread pool as
it runs the service's check: a reference for what that hand-off alone costs.

    .venv/bin/uvicorn --app-dir bench _minimal_app:app --no-access-log --workers 1
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI(title="minimal", docs_url=None, redoc_url=None, openapi_url=None)
app_sync = FastAPI(title="minimal, sync", docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/api/v1/check")
async def check(
    subject: str, department: str, matter: str, as_of: str | None = None
) -> dict[str, str]:
    return {"subject": subject, "department": department, "matter": matter, "status": "ok"}


@app_sync.get("/api/v1/check")
def check_sync(
    subject: str, department: str, matter: str, as_of: str | None = None
) -> dict[str, str]:
    return {"subject": subject, "department": department, "matter": matter, "status": "ok"}
