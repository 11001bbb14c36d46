"""Websites, store groups, store views and customer groups: the scopes every other catalog table refers to.

Ids are assigned by Conveyor (not AUTO_INCREMENT) because Magento's fixed rows use id 0 (admin website,
admin store, NOT LOGGED IN group), which MariaDB's auto-increment would renumber.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.db.metadata import metadata

ADMIN_STORE_ID = 0
DEFAULT_STORE_ID = 1
ADMIN_WEBSITE_ID = 0
BASE_WEBSITE_ID = 1

website_table = sa.Table(
    "store_website",
    metadata,
    sa.Column("website_id", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("sort_order", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("default_group_id", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.false()),
)

store_group_table = sa.Table(
    "store_group",
    metadata,
    sa.Column("group_id", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("website_id", sa.SmallInteger, sa.ForeignKey("store_website.website_id"), nullable=False),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("root_category_id", sa.Integer, nullable=False, server_default="0"),
    sa.Column("default_store_id", sa.SmallInteger, nullable=False, server_default="0"),
)

store_table = sa.Table(
    "store",
    metadata,
    sa.Column("store_id", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("website_id", sa.SmallInteger, sa.ForeignKey("store_website.website_id"), nullable=False),
    sa.Column("group_id", sa.SmallInteger, sa.ForeignKey("store_group.group_id"), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("sort_order", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
)

customer_group_table = sa.Table(
    "customer_group",
    metadata,
    sa.Column("customer_group_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_group_code", sa.String(32), nullable=False, unique=True),
    sa.Column("tax_class_id", sa.Integer, nullable=False, server_default="3"),
)

# Magento's installation rows: the admin scope (id 0) and one default website / store group / store view.
DEFAULT_WEBSITES: list[dict[str, object]] = [
    {"website_id": 0, "code": "admin", "name": "Admin", "sort_order": 0, "default_group_id": 0, "is_default": False},
    {
        "website_id": 1,
        "code": "base",
        "name": "Main Website",
        "sort_order": 0,
        "default_group_id": 1,
        "is_default": True,
    },
]
DEFAULT_GROUPS: list[dict[str, object]] = [
    {
        "group_id": 0,
        "website_id": 0,
        "code": "default",
        "name": "Default",
        "root_category_id": 0,
        "default_store_id": 0,
    },
    {
        "group_id": 1,
        "website_id": 1,
        "code": "main_website_store",
        "name": "Main Website Store",
        "root_category_id": 2,
        "default_store_id": 1,
    },
]
DEFAULT_STORES: list[dict[str, object]] = [
    {
        "store_id": 0,
        "code": "admin",
        "website_id": 0,
        "group_id": 0,
        "name": "Admin",
        "sort_order": 0,
        "is_active": True,
    },
    {
        "store_id": 1,
        "code": "default",
        "website_id": 1,
        "group_id": 1,
        "name": "Default Store View",
        "sort_order": 0,
        "is_active": True,
    },
]
DEFAULT_CUSTOMER_GROUPS: list[dict[str, object]] = [
    {"customer_group_id": 0, "customer_group_code": "NOT LOGGED IN", "tax_class_id": 3},
    {"customer_group_id": 1, "customer_group_code": "General", "tax_class_id": 3},
    {"customer_group_id": 2, "customer_group_code": "Wholesale", "tax_class_id": 3},
    {"customer_group_id": 3, "customer_group_code": "Retailer", "tax_class_id": 3},
]

_DEFAULTS: list[tuple[sa.Table, str, list[dict[str, object]]]] = [
    (website_table, "website_id", DEFAULT_WEBSITES),
    (store_group_table, "group_id", DEFAULT_GROUPS),
    (store_table, "store_id", DEFAULT_STORES),
    (customer_group_table, "customer_group_id", DEFAULT_CUSTOMER_GROUPS),
]


def ensure_default_scopes(conn: Connection) -> None:
    """Insert the installation rows that are missing (idempotent; run by the migration and after a truncate)."""
    for table, key, rows in _DEFAULTS:
        present = set(conn.execute(sa.select(table.c[key])).scalars())
        missing = [row for row in rows if row[key] not in present]
        if missing:
            conn.execute(table.insert(), missing)
