"""Sync tables: EDS change sets (imported by conveyor.db.tables)."""
