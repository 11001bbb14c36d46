"""the high-volume catalog tables without foreign keys

The product value tables, website and category assignments, product links, tier prices (their product) and source
items keep their references as declared columns (``info["references"]``, checked by ``conveyor db check``) instead
of database constraints: a constraint's check per written row cost the first import more than half its write time
(measured: ``bench/import_products.py --fk-probe``, figures in ``bench/README.md``). Integrity holds by construction:
a product's rows go with it in ``catalog/products/writer.py:delete_products``, a category's links with the category,
an attribute's values with the attribute; stores, websites and sources are never deleted.

Revision ID: 0029
Revises: 0026
Create Date: 2026-12-07 04:30:00.000000
"""

from __future__ import annotations

from collections import defaultdict

from alembic import op

revision = "0029"
down_revision = "0026"
branch_labels = None
depends_on = None

PRODUCT = "catalog_product_entity.entity_id"
FOREIGN_KEYS = [
    *(
        (f"catalog_product_entity_{backend}", f"fk_catalog_product_entity_{backend}_{column}", column, target)
        for backend in ("varchar", "int", "decimal", "text", "datetime")
        for column, target in (
            ("entity_id", PRODUCT),
            ("attribute_id", "eav_attribute.attribute_id"),
            ("store_id", "store.store_id"),
        )
    ),
    ("catalog_product_website", "fk_catalog_product_website_product_id", "product_id", PRODUCT),
    ("catalog_product_website", "fk_catalog_product_website_website_id", "website_id", "store_website.website_id"),
    (
        "catalog_category_product",
        "fk_catalog_category_product_category_id",
        "category_id",
        "catalog_category_entity.entity_id",
    ),
    ("catalog_category_product", "fk_catalog_category_product_product_id", "product_id", PRODUCT),
    ("inventory_source_item", "fk_inventory_source_item_source_code", "source_code", "inventory_source.source_code"),
    ("catalog_product_entity_tier_price", "fk_catalog_product_entity_tier_price_entity_id", "entity_id", PRODUCT),
    ("catalog_product_link", "fk_catalog_product_link_product_id", "product_id", PRODUCT),
    ("catalog_product_link", "fk_catalog_product_link_linked_product_id", "linked_product_id", PRODUCT),
]


def _by_table() -> dict[str, list[tuple[str, str, str]]]:
    tables: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for table, name, column, target in FOREIGN_KEYS:
        tables[table].append((name, column, target))
    return tables


def upgrade() -> None:
    for table, keys in _by_table().items():
        with op.batch_alter_table(table) as batch:  # SQLite rebuilds the table; the others alter it
            for name, _column, _target in keys:
                batch.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    for table, keys in _by_table().items():
        with op.batch_alter_table(table) as batch:
            for name, column, target in keys:
                referent, remote = target.split(".")
                batch.create_foreign_key(name, referent, [column], [remote], ondelete="CASCADE")
