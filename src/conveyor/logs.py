"""Log lines that carry a correlation id, as text or as JSON (``CONVEYOR_LOG_FORMAT=json``).

A correlation id names one piece of work across processes: the API takes it from the request's
``X-Correlation-Id`` header (or makes one), every message published while it is current carries it in its
properties (AMQP headers), and a consumer makes it current again while it handles that message, so the bulk
operations and commands a request caused log under the same id. It lives in a ``ContextVar``: per thread and per
asyncio task, never leaking into another request.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

HEADER = "X-Correlation-Id"
PROPERTY = "correlation_id"
MAX_LENGTH = 128

correlation_id: ContextVar[str | None] = ContextVar("conveyor_correlation_id", default=None)


def current() -> str | None:
    return correlation_id.get()


def new_id() -> str:
    return uuid.uuid4().hex


def clean(value: str | None) -> str | None:
    """A caller's id if it is short printable ASCII (it goes into every log line), else None."""
    if not value or len(value) > MAX_LENGTH or not value.isascii() or not value.isprintable():
        return None
    return value


@contextmanager
def correlated(value: str | None) -> Iterator[str | None]:
    """Make ``value`` the current correlation id inside the block (None: none)."""
    token = correlation_id.set(value)
    try:
        yield value
    finally:
        correlation_id.reset(token)


def set_current(value: str | None) -> None:
    """Make ``value`` current until the next call (a consumer: per message)."""
    correlation_id.set(value)


class CorrelationFilter(logging.Filter):
    """Puts the current correlation id on every record (``-`` when none), for either format."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "correlation_id"):  # an ``extra=`` given by the caller wins
            record.correlation_id = correlation_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, correlation id, process and the exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", None) or correlation_id.get(),
            "pid": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s]: %(message)s"


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so that configuring again replaces it and leaves anyone else's handler alone."""


def configure(level: int, log_format: str = "text") -> None:
    """Like ``logging.basicConfig``: a root handler (text with the correlation id, or JSON lines) unless someone
    else configured one already (a test runner's capture); configuring again replaces our own."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, _Handler)]
    if root.handlers and not ours:
        root.setLevel(level)
        return
    for old in ours:
        root.removeHandler(old)
    handler = _Handler()
    handler.addFilter(CorrelationFilter())
    if log_format == "json":
        formatter: logging.Formatter = JsonFormatter()
        formatter.converter = time.gmtime
    else:
        formatter = logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level)
