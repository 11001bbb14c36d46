"""Cross-cutting consumer behaviour as small middleware around one loop (Dramatiq's way)."""

from conveyor.mq.middleware.base import Middleware
from conveyor.mq.middleware.correlation import Correlation
from conveyor.mq.middleware.limits import (
    MaxIdle,
    MaxMemory,
    MaxMessages,
    MaxRuntime,
    StopOnError,
    StopWhenEmpty,
)
from conveyor.mq.middleware.metrics import Metrics
from conveyor.mq.middleware.registry import WorkerRegistry
from conveyor.mq.middleware.shutdown import GracefulShutdown

__all__ = [
    "Correlation",
    "GracefulShutdown",
    "MaxIdle",
    "MaxMemory",
    "MaxMessages",
    "MaxRuntime",
    "Metrics",
    "Middleware",
    "StopOnError",
    "StopWhenEmpty",
    "WorkerRegistry",
]
