"""The API on each database backend (fixtures shared with tests/bulk)."""

from tests.integration.api.harness import api, sqlite_api

__all__ = ["api", "sqlite_api"]
