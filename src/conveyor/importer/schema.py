"""Every import table module, imported so the tables are on the shared metadata (used by conveyor.schema)."""

from conveyor.importer import change_tables, history_tables  # noqa: F401
