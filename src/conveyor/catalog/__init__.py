"""The catalog store: stores, attributes, products, categories, customers, orders, stock and prices.

Other packages use this surface only. Every repository method takes a SQLAlchemy ``Connection`` inside the
caller's transaction and never commits, so an API request, a bulk operation, an import bunch or a sync command
decides what one unit of work is.
"""

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
