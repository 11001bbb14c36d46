"""Products: the entity, its values, media gallery, links, configurable and bundle relations, tier prices."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.catalog.products import bundle, configurable
    from conveyor.catalog.products.entity import (
        ids_by_sku,
        match_skus,
        product_table,
        product_values,
        skus_by_id,
    )
    from conveyor.catalog.products.media import gallery_table, gallery_value_table
    from conveyor.catalog.products.media_files import MAX_IMAGE_BYTES, decode_image, store_image
    from conveyor.catalog.products.models import (
        ALL_GROUPS,
        BUNDLE_OPTION_TYPES,
        LINK_TYPES,
        MEDIA_ROLES,
        OPTION_TYPES,
        PRODUCT_TYPES,
        BundleOption,
        BundleSelection,
        CategoryLink,
        ConfigurableOption,
        CustomOption,
        CustomOptionValue,
        MediaEntry,
        ProductInput,
        ProductLink,
        ProductRecord,
        StockInput,
        TierPrice,
    )
    from conveyor.catalog.products.options import delete_option, save_option
    from conveyor.catalog.products.price_values import store_ids, stored_prices
    from conveyor.catalog.products.prices import TierPriceRepository, replace_tier_prices
    from conveyor.catalog.products.relations import (
        BundleOptionRow,
        SelectionRow,
        SuperAttributeRow,
        link_table,
        replace_bundle_options,
        replace_children,
        replace_super_attributes,
    )
    from conveyor.catalog.products.repository import STORED_DATA_REFUSALS, ProductRepository
    from conveyor.catalog.products.writer import clear_products, write_categories, write_websites

_EXPORTS = {
    "bundle": "conveyor.catalog.products.bundle",
    "configurable": "conveyor.catalog.products.configurable",
    "ALL_GROUPS": "conveyor.catalog.products.models",
    "BUNDLE_OPTION_TYPES": "conveyor.catalog.products.models",
    "BundleOption": "conveyor.catalog.products.models",
    "BundleOptionRow": "conveyor.catalog.products.relations",
    "BundleSelection": "conveyor.catalog.products.models",
    "CategoryLink": "conveyor.catalog.products.models",
    "ConfigurableOption": "conveyor.catalog.products.models",
    "CustomOption": "conveyor.catalog.products.models",
    "CustomOptionValue": "conveyor.catalog.products.models",
    "LINK_TYPES": "conveyor.catalog.products.models",
    "OPTION_TYPES": "conveyor.catalog.products.models",
    "PRICE_TYPES": "conveyor.catalog.products.models",
    "delete_option": "conveyor.catalog.products.options",
    "save_option": "conveyor.catalog.products.options",
    "MediaEntry": "conveyor.catalog.products.models",
    "PRODUCT_TYPES": "conveyor.catalog.products.models",
    "MEDIA_ROLES": "conveyor.catalog.products.models",
    "ProductInput": "conveyor.catalog.products.models",
    "ProductLink": "conveyor.catalog.products.models",
    "ProductRecord": "conveyor.catalog.products.models",
    "ProductRepository": "conveyor.catalog.products.repository",
    "STORED_DATA_REFUSALS": "conveyor.catalog.products.repository",
    "SelectionRow": "conveyor.catalog.products.relations",
    "StockInput": "conveyor.catalog.products.models",
    "SuperAttributeRow": "conveyor.catalog.products.relations",
    "TierPrice": "conveyor.catalog.products.models",
    "TierPriceRepository": "conveyor.catalog.products.prices",
    "decode_image": "conveyor.catalog.products.media_files",
    "MAX_IMAGE_BYTES": "conveyor.catalog.products.media_files",
    "gallery_table": "conveyor.catalog.products.media",
    "store_image": "conveyor.catalog.products.media_files",
    "gallery_value_table": "conveyor.catalog.products.media",
    "ids_by_sku": "conveyor.catalog.products.entity",
    "link_table": "conveyor.catalog.products.relations",
    "match_skus": "conveyor.catalog.products.entity",
    "product_table": "conveyor.catalog.products.entity",
    "product_values": "conveyor.catalog.products.entity",
    "skus_by_id": "conveyor.catalog.products.entity",
    "replace_bundle_options": "conveyor.catalog.products.relations",
    "replace_children": "conveyor.catalog.products.relations",
    "replace_super_attributes": "conveyor.catalog.products.relations",
    "replace_tier_prices": "conveyor.catalog.products.prices",
    "store_ids": "conveyor.catalog.products.price_values",
    "stored_prices": "conveyor.catalog.products.price_values",
    "clear_products": "conveyor.catalog.products.writer",
    "write_categories": "conveyor.catalog.products.writer",
    "write_websites": "conveyor.catalog.products.writer",
}

__all__ = [
    "ALL_GROUPS",
    "BUNDLE_OPTION_TYPES",
    "LINK_TYPES",
    "MAX_IMAGE_BYTES",
    "MEDIA_ROLES",
    "OPTION_TYPES",
    "PRICE_TYPES",
    "PRODUCT_TYPES",
    "STORED_DATA_REFUSALS",
    "BundleOption",
    "BundleOptionRow",
    "BundleSelection",
    "CategoryLink",
    "ConfigurableOption",
    "CustomOption",
    "CustomOptionValue",
    "MediaEntry",
    "ProductInput",
    "ProductLink",
    "ProductRecord",
    "ProductRepository",
    "SelectionRow",
    "StockInput",
    "SuperAttributeRow",
    "TierPrice",
    "TierPriceRepository",
    "bundle",
    "clear_products",
    "configurable",
    "decode_image",
    "delete_option",
    "gallery_table",
    "gallery_value_table",
    "ids_by_sku",
    "link_table",
    "match_skus",
    "product_table",
    "product_values",
    "replace_bundle_options",
    "replace_children",
    "replace_super_attributes",
    "replace_tier_prices",
    "save_option",
    "skus_by_id",
    "store_ids",
    "store_image",
    "stored_prices",
    "write_categories",
    "write_websites",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
