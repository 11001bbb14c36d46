"""The queue fixtures of the integration tests (a MessageQueue on each backend), for the fault runs."""

from tests.integration.mq.conftest import mq

__all__ = ["mq"]
