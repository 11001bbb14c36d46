"""Catalog: customers (tables and repository)."""
