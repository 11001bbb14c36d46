"""Bus tables: the sync log and rate-limiter state (imported by conveyor.db.tables)."""
