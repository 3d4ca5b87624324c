"""Migration 0006 on a registry that already holds subjects: their search keys are filled in and
the substring index covers them, on both databases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from jointcredit.services import search
from jointcredit.store import migrate
from jointcredit.store.db import make_engine


def test_existing_subjects_become_searchable(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine, "0005")
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        for n, name in enumerate(["杭州雲帆科技有限公司", "北京海风贸易有限公司"], start=1):
            conn.execute(
                text(
                    "INSERT INTO subjects (kind, name, identifier, identifier_type, created_at,"
                    " updated_at) VALUES ('legal-person', :name, :code, 'uscc', :now, :now)"
                ),
                {"name": name, "code": f"91330106JC{n:08d}", "now": now},
            )
    migrate.upgrade(engine)
    hits = search.search(engine, "云帆科技", public=False).hits
    assert [(h.name, h.reason) for h in hits] == [("杭州雲帆科技有限公司", "brand")]
    # The grams of subjects that were there before 0012 were filled in: two characters
    # anywhere in a name.
    assert [h.name for h in search.search(engine, "海风", public=False).hits] == [
        "北京海风贸易有限公司"
    ]
    assert [h.name for h in search.search(engine, "北京海风", public=False).hits] == [
        "北京海风贸易有限公司"
    ]
    migrate.downgrade(engine, "0005")
    migrate.upgrade(engine)
    assert len(search.search(engine, "有限公司", public=False).hits) == 2
    engine.dispose()
