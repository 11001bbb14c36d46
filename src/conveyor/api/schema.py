"""API tables: admin users and access tokens (imported by conveyor.db.tables)."""
