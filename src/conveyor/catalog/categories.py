"""Catalog: categories (tables and repository)."""
