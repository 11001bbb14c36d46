"""MSI sources and source items: stock per sku and source."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.catalog.inventory.source_items import (
        DEFAULT_SOURCE,
        IN_STOCK,
        OUT_OF_STOCK,
        Source,
        SourceItem,
        StockLevel,
        StockRepository,
        source_item_table,
        source_table,
        write_source_items,
    )

_EXPORTS = {
    "DEFAULT_SOURCE": "conveyor.catalog.inventory.source_items",
    "IN_STOCK": "conveyor.catalog.inventory.source_items",
    "OUT_OF_STOCK": "conveyor.catalog.inventory.source_items",
    "Source": "conveyor.catalog.inventory.source_items",
    "SourceItem": "conveyor.catalog.inventory.source_items",
    "StockLevel": "conveyor.catalog.inventory.source_items",
    "StockRepository": "conveyor.catalog.inventory.source_items",
    "source_item_table": "conveyor.catalog.inventory.source_items",
    "source_table": "conveyor.catalog.inventory.source_items",
    "write_source_items": "conveyor.catalog.inventory.source_items",
}

__all__ = [
    "DEFAULT_SOURCE",
    "IN_STOCK",
    "OUT_OF_STOCK",
    "Source",
    "SourceItem",
    "StockLevel",
    "StockRepository",
    "source_item_table",
    "source_table",
    "write_source_items",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
