"""The catalog store: stores, attributes, products, categories, customers, orders, stock and prices.

Other packages use this surface only. Every repository method takes a SQLAlchemy ``Connection`` inside the
caller's transaction and never commits, so an API request, a bulk operation, an import bunch or a sync command
decides what one unit of work is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.catalog.attributes import AttributeInput, AttributeRecord, AttributeRepository
    from conveyor.catalog.categories import CategoryInput, CategoryRecord, CategoryRepository
    from conveyor.catalog.customers import AddressInput, CustomerInput, CustomerRecord, CustomerRepository
    from conveyor.catalog.defaults import ensure_catalog_defaults
    from conveyor.catalog.errors import CatalogError, DuplicateError, InvalidValueError, NotFoundError
    from conveyor.catalog.inventory import Source, SourceItem, StockRepository
    from conveyor.catalog.orders import OrderInput, OrderRecord, OrderRepository, ShipmentRecord
    from conveyor.catalog.prices import TierPriceRepository
    from conveyor.catalog.product_models import (
        BundleOption,
        BundleSelection,
        CategoryLink,
        ConfigurableOption,
        MediaEntry,
        ProductInput,
        ProductLink,
        ProductRecord,
        StockInput,
        TierPrice,
    )
    from conveyor.catalog.products import ProductRepository

_EXPORTS = {
    "AddressInput": "conveyor.catalog.customers",
    "AttributeInput": "conveyor.catalog.attributes",
    "AttributeRecord": "conveyor.catalog.attributes",
    "AttributeRepository": "conveyor.catalog.attributes",
    "BundleOption": "conveyor.catalog.product_models",
    "BundleSelection": "conveyor.catalog.product_models",
    "CatalogError": "conveyor.catalog.errors",
    "CategoryInput": "conveyor.catalog.categories",
    "CategoryLink": "conveyor.catalog.product_models",
    "CategoryRecord": "conveyor.catalog.categories",
    "CategoryRepository": "conveyor.catalog.categories",
    "ConfigurableOption": "conveyor.catalog.product_models",
    "CustomerInput": "conveyor.catalog.customers",
    "CustomerRecord": "conveyor.catalog.customers",
    "CustomerRepository": "conveyor.catalog.customers",
    "DuplicateError": "conveyor.catalog.errors",
    "InvalidValueError": "conveyor.catalog.errors",
    "MediaEntry": "conveyor.catalog.product_models",
    "NotFoundError": "conveyor.catalog.errors",
    "OrderInput": "conveyor.catalog.orders",
    "OrderRecord": "conveyor.catalog.orders",
    "OrderRepository": "conveyor.catalog.orders",
    "ProductInput": "conveyor.catalog.product_models",
    "ProductLink": "conveyor.catalog.product_models",
    "ProductRecord": "conveyor.catalog.product_models",
    "ProductRepository": "conveyor.catalog.products",
    "ShipmentRecord": "conveyor.catalog.orders",
    "Source": "conveyor.catalog.inventory",
    "SourceItem": "conveyor.catalog.inventory",
    "StockInput": "conveyor.catalog.product_models",
    "StockRepository": "conveyor.catalog.inventory",
    "TierPrice": "conveyor.catalog.product_models",
    "TierPriceRepository": "conveyor.catalog.prices",
    "ensure_catalog_defaults": "conveyor.catalog.defaults",
}

__all__ = [
    "AddressInput",
    "AttributeInput",
    "AttributeRecord",
    "AttributeRepository",
    "BundleOption",
    "BundleSelection",
    "CatalogError",
    "CategoryInput",
    "CategoryLink",
    "CategoryRecord",
    "CategoryRepository",
    "ConfigurableOption",
    "CustomerInput",
    "CustomerRecord",
    "CustomerRepository",
    "DuplicateError",
    "InvalidValueError",
    "MediaEntry",
    "NotFoundError",
    "OrderInput",
    "OrderRecord",
    "OrderRepository",
    "ProductInput",
    "ProductLink",
    "ProductRecord",
    "ProductRepository",
    "ShipmentRecord",
    "Source",
    "SourceItem",
    "StockInput",
    "StockRepository",
    "TierPrice",
    "TierPriceRepository",
    "ensure_catalog_defaults",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
