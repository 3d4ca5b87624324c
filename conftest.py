"""Root conftest: keep doctest collection away from modules that only run inside Alembic, and keep
every test's key files out of the user's data directory."""

import os
import tempfile

collect_ignore = ["src/jointcredit/store/migrations"]

# Set before any settings are read: the receipt signing key and the report key are created on
# first use in the data directory, which must never be a developer's real one during tests.
os.environ.setdefault("JOINTCREDIT_DATA_DIR", tempfile.mkdtemp(prefix="jointcredit-tests-"))
