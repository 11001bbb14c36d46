"""Catalog: prices (tables and repository)."""
