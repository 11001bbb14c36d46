"""Transports: the DB queue (sql.py), AMQP (amqp.py), memory (memory.py, unit tests); interface in base.py."""

from conveyor.mq.transports.base import (
    DeadLetter,
    QueueCounts,
    RefreshResult,
    Transport,
    UnroutableError,
    transport_for_url,
)

__all__ = ["DeadLetter", "QueueCounts", "RefreshResult", "Transport", "UnroutableError", "transport_for_url"]
