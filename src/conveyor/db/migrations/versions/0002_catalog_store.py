"""catalog store: websites, store groups, store views, customer groups (with Magento's installation rows)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 18:20:00.000000
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import TypeEngine

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_group",
        sa.Column("customer_group_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("customer_group_code", sa.String(length=32), nullable=False),
        sa.Column("tax_class_id", sa.Integer(), server_default="3", nullable=False),
        sa.PrimaryKeyConstraint("customer_group_id", name=op.f("pk_customer_group")),
        sa.UniqueConstraint("customer_group_code", name=op.f("uq_customer_group_customer_group_code")),
    )
    op.create_table(
        "store_website",
        sa.Column("website_id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("sort_order", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("default_group_id", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("website_id", name=op.f("pk_store_website")),
        sa.UniqueConstraint("code", name=op.f("uq_store_website_code")),
    )
    op.create_table(
        "store_group",
        sa.Column("group_id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("website_id", sa.SmallInteger(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("root_category_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("default_store_id", sa.SmallInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["website_id"], ["store_website.website_id"], name=op.f("fk_store_group_website_id_store_website")
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_store_group")),
        sa.UniqueConstraint("code", name=op.f("uq_store_group_code")),
    )
    op.create_table(
        "store",
        sa.Column("store_id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("website_id", sa.SmallInteger(), nullable=False),
        sa.Column("group_id", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("sort_order", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["store_group.group_id"], name=op.f("fk_store_group_id_store_group")),
        sa.ForeignKeyConstraint(
            ["website_id"], ["store_website.website_id"], name=op.f("fk_store_website_id_store_website")
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_store")),
        sa.UniqueConstraint("code", name=op.f("uq_store_code")),
    )
    _insert(_WEBSITE, _WEBSITES)
    _insert(_STORE_GROUP, _STORE_GROUPS)
    _insert(_STORE, _STORES)
    _insert(_CUSTOMER_GROUP, _CUSTOMER_GROUPS)


def downgrade() -> None:
    op.drop_table("store")
    op.drop_table("store_group")
    op.drop_table("store_website")
    op.drop_table("customer_group")


# -- Magento's installation rows, frozen as this revision first wrote them -----------------------------------------
# Literal rows on lightweight tables of this revision's columns: a migration never imports the live table code, so a
# column added to a table later cannot break a fresh upgrade (tests/integration/db/test_seeded_rows.py compares them
# with ``conveyor.catalog.defaults``). The admin scope has id 0; then one default website, store group and store view.


def _table(name: str, /, **columns: TypeEngine[Any]) -> TableClause:
    return sa.table(name, *(sa.column(column, type_) for column, type_ in columns.items()))


def _insert(table: TableClause, rows: Iterable[Sequence[Any]]) -> None:
    """Insert rows written as tuples in the order of ``table``'s columns."""
    op.bulk_insert(table, [dict(zip(table.columns.keys(), row, strict=True)) for row in rows])


_WEBSITE = _table(
    "store_website",
    website_id=sa.Integer(),
    code=sa.String(),
    name=sa.String(),
    sort_order=sa.Integer(),
    default_group_id=sa.Integer(),
    is_default=sa.Boolean(),
)
_STORE_GROUP = _table(
    "store_group",
    group_id=sa.Integer(),
    website_id=sa.Integer(),
    code=sa.String(),
    name=sa.String(),
    root_category_id=sa.Integer(),
    default_store_id=sa.Integer(),
)
_STORE = _table(
    "store",
    store_id=sa.Integer(),
    code=sa.String(),
    website_id=sa.Integer(),
    group_id=sa.Integer(),
    name=sa.String(),
    sort_order=sa.Integer(),
    is_active=sa.Boolean(),
)
_CUSTOMER_GROUP = _table(
    "customer_group", customer_group_id=sa.Integer(), customer_group_code=sa.String(), tax_class_id=sa.Integer()
)

_WEBSITES = [
    (0, "admin", "Admin", 0, 0, False),
    (1, "base", "Main Website", 0, 1, True),
]
_STORE_GROUPS = [
    (0, 0, "default", "Default", 0, 0),
    (1, 1, "main_website_store", "Main Website Store", 2, 1),
]
_STORES = [
    (0, "admin", 0, 0, "Admin", 0, True),
    (1, "default", 1, 1, "Default Store View", 0, True),
]
_CUSTOMER_GROUPS = [
    (0, "NOT LOGGED IN", 3),
    (1, "General", 3),
    (2, "Wholesale", 3),
    (3, "Retailer", 3),
]
