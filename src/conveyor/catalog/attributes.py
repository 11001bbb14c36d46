"""Catalog: attributes (tables and repository)."""
