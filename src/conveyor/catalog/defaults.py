"""Installation data every store has (scopes, customer groups, default attributes, root categories).

Idempotent: the migrations run it, and tests run it again after truncating the tables. Rows with Magento's
fixed ids (attribute sets 3 and 4, categories 1 and 2) are inserted with their ids, so afterwards the
PostgreSQL sequences are moved past them (MariaDB and SQLite do that by themselves).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.categories.repository import category_table, category_values, seed_root_categories
from conveyor.catalog.eav.attributes import (
    CATEGORY_ENTITY_TYPE_ID,
    DEFAULT_CATEGORY_SET_ID,
    DEFAULT_PRODUCT_SET_ID,
    PRODUCT_ENTITY_TYPE_ID,
    attribute_group_table,
    attribute_set_table,
    attribute_table,
    entity_attribute_table,
    entity_type_table,
    load_attributes,
)
from conveyor.catalog.eav.values import SCOPE_GLOBAL, SCOPE_STORE, SCOPE_WEBSITE, ValueWrite, write_values
from conveyor.catalog.inventory.source_items import seed_default_source
from conveyor.catalog.stores.scopes import ensure_default_scopes
from conveyor.db.upsert import upsert

STORE, GLOBAL, WEBSITE = SCOPE_STORE, SCOPE_GLOBAL, SCOPE_WEBSITE
_STATUS = "Magento\\Catalog\\Model\\Product\\Attribute\\Source\\Status"
_VISIBILITY = "Magento\\Catalog\\Model\\Product\\Visibility"
_BOOLEAN = "Magento\\Eav\\Model\\Entity\\Attribute\\Source\\Boolean"
_TAX_CLASS = "Magento\\Tax\\Model\\TaxClass\\Source\\Product"
_COUNTRY = "Magento\\Catalog\\Model\\Product\\Attribute\\Source\\Countryofmanufacture"
_LAYOUT = "Magento\\Catalog\\Model\\Product\\Attribute\\Source\\Layout"
_CONTAINER = "Magento\\Catalog\\Model\\Entity\\Product\\Attribute\\Design\\Options\\Container"
_DESIGN = "Magento\\Theme\\Model\\Theme\\Source\\Theme"
_SORT_BY = "Magento\\Catalog\\Model\\Category\\Attribute\\Source\\Sortby"
_MODE = "Magento\\Catalog\\Model\\Category\\Attribute\\Source\\Mode"
_PAGE = "Magento\\Catalog\\Model\\Category\\Attribute\\Source\\Page"
_PRICE_VIEW = "Magento\\Bundle\\Model\\Product\\Attribute\\Source\\Price\\View"
_SHIPMENT = "Magento\\Bundle\\Model\\Product\\Attribute\\Source\\Shipment\\Type"
_PHYSICAL = "simple,virtual,bundle,downloadable,configurable"

# (code, backend type, frontend input, label, scope, group code, other columns)
Attribute = tuple[str, str, str, str, int, str, dict[str, Any]]

PRODUCT_GROUPS = [
    ("Product Details", "product-details", 10),
    ("Content", "content", 20),
    ("Images", "image-management", 30),
    ("Search Engine Optimization", "search-engine-optimization", 40),
    ("Advanced Pricing", "advanced-pricing", 50),
    ("Design", "design", 60),
    ("Schedule Design Update", "schedule-design-update", 70),
    ("Gift Options", "gift-options", 80),
    ("Bundle Items", "bundle-items", 90),
]

PRODUCT_ATTRIBUTES: list[Attribute] = [
    (
        "name",
        "varchar",
        "text",
        "Product Name",
        STORE,
        "product-details",
        {"is_required": True, "is_searchable": True, "used_in_product_listing": True, "used_for_sort_by": True},
    ),
    (
        "sku",
        "static",
        "text",
        "SKU",
        GLOBAL,
        "product-details",
        {"is_required": True, "is_unique": True, "is_searchable": True, "used_in_product_listing": True},
    ),
    (
        "price",
        "decimal",
        "price",
        "Price",
        WEBSITE,
        "product-details",
        {
            "is_required": True,
            "apply_to": "simple,virtual,downloadable",
            "is_searchable": True,
            "is_filterable": 1,
            "used_in_product_listing": True,
            "used_for_sort_by": True,
        },
    ),
    (
        "tax_class_id",
        "int",
        "select",
        "Tax Class",
        WEBSITE,
        "product-details",
        {"source_model": _TAX_CLASS, "default_value": "2", "apply_to": _PHYSICAL, "used_in_product_listing": True},
    ),
    # Magento Commerce's GiftCard setup makes weight apply to gift cards too (a mailed card is shipped)
    ("weight", "decimal", "weight", "Weight", GLOBAL, "product-details", {"apply_to": f"{_PHYSICAL},giftcard"}),
    (
        "status",
        "int",
        "select",
        "Enable Product",
        WEBSITE,
        "product-details",
        {"source_model": _STATUS, "default_value": "1", "used_in_product_listing": True},
    ),
    (
        "visibility",
        "int",
        "select",
        "Visibility",
        STORE,
        "product-details",
        {"source_model": _VISIBILITY, "default_value": "4"},
    ),
    ("category_ids", "static", "categories", "Categories", GLOBAL, "product-details", {}),
    (
        "country_of_manufacture",
        "varchar",
        "select",
        "Country of Manufacture",
        WEBSITE,
        "product-details",
        {"source_model": _COUNTRY},
    ),
    ("news_from_date", "datetime", "date", "Set Product as New from Date", WEBSITE, "product-details", {}),
    ("news_to_date", "datetime", "date", "Set Product as New to Date", WEBSITE, "product-details", {}),
    (
        "color",
        "int",
        "select",
        "Color",
        GLOBAL,
        "product-details",
        {"is_user_defined": True, "is_filterable": 1, "is_comparable": True, "is_searchable": True},
    ),
    (
        "size",
        "int",
        "select",
        "Size",
        GLOBAL,
        "product-details",
        {"is_user_defined": True, "is_filterable": 1, "is_comparable": True, "is_searchable": True},
    ),
    (
        "manufacturer",
        "int",
        "select",
        "Manufacturer",
        GLOBAL,
        "product-details",
        {"is_user_defined": True, "is_filterable": 1, "is_comparable": True, "is_searchable": True},
    ),
    (
        "description",
        "text",
        "textarea",
        "Description",
        STORE,
        "content",
        {"is_searchable": True, "is_comparable": True, "is_html_allowed_on_front": True, "is_wysiwyg_enabled": True},
    ),
    (
        "short_description",
        "text",
        "textarea",
        "Short Description",
        STORE,
        "content",
        {"is_searchable": True, "is_html_allowed_on_front": True, "used_in_product_listing": True},
    ),
    ("image", "varchar", "media_image", "Base", STORE, "image-management", {"used_in_product_listing": True}),
    ("small_image", "varchar", "media_image", "Small", STORE, "image-management", {"used_in_product_listing": True}),
    ("thumbnail", "varchar", "media_image", "Thumbnail", STORE, "image-management", {"used_in_product_listing": True}),
    ("swatch_image", "varchar", "media_image", "Swatch", STORE, "image-management", {}),
    ("media_gallery", "static", "gallery", "Media Gallery", GLOBAL, "image-management", {}),
    ("image_label", "varchar", "text", "Image Label", STORE, "image-management", {"is_visible": False}),
    ("small_image_label", "varchar", "text", "Small Image Label", STORE, "image-management", {"is_visible": False}),
    ("thumbnail_label", "varchar", "text", "Thumbnail Label", STORE, "image-management", {"is_visible": False}),
    ("url_key", "varchar", "text", "URL Key", STORE, "search-engine-optimization", {}),
    ("url_path", "varchar", "text", "URL Path", STORE, "search-engine-optimization", {"is_visible": False}),
    ("meta_title", "varchar", "text", "Meta Title", STORE, "search-engine-optimization", {}),
    ("meta_keyword", "text", "textarea", "Meta Keywords", STORE, "search-engine-optimization", {}),
    ("meta_description", "varchar", "textarea", "Meta Description", STORE, "search-engine-optimization", {}),
    (
        "special_price",
        "decimal",
        "price",
        "Special Price",
        WEBSITE,
        "advanced-pricing",
        {"apply_to": _PHYSICAL, "used_in_product_listing": True},
    ),
    ("special_from_date", "datetime", "date", "Special Price From Date", WEBSITE, "advanced-pricing", {}),
    ("special_to_date", "datetime", "date", "Special Price To", WEBSITE, "advanced-pricing", {}),
    ("cost", "decimal", "price", "Cost", WEBSITE, "advanced-pricing", {"is_user_defined": True}),
    ("msrp", "decimal", "price", "Minimum Advertised Price", WEBSITE, "advanced-pricing", {}),
    ("page_layout", "varchar", "select", "Layout", STORE, "design", {"source_model": _LAYOUT}),
    (
        "options_container",
        "varchar",
        "select",
        "Display Product Options In",
        STORE,
        "design",
        {"source_model": _CONTAINER, "default_value": "container2"},
    ),
    ("custom_layout_update", "text", "textarea", "Layout Update XML", STORE, "design", {}),
    ("custom_design", "varchar", "select", "New Theme", STORE, "schedule-design-update", {"source_model": _DESIGN}),
    ("custom_design_from", "datetime", "date", "Active From", STORE, "schedule-design-update", {}),
    ("custom_design_to", "datetime", "date", "Active To", STORE, "schedule-design-update", {}),
    (
        "gift_message_available",
        "varchar",
        "boolean",
        "Allow Gift Message",
        STORE,
        "gift-options",
        {"source_model": _BOOLEAN},
    ),
    (
        "price_type",
        "int",
        "boolean",
        "Dynamic Price",
        GLOBAL,
        "bundle-items",
        {"apply_to": "bundle", "source_model": _BOOLEAN},
    ),
    ("sku_type", "int", "boolean", "Dynamic SKU", GLOBAL, "bundle-items", {"apply_to": "bundle"}),
    ("weight_type", "int", "boolean", "Dynamic Weight", GLOBAL, "bundle-items", {"apply_to": "bundle"}),
    (
        "price_view",
        "int",
        "select",
        "Price View",
        STORE,
        "bundle-items",
        {"apply_to": "bundle", "source_model": _PRICE_VIEW},
    ),
    (
        "shipment_type",
        "int",
        "select",
        "Ship Bundle Items",
        GLOBAL,
        "bundle-items",
        {"apply_to": "bundle", "source_model": _SHIPMENT},
    ),
    ("created_at", "static", "date", "Created At", GLOBAL, "product-details", {"is_visible": False}),
    ("updated_at", "static", "date", "Updated At", GLOBAL, "product-details", {"is_visible": False}),
]

CATEGORY_GROUPS = [
    ("General Information", "general", 10),
    ("Content", "content", 20),
    ("Display Settings", "display-settings", 30),
    ("Search Engine Optimization", "search-engine-optimization", 40),
    ("Design", "design", 50),
]

CATEGORY_ATTRIBUTES: list[Attribute] = [
    ("name", "varchar", "text", "Name", STORE, "general", {"is_required": True}),
    (
        "is_active",
        "int",
        "boolean",
        "Enable Category",
        STORE,
        "general",
        {"is_required": True, "source_model": _BOOLEAN, "default_value": "1"},
    ),
    (
        "include_in_menu",
        "int",
        "boolean",
        "Include in Navigation Menu",
        STORE,
        "general",
        {"source_model": _BOOLEAN, "default_value": "1"},
    ),
    ("description", "text", "textarea", "Description", STORE, "content", {"is_wysiwyg_enabled": True}),
    ("image", "varchar", "image", "Image", STORE, "content", {}),
    ("landing_page", "int", "select", "CMS Block", STORE, "content", {"source_model": _PAGE}),
    (
        "display_mode",
        "varchar",
        "select",
        "Display Mode",
        STORE,
        "display-settings",
        {"source_model": _MODE, "default_value": "PRODUCTS"},
    ),
    (
        "is_anchor",
        "int",
        "boolean",
        "Anchor",
        GLOBAL,
        "display-settings",
        {"source_model": _BOOLEAN, "default_value": "1"},
    ),
    (
        "available_sort_by",
        "text",
        "multiselect",
        "Available Product Listing Sort By",
        STORE,
        "display-settings",
        {"source_model": _SORT_BY},
    ),
    (
        "default_sort_by",
        "varchar",
        "select",
        "Default Product Listing Sort By",
        STORE,
        "display-settings",
        {"source_model": _SORT_BY},
    ),
    ("filter_price_range", "decimal", "text", "Layered Navigation Price Step", STORE, "display-settings", {}),
    ("url_key", "varchar", "text", "URL Key", STORE, "search-engine-optimization", {}),
    ("url_path", "varchar", "text", "URL Path", STORE, "search-engine-optimization", {"is_visible": False}),
    ("meta_title", "varchar", "text", "Page Title", STORE, "search-engine-optimization", {}),
    ("meta_keywords", "text", "textarea", "Meta Keywords", STORE, "search-engine-optimization", {}),
    ("meta_description", "text", "textarea", "Meta Description", STORE, "search-engine-optimization", {}),
    (
        "custom_use_parent_settings",
        "int",
        "boolean",
        "Use Parent Category Settings",
        STORE,
        "design",
        {"source_model": _BOOLEAN},
    ),
    (
        "custom_apply_to_products",
        "int",
        "boolean",
        "Apply Design to Products",
        STORE,
        "design",
        {"source_model": _BOOLEAN},
    ),
    ("custom_design", "varchar", "select", "Theme", STORE, "design", {"source_model": _DESIGN}),
    ("custom_design_from", "datetime", "date", "Active From", STORE, "design", {}),
    ("custom_design_to", "datetime", "date", "Active To", STORE, "design", {}),
    ("page_layout", "varchar", "select", "Layout", STORE, "design", {"source_model": _LAYOUT}),
    ("custom_layout_update", "text", "textarea", "Layout Update XML", STORE, "design", {}),
    ("path", "static", "text", "Path", GLOBAL, "general", {"is_visible": False}),
    ("position", "static", "text", "Position", GLOBAL, "general", {"is_visible": False}),
    ("level", "static", "text", "Level", GLOBAL, "general", {"is_visible": False}),
    ("children_count", "static", "text", "Children Count", GLOBAL, "general", {"is_visible": False}),
]

# Values of Magento's installation categories (1 Root Catalog, 2 Default Category).
ROOT_CATEGORY_VALUES: dict[int, dict[str, Any]] = {
    1: {"name": "Root Catalog", "is_active": 1, "include_in_menu": 1},
    2: {"name": "Default Category", "is_active": 1, "include_in_menu": 1, "is_anchor": 1, "display_mode": "PRODUCTS"},
}


def ensure_catalog_defaults(conn: Connection) -> None:
    """Insert whatever installation rows are missing."""
    ensure_default_scopes(conn)
    ensure_product_catalog_defaults(conn)


def ensure_product_catalog_defaults(conn: Connection) -> None:
    """The product side's installation rows (migration 0003): entity types, the Default attribute sets with
    their groups and attributes, the root categories and the default stock source."""
    upsert(
        conn,
        entity_type_table,
        [
            {
                "entity_type_id": CATEGORY_ENTITY_TYPE_ID,
                "entity_type_code": "catalog_category",
                "default_attribute_set_id": DEFAULT_CATEGORY_SET_ID,
            },
            {
                "entity_type_id": PRODUCT_ENTITY_TYPE_ID,
                "entity_type_code": "catalog_product",
                "default_attribute_set_id": DEFAULT_PRODUCT_SET_ID,
            },
        ],
        key=["entity_type_id"],
        update=[],
    )
    sets = attribute_set_table
    present = set(conn.execute(sa.select(sets.c.attribute_set_id)).scalars())
    missing_sets = [
        {"attribute_set_id": set_id, "entity_type_id": type_id, "attribute_set_name": "Default", "sort_order": 2}
        for set_id, type_id in (
            (DEFAULT_CATEGORY_SET_ID, CATEGORY_ENTITY_TYPE_ID),
            (DEFAULT_PRODUCT_SET_ID, PRODUCT_ENTITY_TYPE_ID),
        )
        if set_id not in present
    ]
    if missing_sets:
        conn.execute(sets.insert(), missing_sets)
    _seed_attributes(conn, PRODUCT_ENTITY_TYPE_ID, DEFAULT_PRODUCT_SET_ID, PRODUCT_GROUPS, PRODUCT_ATTRIBUTES)
    _seed_attributes(conn, CATEGORY_ENTITY_TYPE_ID, DEFAULT_CATEGORY_SET_ID, CATEGORY_GROUPS, CATEGORY_ATTRIBUTES)
    created = seed_root_categories(conn)
    if created:
        attributes = load_attributes(conn, CATEGORY_ENTITY_TYPE_ID)
        write_values(
            conn,
            category_values,
            [
                ValueWrite(attributes[code].backend_type, entity_id, attributes[code].attribute_id, 0, value)
                for entity_id in created
                for code, value in ROOT_CATEGORY_VALUES[entity_id].items()
            ],
        )
    seed_default_source(conn)
    _advance_sequences(conn, [(sets, "attribute_set_id"), (category_table, "entity_id")])


def _seed_attributes(
    conn: Connection,
    type_id: int,
    set_id: int,
    groups: list[tuple[str, str, int]],
    attributes: list[Attribute],
) -> None:
    """Attributes, the set's groups and the attributes' places in them, where missing."""
    known = load_attributes(conn, type_id)
    rows = [
        {
            "entity_type_id": type_id,
            "attribute_code": code,
            "backend_type": backend,
            "frontend_input": frontend,
            "frontend_label": label,
            "is_global": scope,
            **{"is_required": False, "is_user_defined": False, "is_unique": False, "source_model": None},
            **{"default_value": None, "apply_to": None, "is_visible": True, "is_searchable": False},
            **{"is_filterable": 0, "is_comparable": False, "used_in_product_listing": False},
            **{"used_for_sort_by": False, "is_html_allowed_on_front": False, "is_wysiwyg_enabled": False},
            **extra,
        }
        for code, backend, frontend, label, scope, _group, extra in attributes
        if code not in known
    ]
    if rows:
        conn.execute(attribute_table.insert(), rows)
        known = load_attributes(conn, type_id)
    grp = attribute_group_table
    upsert(
        conn,
        grp,
        [
            {
                "attribute_set_id": set_id,
                "attribute_group_name": name,
                "attribute_group_code": code,
                "sort_order": order,
                "default_id": order == groups[0][2],
            }
            for name, code, order in groups
        ],
        key=["attribute_set_id", "attribute_group_name"],
        update=[],
    )
    group_ids = dict(
        conn.execute(
            sa.select(grp.c.attribute_group_code, grp.c.attribute_group_id).where(grp.c.attribute_set_id == set_id)
        ).all()
    )
    upsert(
        conn,
        entity_attribute_table,
        [
            {
                "attribute_set_id": set_id,
                "attribute_group_id": group_ids[group],
                "attribute_id": known[code].attribute_id,
                "sort_order": order,
            }
            for order, (code, _b, _f, _l, _s, group, _e) in enumerate(attributes, start=1)
            if group in group_ids
        ],
        key=["attribute_set_id", "attribute_id"],
        update=[],
    )


def _advance_sequences(conn: Connection, columns: list[tuple[sa.Table, str]]) -> None:
    """Move PostgreSQL's sequences past rows inserted with explicit ids."""
    if conn.dialect.name != "postgresql":
        return
    for table, column in columns:
        conn.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column}'), "
                f"GREATEST((SELECT COALESCE(MAX({column}), 0) FROM {table.name}), 1))"
            )
        )
