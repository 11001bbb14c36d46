"""Magento's product import columns: which are attributes under another name, which hold relations, media or
stock, and how the labels Magento exports (``Catalog, Search``, ``Taxable Goods``, ``dynamic``) map to the
stored values."""

from __future__ import annotations

# Column → attribute code where Magento's file names differ from the attribute (its $_fieldsMap).
ALIASES = {
    "product_online": "status",
    "tax_class_name": "tax_class_id",
    "new_from_date": "news_from_date",
    "new_to_date": "news_to_date",
    "special_price_from_date": "special_from_date",
    "special_price_to_date": "special_to_date",
    "meta_keywords": "meta_keyword",
    "display_product_options_in": "options_container",
    "msrp_price": "msrp",
    "map_price": "minimal_price",
    "map_enabled": "msrp_enabled",
    "bundle_price_type": "price_type",
    "bundle_sku_type": "sku_type",
    "bundle_price_view": "price_view",
    "bundle_weight_type": "weight_type",
    "bundle_shipment_type": "shipment_type",
    "base_image": "image",
    "base_image_label": "image_label",
    "thumbnail_image": "thumbnail",
    "thumbnail_image_label": "thumbnail_label",
}

# Stored values of attributes whose file values are labels (compared lower-case).
LABELS: dict[str, dict[str, int | str]] = {
    "visibility": {"not visible individually": 1, "catalog": 2, "search": 3, "catalog, search": 4},
    "options_container": {
        "block after info column": "container2",
        "product info column": "container1",
        "container1": "container1",
        "container2": "container2",
    },
    "price_type": {"dynamic": 0, "fixed": 1},
    "sku_type": {"dynamic": 0, "fixed": 1},
    "weight_type": {"dynamic": 0, "fixed": 1},
    "price_view": {"price range": 0, "as low as": 1},
    "shipment_type": {"together": 0, "separately": 1},
}
STATUS_ENABLED, STATUS_DISABLED = 1, 2
USE_CONFIG = "use config"

KEY_COLUMNS = frozenset({"sku", "store_view_code", "attribute_set_code", "product_type"})
TIMESTAMP_COLUMNS = frozenset({"created_at", "updated_at"})
CATEGORY_COLUMNS = frozenset({"categories", "categories_position"})
WEBSITE_COLUMNS = frozenset({"product_websites"})
# Media: the role image columns, their labels and positions, the gallery columns.
ROLE_COLUMNS = {
    "base_image": "image",
    "small_image": "small_image",
    "thumbnail_image": "thumbnail",
    "swatch_image": "swatch_image",
}
ROLE_LABELS = {role: f"{role}_label" for role in ROLE_COLUMNS}
ROLE_POSITIONS = {role: f"{role}_position" for role in ROLE_COLUMNS}
MEDIA_COLUMNS = frozenset(
    {
        *ROLE_COLUMNS,
        *ROLE_LABELS.values(),
        *ROLE_POSITIONS.values(),
        "additional_images",
        "additional_image_labels",
        "additional_image_positions",
        "hide_from_product_page",
        "disabled_images",
    }
)
STOCK_COLUMNS = frozenset({"qty", "is_in_stock", "inventory_source_items"})
# Magento's stock configuration columns: Conveyor keeps quantity and status per source (MSI), not these.
STOCK_SETTINGS = frozenset(
    {
        "out_of_stock_qty",
        "use_config_min_qty",
        "is_qty_decimal",
        "allow_backorders",
        "use_config_backorders",
        "min_cart_qty",
        "use_config_min_sale_qty",
        "max_cart_qty",
        "use_config_max_sale_qty",
        "notify_on_stock_below",
        "use_config_notify_stock_qty",
        "manage_stock",
        "use_config_manage_stock",
        "use_config_qty_increments",
        "qty_increments",
        "use_config_enable_qty_inc",
        "enable_qty_increments",
        "is_decimal_divided",
        "website_id",
        "deferred_stock_update",
        "use_config_deferred_stock_update",
    }
)
LINK_COLUMNS = {"related": "related_skus", "crosssell": "crosssell_skus", "upsell": "upsell_skus"}
LINK_POSITIONS = {"related": "related_position", "crosssell": "crosssell_position", "upsell": "upsell_position"}
VARIANT_COLUMNS = frozenset(
    {"configurable_variations", "configurable_variation_labels", "configurable_variations_position"}
)
GROUPED_COLUMNS = frozenset({"associated_skus", "associated_position"})
BUNDLE_COLUMNS = frozenset({"bundle_values", "bundle_values_position"})
SPECIAL_COLUMNS = (
    KEY_COLUMNS
    | TIMESTAMP_COLUMNS
    | CATEGORY_COLUMNS
    | WEBSITE_COLUMNS
    | MEDIA_COLUMNS
    | STOCK_COLUMNS
    | STOCK_SETTINGS
    | frozenset(LINK_COLUMNS.values())
    | frozenset(LINK_POSITIONS.values())
    | VARIANT_COLUMNS
    | GROUPED_COLUMNS
    | BUNDLE_COLUMNS
    | frozenset({"additional_attributes", "tier_prices"})
) - frozenset({"base_image_label", "small_image_label", "thumbnail_image_label"})
# Role labels are attributes (image_label …) as well as gallery labels; swatch_image_label is a label only.

__all__ = ["ALIASES", "LABELS", "SPECIAL_COLUMNS"]
