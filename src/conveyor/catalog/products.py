"""Catalog: products (tables and repository)."""
