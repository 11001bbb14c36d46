"""Every catalog table module, imported so the tables are on the shared metadata (used by conveyor.schema)."""

from conveyor.catalog import (  # noqa: F401
    attributes,
    categories,
    customers,
    inventory,
    orders,
    prices,
    products,
    stores,
)
