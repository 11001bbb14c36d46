"""The import fixtures of the integration tests (a store on each backend), for the runs that kill an import."""

from tests.integration.importer.conftest import engine

__all__ = ["engine"]
