"""The scopes as Magento's store repositories list them (``/V1/store/*``): every row, the admin scope included."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.stores.scopes import ADMIN_STORE_ID, store_group_table, store_table, website_table


def websites(conn: Connection) -> list[dict[str, Any]]:
    """Every website, admin (0) first, in Magento's WebsiteInterface keys."""
    w = website_table
    rows = conn.execute(sa.select(w).order_by(w.c.website_id))
    return [{"id": r.website_id, "code": r.code, "name": r.name, "default_group_id": r.default_group_id} for r in rows]


def groups(conn: Connection) -> list[dict[str, Any]]:
    """Every store group, in Magento's GroupInterface keys."""
    g = store_group_table
    rows = conn.execute(sa.select(g).order_by(g.c.group_id))
    return [
        {
            "id": r.group_id,
            "website_id": r.website_id,
            "root_category_id": r.root_category_id,
            "default_store_id": r.default_store_id,
            "name": r.name,
            "code": r.code,
        }
        for r in rows
    ]


def views(conn: Connection, codes: Sequence[str] | None = None, *, with_admin: bool = True) -> list[dict[str, Any]]:
    """Store views in Magento's StoreInterface keys; ``codes`` keeps those (unknown ones are left out, as Magento's
    ``storeConfigs`` does); ``with_admin=False`` leaves out the admin store as Magento's store collection does."""
    s = store_table
    query = sa.select(s).order_by(s.c.sort_order, s.c.store_id)
    if codes is not None:
        query = query.where(s.c.code.in_(list(codes)))
    if not with_admin:
        query = query.where(s.c.store_id != ADMIN_STORE_ID)
    return [
        {
            "id": r.store_id,
            "code": r.code,
            "name": r.name,
            "website_id": r.website_id,
            "store_group_id": r.group_id,
            "is_active": 1 if r.is_active else 0,
        }
        for r in conn.execute(query)
    ]
