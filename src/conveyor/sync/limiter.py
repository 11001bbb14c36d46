"""One rate limiter for every call to a source, shared by all workers on all machines.

A source's quota is several sliding windows enforced together (by default 25/s, 1,200/min, 30,000/h and
150,000/day): a call is granted only when it fits in every window, counting every call granted anywhere. The
state lives in a backend chosen by URL (kombu's way): the database (``sqlite://``, ``postgresql+psycopg://``,
``mysql+pymysql://``; the embedded default) or Redis (``redis://``, for many machines)::

    limiter = open_limiter()                  # CONVEYOR_RATE_LIMIT_URL, else the database
    limiter.acquire("erp")                    # blocks until a slot is free (at most max_wait, then raises)
    ...call the source...
    limiter.penalize("erp", retry_after)      # after a 429: every worker waits

A worker that would exceed a window sleeps until the oldest call that blocks it leaves the window, rather than
failing; only a wait longer than ``max_wait`` raises ``RateLimitTimeoutError`` (transient: the bus retries the command
later). Each window is widened by a small ``guard`` so that the time between the grant and the request reaching the
source (commit, network) cannot make the source see a window exceeded.

Both backends are ours, not pyrate-limiter's (``limiter_sql`` and ``limiter_redis`` say why): its SQL buckets are
not atomic under concurrency or missing (MariaDB), and its Redis bucket trusts each client's clock, which let four
processes exceed a window. Each backend decides a grant in one atomic step (a locked row, a Lua script).

This module depends on nothing else in ``conveyor.sync``.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from conveyor.settings import Settings

UNITS: dict[str, float] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1.0),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60.0),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600.0),
    **dict.fromkeys(("d", "day", "days"), 86400.0),
}
_CANONICAL = ((86400.0, "day"), (3600.0, "h"), (60.0, "min"), (1.0, "s"))
_WINDOW = re.compile(r"(\d[\d_]*)\s*/\s*(\d+(?:\.\d+)?)?\s*([a-z]+)")
_NONE = ("", "none", "unlimited")


class InvalidWindowError(ValueError):
    """A quota text that cannot be read; the message names the part and shows the accepted form."""


@dataclass(frozen=True, order=True, slots=True)
class Window:
    """At most ``limit`` units in any window of ``seconds`` (sliding, not calendar-aligned)."""

    seconds: float
    limit: int

    def __post_init__(self) -> None:
        if self.limit < 1 or not self.seconds > 0 or math.isinf(self.seconds):
            raise InvalidWindowError(f"a window needs a limit of at least 1 and a finite period, got {self!r}")

    def widened(self, guard: float) -> Window:
        return Window(self.seconds + guard, self.limit)

    def __str__(self) -> str:
        for size, unit in _CANONICAL:
            count = self.seconds / size
            if count >= 1 and count == int(count):
                return f"{self.limit}/{'' if count == 1 else int(count)}{unit}"
        return f"{self.limit}/{format(Decimal(repr(self.seconds)), 'f')}s"


DEFAULT_WINDOWS = (Window(1, 25), Window(60, 1200), Window(3600, 30000), Window(86400, 150000))


def parse_windows(text: str | None) -> tuple[Window, ...]:
    """``"25/s, 1200/min, 20/4s"`` → windows, shortest first; ``"none"`` or empty → no limit.

    Parts are separated by commas, semicolons or spaces; a period is an optional number and a unit (s, min, h,
    day and their usual spellings). Two limits for the same period are refused rather than guessed between.
    """
    if text is None or text.strip().lower() in _NONE:
        return ()
    windows: dict[float, Window] = {}
    normalized = re.sub(r"\s*/\s*", "/", text.strip().lower())
    normalized = re.sub(r"(?<=\d)\s+(?=[a-z])", "", normalized)  # "20/4 s" → "20/4s"
    for part in re.split(r"[,;\s]+", normalized):
        if not part:
            continue
        match = _WINDOW.fullmatch(part)
        if match is None or match.group(3) not in UNITS:
            raise InvalidWindowError(f"cannot read the rate {part!r}: write it as 25/s, 1200/min, 20/4s or 30000/h")
        limit = int(match.group(1).replace("_", ""))
        count = float(match.group(2)) if match.group(2) else 1.0
        seconds = count * UNITS[match.group(3)]
        if limit < 1 or not seconds > 0:
            raise InvalidWindowError(f"the rate {part!r} must allow at least one call per non-empty period")
        if seconds in windows:
            raise InvalidWindowError(f"two limits for the same period: {windows[seconds]} and {part}")
        windows[seconds] = Window(seconds, limit)
    return tuple(sorted(windows.values()))


def format_windows(windows: Iterable[Window]) -> str:
    """The text ``parse_windows`` reads back to the same windows (``none`` for no limit)."""
    return ",".join(str(w) for w in sorted(windows)) or "none"


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
        started = time.monotonic()
        while True:
            wait = self.backend.try_acquire(source, effective, weight)
            if wait <= 0:
                return time.monotonic() - started
            waited = time.monotonic() - started
            if waited + wait > self.max_wait:
                raise RateLimitTimeoutError(source, wait, self.max_wait, self._reason(source, windows))
            self._sleep(wait)

    def _reason(self, source: str, windows: Sequence[Window]) -> str:
        until = self.backend.penalty(source)
        if until > time.time():
            return f"the source asked to wait until {time.strftime('%H:%M:%S', time.localtime(until))}"
        return f"windows {format_windows(windows)} are full"

    def penalize(self, source: str, retry_after_seconds: float) -> None:
        """Make every worker wait ``retry_after_seconds`` before its next call to ``source`` (after a 429)."""
        if retry_after_seconds > 0:
            self.backend.penalize(source, time.time() + retry_after_seconds)

    def close(self) -> None:
        self.backend.close()


def backend_for_url(url: str) -> LimiterBackend:
    """The backend of ``url``: Redis for ``redis://``, ``rediss://`` and ``unix://``, the database otherwise."""
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("redis", "rediss", "unix"):
        from conveyor.sync.limiter_redis import RedisBackend

        return RedisBackend.from_url(url)
    from conveyor.db.engine import get_engine
    from conveyor.sync.limiter_sql import SqlBackend

    return SqlBackend(get_engine(url))


def open_limiter(settings: Settings | None = None) -> Limiter:
    """The limiter of the settings (``CONVEYOR_RATE_LIMIT_URL``, ``CONVEYOR_RATE_LIMITS`` …)."""
    from conveyor.sync.limiter_settings import limiter_settings

    config = limiter_settings(settings)
    return Limiter(
        backend_for_url(config.rate_limit_url or config.database_url),
        {name: parse_windows(text) for name, text in config.rate_limits.items()},
        default=parse_windows(config.rate_limit_default),
        max_wait=config.rate_limit_max_wait,
        guard=config.rate_limit_guard,
    )
