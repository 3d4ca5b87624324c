"""The application as an import string for uvicorn's worker processes.

``jointcredit serve --workers N`` (N > 1) starts ``jointcredit.api.asgi:app`` in each worker;
the registry's URL reaches the workers through JOINTCREDIT_DATABASE_URL, which ``serve`` sets
before it starts them. Any ASGI server can run it the same way::

    JOINTCREDIT_DATABASE_URL=postgresql+psycopg://… uvicorn jointcredit.api.asgi:app
"""

from __future__ import annotations

from jointcredit.api.app import create_app
from jointcredit.settings import get_settings

app = create_app(get_settings().database_url)
