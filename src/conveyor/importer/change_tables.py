"""Import tables: change-detection hashes (imported by conveyor.importer.schema)."""
