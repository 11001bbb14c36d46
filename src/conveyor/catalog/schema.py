"""Every catalog table module, imported so the tables are on the shared metadata (used by conveyor.schema)."""

from conveyor.catalog.categories import repository as _categories  # noqa: F401
from conveyor.catalog.customers import repository as _customers  # noqa: F401
from conveyor.catalog.eav import attributes as _attributes  # noqa: F401
from conveyor.catalog.inventory import source_items as _source_items  # noqa: F401
from conveyor.catalog.inventory import tables as _inventory_tables  # noqa: F401
from conveyor.catalog.products import prices as _prices  # noqa: F401
from conveyor.catalog.products import repository as _products  # noqa: F401
from conveyor.catalog.sales import orders as _orders  # noqa: F401
from conveyor.catalog.stores import scopes as _scopes  # noqa: F401
