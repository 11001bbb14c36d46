"""Imports every package's table module so the metadata is complete (for Alembic and schema tests)."""

from conveyor.db import locks as _locks  # noqa: F401
from conveyor.mq import schema as _mq_schema  # noqa: F401
