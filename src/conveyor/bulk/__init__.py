"""Async and bulk operations: one request of N items becomes N operations processed by consumers."""
