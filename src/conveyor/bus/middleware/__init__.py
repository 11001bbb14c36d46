"""Cross-cutting command handling as small middleware around the handler (Dramatiq's way), outermost first:

``CorrelationLogging`` → ``MetricsMiddleware`` → ``RetryClassification`` → ``SyncLog`` → ``Transaction`` → handler.
"""

from conveyor.bus.middleware.base import Middleware, Next
from conveyor.bus.middleware.correlation import CorrelationFilter, CorrelationLogging, current_correlation_id
from conveyor.bus.middleware.metrics import CommandStats, Metrics, MetricsMiddleware
from conveyor.bus.middleware.retry import RetryClassification
from conveyor.bus.middleware.sync_log import SyncLog
from conveyor.bus.middleware.transaction import Transaction

__all__ = [
    "CommandStats",
    "CorrelationFilter",
    "CorrelationLogging",
    "Metrics",
    "MetricsMiddleware",
    "Middleware",
    "Next",
    "RetryClassification",
    "SyncLog",
    "Transaction",
    "current_correlation_id",
]
