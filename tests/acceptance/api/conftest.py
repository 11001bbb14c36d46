"""The API harness of the integration tests, for the end-to-end runs against it."""

from tests.integration.api.harness import sqlite_api

__all__ = ["sqlite_api"]
