"""Imports every package's table module so the metadata is complete (for Alembic and schema tests)."""

from conveyor.api import schema as _api_schema  # noqa: F401
from conveyor.bulk import schema as _bulk_schema  # noqa: F401
from conveyor.bus import schema as _bus_schema  # noqa: F401
from conveyor.catalog import schema as _catalog_schema  # noqa: F401
from conveyor.db import locks as _locks  # noqa: F401
from conveyor.importer import schema as _importer_schema  # noqa: F401
from conveyor.mq import schema as _mq_schema  # noqa: F401
from conveyor.pipelines import schema as _pipelines_schema  # noqa: F401
from conveyor.sync import schema as _sync_schema  # noqa: F401
