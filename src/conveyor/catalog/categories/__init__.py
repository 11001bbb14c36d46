"""The category tree: categories, their EAV values and their product assignments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.catalog.categories.links import (
        assigned_products,
        check_category,
        link_product,
        unlink_product,
    )
    from conveyor.catalog.categories.repository import (
        ROOT_CATEGORY_ID,
        CategoryInput,
        CategoryRecord,
        CategoryRepository,
        CategoryTreeNode,
        category_product_table,
        category_table,
        category_values,
        store_root_category_id,
    )

_EXPORTS = {
    "assigned_products": "conveyor.catalog.categories.links",
    "check_category": "conveyor.catalog.categories.links",
    "link_product": "conveyor.catalog.categories.links",
    "unlink_product": "conveyor.catalog.categories.links",
    "CategoryInput": "conveyor.catalog.categories.repository",
    "CategoryRecord": "conveyor.catalog.categories.repository",
    "CategoryRepository": "conveyor.catalog.categories.repository",
    "CategoryTreeNode": "conveyor.catalog.categories.repository",
    "ROOT_CATEGORY_ID": "conveyor.catalog.categories.repository",
    "category_product_table": "conveyor.catalog.categories.repository",
    "category_table": "conveyor.catalog.categories.repository",
    "category_values": "conveyor.catalog.categories.repository",
    "store_root_category_id": "conveyor.catalog.categories.repository",
}

__all__ = [
    "ROOT_CATEGORY_ID",
    "CategoryInput",
    "CategoryRecord",
    "CategoryRepository",
    "CategoryTreeNode",
    "assigned_products",
    "category_product_table",
    "category_table",
    "category_values",
    "check_category",
    "link_product",
    "store_root_category_id",
    "unlink_product",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
