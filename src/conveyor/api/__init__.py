"""The Magento-compatible REST API (FastAPI)."""
