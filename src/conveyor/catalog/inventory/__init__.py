"""MSI inventory: sources, source items, stocks and their sources, reservations and the salable quantity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.catalog.inventory.reservations import (
        add_reservations,
        reserved_quantities,
    )
    from conveyor.catalog.inventory.salable import (
        SalableResult,
        StockQuantity,
        are_salable,
        is_salable_for_quantity,
        salable_quantities,
        stock_quantities,
    )
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
    from conveyor.catalog.inventory.tables import (
        DEFAULT_STOCK_ID,
        reservation_table,
        stock_source_link_table,
        stock_table,
    )

_EXPORTS = {
    "DEFAULT_SOURCE": "conveyor.catalog.inventory.source_items",
    "DEFAULT_STOCK_ID": "conveyor.catalog.inventory.tables",
    "IN_STOCK": "conveyor.catalog.inventory.source_items",
    "OUT_OF_STOCK": "conveyor.catalog.inventory.source_items",
    "SalableResult": "conveyor.catalog.inventory.salable",
    "Source": "conveyor.catalog.inventory.source_items",
    "SourceItem": "conveyor.catalog.inventory.source_items",
    "StockLevel": "conveyor.catalog.inventory.source_items",
    "StockQuantity": "conveyor.catalog.inventory.salable",
    "StockRepository": "conveyor.catalog.inventory.source_items",
    "add_reservations": "conveyor.catalog.inventory.reservations",
    "are_salable": "conveyor.catalog.inventory.salable",
    "is_salable_for_quantity": "conveyor.catalog.inventory.salable",
    "reservation_table": "conveyor.catalog.inventory.tables",
    "reserved_quantities": "conveyor.catalog.inventory.reservations",
    "salable_quantities": "conveyor.catalog.inventory.salable",
    "source_item_table": "conveyor.catalog.inventory.source_items",
    "source_table": "conveyor.catalog.inventory.source_items",
    "stock_quantities": "conveyor.catalog.inventory.salable",
    "stock_source_link_table": "conveyor.catalog.inventory.tables",
    "stock_table": "conveyor.catalog.inventory.tables",
    "write_source_items": "conveyor.catalog.inventory.source_items",
}

__all__ = [
    "DEFAULT_SOURCE",
    "DEFAULT_STOCK_ID",
    "IN_STOCK",
    "OUT_OF_STOCK",
    "SalableResult",
    "Source",
    "SourceItem",
    "StockLevel",
    "StockQuantity",
    "StockRepository",
    "add_reservations",
    "are_salable",
    "is_salable_for_quantity",
    "reservation_table",
    "reserved_quantities",
    "salable_quantities",
    "source_item_table",
    "source_table",
    "stock_quantities",
    "stock_source_link_table",
    "stock_table",
    "write_source_items",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
