"""Catalog: inventory (tables and repository)."""
