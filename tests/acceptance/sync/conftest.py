"""The simulator and EDS fixtures of the integration tests, for the end-to-end runs of event-driven sync."""

from tests.integration.sync.conftest import start_eds, start_simulator

__all__ = ["start_eds", "start_simulator"]
