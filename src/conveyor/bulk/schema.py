"""Bulk tables: magento_bulk and magento_operation equivalents (imported by conveyor.db.tables)."""
