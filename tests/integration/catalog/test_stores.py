"""The installation scopes exist on every backend after migrating, and survive a re-seed unchanged."""

from __future__ import annotations

import sqlalchemy as sa

from conveyor.catalog.stores.scopes import customer_group_table, ensure_default_scopes, store_table, website_table
from conveyor.db import make_engine


def test_default_scopes_are_installed_once(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        ensure_default_scopes(conn)  # a second seeding adds nothing
        stores = dict(conn.execute(sa.select(store_table.c.code, store_table.c.store_id)).all())
        websites = dict(conn.execute(sa.select(website_table.c.code, website_table.c.website_id)).all())
        groups = (
            conn.execute(
                sa.select(customer_group_table.c.customer_group_code).order_by(customer_group_table.c.customer_group_id)
            )
            .scalars()
            .all()
        )
    assert stores == {"admin": 0, "default": 1}
    assert websites == {"admin": 0, "base": 1}
    assert groups == ["NOT LOGGED IN", "General", "Wholesale", "Retailer"]
    engine.dispose()
