"""Root conftest: keep doctest collection away from modules that only run inside Alembic."""

collect_ignore = ["src/jointcredit/store/migrations"]
