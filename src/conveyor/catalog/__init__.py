"""The catalog store: one subpackage per domain, each with a small face, plus the errors they share.

Other packages import ``conveyor.catalog`` or a domain's face (``conveyor.catalog.sales`` ...), never a module
inside a domain. Every repository method takes a SQLAlchemy ``Connection`` inside the caller's transaction and
never commits, so an API request, a bulk operation, an import bunch or a sync command decides what one unit of
work is. The domains: ``stores`` (scopes) < ``eav`` (attributes, typed values) < ``categories``, ``inventory`` <
``products``; ``stores`` < ``customers`` < ``sales``. ``defaults`` seeds across them, so it stays up here.

The faces are lazy (``conveyor.lazy``): a worker that needs one error class does not load every repository.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.catalog import events
    from conveyor.catalog.categories import CategoryInput, CategoryRecord, CategoryRepository
    from conveyor.catalog.customers import AddressInput, CustomerInput, CustomerRecord, CustomerRepository
    from conveyor.catalog.defaults import ensure_catalog_defaults, ensure_product_catalog_defaults
    from conveyor.catalog.eav import AttributeInput, AttributeRecord, AttributeRepository
    from conveyor.catalog.errors import CatalogError, DuplicateError, InvalidValueError, NotFoundError
    from conveyor.catalog.events import NO_EVENTS, EventSink
    from conveyor.catalog.inventory import Source, SourceItem, StockRepository
    from conveyor.catalog.products import (
        BundleOption,
        BundleSelection,
        CategoryLink,
        ConfigurableOption,
        MediaEntry,
        ProductInput,
        ProductLink,
        ProductRecord,
        ProductRepository,
        StockInput,
        TierPrice,
        TierPriceRepository,
    )
    from conveyor.catalog.sales import OrderInput, OrderRecord, OrderRepository, ShipmentRecord

_EXPORTS = {
    "events": "conveyor.catalog.events",
    "EventSink": "conveyor.catalog.events",
    "NO_EVENTS": "conveyor.catalog.events",
    "AddressInput": "conveyor.catalog.customers",
    "AttributeInput": "conveyor.catalog.eav",
    "AttributeRecord": "conveyor.catalog.eav",
    "AttributeRepository": "conveyor.catalog.eav",
    "BundleOption": "conveyor.catalog.products",
    "BundleSelection": "conveyor.catalog.products",
    "CatalogError": "conveyor.catalog.errors",
    "CategoryInput": "conveyor.catalog.categories",
    "CategoryLink": "conveyor.catalog.products",
    "CategoryRecord": "conveyor.catalog.categories",
    "CategoryRepository": "conveyor.catalog.categories",
    "ConfigurableOption": "conveyor.catalog.products",
    "CustomerInput": "conveyor.catalog.customers",
    "CustomerRecord": "conveyor.catalog.customers",
    "CustomerRepository": "conveyor.catalog.customers",
    "DuplicateError": "conveyor.catalog.errors",
    "InvalidValueError": "conveyor.catalog.errors",
    "MediaEntry": "conveyor.catalog.products",
    "NotFoundError": "conveyor.catalog.errors",
    "OrderInput": "conveyor.catalog.sales",
    "OrderRecord": "conveyor.catalog.sales",
    "OrderRepository": "conveyor.catalog.sales",
    "ProductInput": "conveyor.catalog.products",
    "ProductLink": "conveyor.catalog.products",
    "ProductRecord": "conveyor.catalog.products",
    "ProductRepository": "conveyor.catalog.products",
    "ShipmentRecord": "conveyor.catalog.sales",
    "Source": "conveyor.catalog.inventory",
    "SourceItem": "conveyor.catalog.inventory",
    "StockInput": "conveyor.catalog.products",
    "StockRepository": "conveyor.catalog.inventory",
    "TierPrice": "conveyor.catalog.products",
    "TierPriceRepository": "conveyor.catalog.products",
    "ensure_catalog_defaults": "conveyor.catalog.defaults",
    "ensure_product_catalog_defaults": "conveyor.catalog.defaults",
}

__all__ = [
    "NO_EVENTS",
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
    "EventSink",
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
    "ensure_product_catalog_defaults",
    "events",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
