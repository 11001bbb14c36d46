"""Catalog: orders (tables and repository)."""
