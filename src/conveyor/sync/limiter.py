"""One rate limiter for every call to a source, shared by all workers on all machines.

A source's quota is several sliding windows enforced together (by default 25/s, 1,200/min, 30,000/h and
150,000/day): a call is granted only when it fits in every window, counting every call granted anywhere. The
state lives in a backend chosen by URL (kombu's way): the database (``sqlite://``, ``postgresql+psycopg://``,
``mysql+pymysql://``; the embedded default) or Redis (``redis://``, for many machines)::

    limiter = open_limiter()                  # CONVEYOR_RATE_LIMIT_URL, else beside the database
    limiter.acquire("erp")                    # blocks until a slot is free (at most max_wait, then raises)
    ...call the source...
    limiter.penalize("erp", retry_after)      # after a 429: every worker waits

Sources do not call it themselves: ``load_source`` builds them with a ``SourceThrottle`` (``acquire`` before every
request attempt, ``penalize`` after a 429) over ``shared_limiter``, the process's one limiter, opened on the first
request. With SQLite the grants go to a file of their own beside the database (``settings_or_default``), so that a
source call made inside a write transaction on the store never waits for its own lock.

A worker that would exceed a window sleeps until the oldest call that blocks it leaves the window, rather than
failing; only a wait longer than ``max_wait`` raises ``RateLimitTimeoutError`` (transient: the bus retries the command
later). Each window is widened by a small ``guard`` so that the time between the grant and the request reaching the
source (commit, network) cannot make the source see a window exceeded.

Both backends are ours, not pyrate-limiter's (``limiter_sql`` and ``limiter_redis`` say why): its SQL buckets are
not atomic under concurrency or missing (MariaDB), and its Redis bucket trusts each client's clock, which let four
processes exceed a window. Each backend decides a grant in one atomic step (a locked row, a Lua script).

This module depends only on ``conveyor.quota`` (the quota text) in ``conveyor.sync``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from conveyor.metrics import LIMITER_429, LIMITER_WAIT_SECONDS, LIMITER_WAITS
from conveyor.quota import DEFAULT_WINDOWS, Window, format_windows, parse_windows

if TYPE_CHECKING:
    from conveyor.settings import Settings


class RateLimitTimeoutError(Exception):
    """Acquiring would have to wait longer than ``max_wait``: the quota is used up for a while.

    ``transient``: the bus classifies it as worth retrying later (the queue's retry delay), not as a failure of
    the command itself.
    """

    transient = True

    def __init__(self, source: str, wait: float, max_wait: float, reason: str) -> None:
        self.source, self.wait, self.max_wait = source, wait, max_wait
        super().__init__(
            f"rate limit of source {source!r}: the next slot is {wait:.1f}s away ({reason}),"
            f" longer than the maximum wait of {max_wait:g}s"
        )


@dataclass
class WaitTally:
    """How often, and how long, a run waited for the rate limit: the limiter's own waits (a full window, or the
    penalty a 429 set) and the 429s a caller waited out itself (``Patience``), one count per held request."""

    waits: int = 0
    seconds: float = 0.0

    def add(self, seconds: float) -> None:
        self.waits += 1
        self.seconds += seconds


_tally: ContextVar[WaitTally | None] = ContextVar("conveyor_rate_limit_tally", default=None)


@contextmanager
def counting_waits() -> Iterator[WaitTally]:
    """Count every rate-limit wait of this thread (or task) inside the block, wherever the source's hooks sit."""
    tally = WaitTally()
    token = _tally.set(tally)
    try:
        yield tally
    finally:
        _tally.reset(token)


def note_wait(seconds: float) -> None:
    """Add one wait of ``seconds`` to the tally of the enclosing ``counting_waits`` (nothing outside one)."""
    tally = _tally.get()
    if tally is not None:
        tally.add(seconds)


class LimiterBackend(Protocol):
    """Where grants are counted; every method is atomic across processes and machines."""

    def try_acquire(self, source: str, windows: Sequence[Window], weight: int) -> float:
        """Grant ``weight`` units now if every window has room and no penalty holds (returns 0);
        otherwise grant nothing and return the seconds until a grant may succeed."""

    def penalize(self, source: str, until: float) -> None:
        """Grant nothing for ``source`` before the Unix time ``until`` (a later penalty is never shortened)."""

    def penalty(self, source: str) -> float:
        """The Unix time before which nothing is granted (0 when none)."""

    def close(self) -> None: ...


class Limiter:
    """Multi-window rate limiting per source name over one shared backend."""

    def __init__(
        self,
        backend: LimiterBackend,
        limits: Mapping[str, Sequence[Window]] | None = None,
        *,
        default: Sequence[Window] = DEFAULT_WINDOWS,
        max_wait: float = 300.0,
        guard: float = 0.05,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.backend = backend
        self.limits = {name: tuple(sorted(ws)) for name, ws in (limits or {}).items()}
        self.default = tuple(sorted(default))
        self.max_wait, self.guard, self._sleep = max_wait, guard, sleep

    def windows(self, source: str) -> tuple[Window, ...]:
        """The windows configured for ``source`` (the default ones unless it has its own)."""
        return self.limits.get(source, self.default)

    def acquire(self, source: str, weight: int = 1) -> float:
        """Block until ``weight`` calls to ``source`` fit in every window, record them; returns the seconds waited.

        Raises ``RateLimitTimeoutError`` at once when the wait would pass ``max_wait`` (no point sleeping first), and
        ``ValueError`` for a weight that no window can ever hold.
        """
        if weight < 1:
            raise ValueError(f"weight must be at least 1, got {weight}")
        windows = self.windows(source)
        too_small = [w for w in windows if w.limit < weight]
        if too_small:
            raise ValueError(f"a weight of {weight} never fits the window {too_small[0]} of source {source!r}")
        effective = [w.widened(self.guard) for w in windows]
        started, slept = time.monotonic(), False
        while True:
            wait = self.backend.try_acquire(source, effective, weight)
            if wait <= 0:
                waited = time.monotonic() - started
                if slept:  # counted per call that had to wait, with the time it waited
                    LIMITER_WAITS.labels(source).inc()
                    LIMITER_WAIT_SECONDS.labels(source).inc(waited)
                    note_wait(waited)
                return waited
            waited = time.monotonic() - started
            if waited + wait > self.max_wait:
                raise RateLimitTimeoutError(source, wait, self.max_wait, self._reason(source, windows))
            self._sleep(wait)
            slept = True

    def _reason(self, source: str, windows: Sequence[Window]) -> str:
        until = self.backend.penalty(source)
        if until > time.time():
            return f"the source asked to wait until {time.strftime('%H:%M:%S', time.localtime(until))}"
        return f"windows {format_windows(windows)} are full"

    def penalize(self, source: str, retry_after_seconds: float) -> None:
        """Make every worker wait ``retry_after_seconds`` before its next call to ``source`` (after a 429)."""
        LIMITER_429.labels(source).inc()
        if retry_after_seconds > 0:
            self.backend.penalize(source, time.time() + retry_after_seconds)

    def close(self) -> None:
        self.backend.close()


@dataclass(frozen=True)
class WindowUse:
    """How much of one window a source has used now."""

    source: str
    window: Window
    used: int


def window_usage(settings: Settings | None = None) -> list[WindowUse] | None:
    """Every source's windows with the units used in them now (the admin dashboard), through the process's shared
    limiter; None when the backend cannot tell (Redis keeps its windows to itself)."""
    limiter = shared_limiter(settings)
    sources = getattr(limiter.backend, "sources", None)
    used = getattr(limiter.backend, "used", None)
    if sources is None or used is None:
        return None
    found = []
    for source in sources():
        windows = limiter.windows(source)
        found += [WindowUse(source, w, n) for w, n in zip(windows, used(source, windows), strict=True)]
    return found


def backend_for_url(url: str) -> LimiterBackend:
    """The backend of ``url``: Redis for ``redis://``, ``rediss://`` and ``unix://``, the database otherwise."""
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("redis", "rediss", "unix"):
        from conveyor.sync.limiter_redis import RedisBackend

        return RedisBackend.from_url(url)
    from conveyor.sync.limiter_sql import SqlBackend

    return SqlBackend.for_url(url)


def open_limiter(settings: Settings | None = None) -> Limiter:
    """The limiter of the settings (``CONVEYOR_RATE_LIMIT_URL``, ``CONVEYOR_RATE_LIMITS`` …)."""
    from conveyor.settings import settings_or_default

    config = settings_or_default(settings)
    return Limiter(
        backend_for_url(config.limiter_url),
        {name: parse_windows(text) for name, text in config.rate_limits.items()},
        default=parse_windows(config.rate_limit_default),
        max_wait=config.rate_limit_max_wait,
        guard=config.rate_limit_guard,
    )


_shared: dict[tuple[object, ...], Limiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(settings: Settings | None = None) -> Limiter:
    """The process's limiter for these settings: opened on first use, then reused by every source of the process.

    Keyed by process as well as by configuration: a child forked after the parent opened one opens its own, as
    database and Redis connections must not be shared across a fork.
    """
    from conveyor.settings import settings_or_default

    config = settings_or_default(settings)
    pid = os.getpid()
    key = (
        pid,
        config.limiter_url,
        tuple(sorted(config.rate_limits.items())),
        config.rate_limit_default,
        config.rate_limit_max_wait,
        config.rate_limit_guard,
    )
    with _shared_lock:
        for inherited in [k for k in _shared if k[0] != pid]:
            del _shared[inherited]  # the parent's: not ours to use (nor to close)
        found = _shared.get(key)
        if found is None:
            found = _shared[key] = open_limiter(config)
        return found


class SourceThrottle:
    """The shared limiter as a source's two hooks: wait for a slot before each request, hold everyone after a 429.

    The limiter is asked for on the first request, not when the source is built, so that building a source stays
    cheap and never touches the database.
    """

    def __init__(self, name: str, limiter: Callable[[], Limiter]) -> None:
        self.name = name
        self._limiter = limiter

    def before_request(self, method: str, path: str) -> None:
        """Block until this call fits every window of the source (``RateLimitTimeoutError`` past ``max_wait``)."""
        self._limiter().acquire(self.name)

    def rate_limited(self, retry_after: float) -> None:
        """The source answered 429: no worker anywhere calls it again before ``retry_after`` seconds."""
        self._limiter().penalize(self.name, retry_after)
