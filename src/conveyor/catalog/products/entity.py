"""The product entity (one row per sku), its typed value tables and website assignments.

Kept apart from the repository so that relation, media and price modules can refer to products without
importing the repository that uses them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.attributes import DEFAULT_PRODUCT_SET_ID
from conveyor.catalog.eav.values import IN_CHUNK, chunked, foreign_key, in_list, referring_column, value_tables
from conveyor.db.metadata import metadata

ENTITY = "catalog_product_entity"
product_table = sa.Table(
    ENTITY,
    metadata,
    sa.Column("entity_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "attribute_set_id",
        sa.Integer,
        foreign_key(ENTITY, "attribute_set_id", "eav_attribute_set.attribute_set_id", ondelete=None),
        nullable=False,
        server_default=str(DEFAULT_PRODUCT_SET_ID),
        index=True,
    ),
    sa.Column("type_id", sa.String(32), nullable=False, server_default="simple", index=True),
    sa.Column("sku", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    # Delta exports and syncs ask for "updated since".
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
# The high-volume tables below carry their references without database constraints: a foreign key's check per
# row cost the first import more than half its write time (bench/README.md). Their one writer,
# ``catalog/products/writer.py``, deletes a product's rows with it (``delete_products``); ``conveyor db check``
# finds any orphan.
product_values = value_tables(product_table, enforced=False)

WEBSITE = "catalog_product_website"
product_website_table = sa.Table(
    WEBSITE,
    metadata,
    referring_column(WEBSITE, "product_id", sa.Integer, f"{ENTITY}.entity_id", enforced=False, primary_key=True),
    referring_column(
        WEBSITE,
        "website_id",
        sa.SmallInteger,
        "store_website.website_id",
        enforced=False,
        primary_key=True,
        index=True,
    ),
)

P = product_table
T = TypeVar("T")

# Built once (expanding IN parameters): constructing a statement costs more than running it on a small batch.
_IDS_BY_SKU = sa.select(P.c.sku, P.c.entity_id).where(in_list(P.c.sku, "skus"))
_SKUS_BY_ID = sa.select(P.c.entity_id, P.c.sku).where(in_list(P.c.entity_id, "ids"))


def ids_by_sku(conn: Connection, skus: Sequence[str]) -> dict[str, int]:
    """sku → entity_id for the skus that exist (one statement per 5,000 skus), keyed as asked.

    MariaDB compares skus case-insensitively (as Magento on MySQL does), so a row may come back spelled
    differently from the sku asked for; it is keyed by the spelling asked for.
    """
    stored: dict[str, int] = {}
    distinct = sorted(set(skus))
    if conn.dialect.name == "postgresql" and len(distinct) > IN_CHUNK:
        # an import's whole bunch in one statement, the skus as one array: expanding 5,000 parameters a statement
        # cost a second of the importing thread per 50,000 skus
        table = conn.dialect.identifier_preparer.format_table(P)
        joined = f"SELECT p.sku, p.entity_id FROM unnest(%s::text[]) AS k(sku) JOIN {table} AS p ON p.sku = k.sku"
        stored.update(conn.exec_driver_sql(joined, (distinct,)).all())
        return match_skus(skus, stored)
    for part in chunked(distinct):
        stored.update(conn.execute(_IDS_BY_SKU, {"skus": list(part)}).all())
    return match_skus(skus, stored)


def match_skus(skus: Sequence[str], stored: Mapping[str, T]) -> dict[str, T]:
    """``stored`` (keyed by stored sku) re-keyed by the skus asked for: exact matches, else case-insensitive."""
    folded = {sku.casefold(): value for sku, value in stored.items()}
    found: dict[str, T] = {}
    for sku in skus:
        if sku in stored:
            found[sku] = stored[sku]
        elif sku.casefold() in folded:
            found[sku] = folded[sku.casefold()]
    return found


def skus_by_id(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    """entity_id → sku for the ids that exist (Magento payloads that name products by id)."""
    found: dict[int, str] = {}
    for part in chunked(sorted(set(ids))):
        found.update(conn.execute(_SKUS_BY_ID, {"ids": list(part)}).all())
    return found
