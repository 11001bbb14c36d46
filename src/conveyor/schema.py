"""The whole database schema: every package's tables on the shared ``conveyor.db.metadata.metadata``.

Each package declares its tables in its own schema module, on the one metadata that ``conveyor.db`` owns; ``db``
itself imports no feature package, so the complete set is assembled here, above every package that declares
tables. Import ``metadata`` from this module (not from ``conveyor.db``) wherever every table must be present:
the migrations' comparison with the declared schema, ``conveyor db diff``, and tests that clean every table.
"""

from __future__ import annotations

from conveyor.api import schema as api_schema
from conveyor.bulk import schema as bulk_schema
from conveyor.bus import schema as bus_schema
from conveyor.catalog import schema as catalog_schema
from conveyor.db import locks as db_locks
from conveyor.db.metadata import metadata
from conveyor.importer import schema as importer_schema
from conveyor.mq import schema as mq_schema
from conveyor.orders import schema as orders_schema
from conveyor.orders.update import schema as order_update_schema
from conveyor.pipelines import schema as pipelines_schema
from conveyor.sync import schema as sync_schema

# Imported for the tables they register; named so that a reader (and import-linter) sees every one.
SCHEMA_MODULES = (
    api_schema,
    bulk_schema,
    bus_schema,
    catalog_schema,
    db_locks,
    importer_schema,
    mq_schema,
    orders_schema,
    order_update_schema,
    pipelines_schema,
    sync_schema,
)

__all__ = ["SCHEMA_MODULES", "metadata"]
