"""Import history: one row per import run with its report (imported by conveyor.importer.schema)."""
