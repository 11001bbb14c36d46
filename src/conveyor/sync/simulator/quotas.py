"""Quota enforcement and request counting in fixed windows aligned to the Unix epoch (as most APIs reset).

Only admitted requests count against a window; refused ones are counted apart, per window, so a test can tell
whether a client ever ran into a limit. Windows of 1 s and 1 min are always counted, quota or not, so the
throughput a client reached can be read back. Besides the busiest fixed window, each size also reports the busiest
*sliding* window (the most admitted requests in any span of that length, wherever it starts): a source whose
windows start elsewhere than ours, or slide, would have refused a client that only respected our fixed ones.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from conveyor.quota import Window, format_windows

OBSERVED_WINDOWS = (1.0, 60.0)
KEEP_WINDOWS = 2000  # per window size: the last half hour of seconds, a day and a half of minutes


@dataclass
class _Counter:
    seconds: float
    limit: int | None
    counts: dict[int, int] = field(default_factory=dict)  # window index → admitted requests
    refused: int = 0
    recent: deque[float] = field(default_factory=deque)  # admission times within the last ``seconds``
    sliding_max: int = 0

    def count(self, now: float) -> int:
        return self.counts.get(int(now // self.seconds), 0)

    def add(self, now: float) -> None:
        index = int(now // self.seconds)
        if index not in self.counts:
            self.counts[index] = 0
            self.counts.pop(index - KEEP_WINDOWS, None)
        self.counts[index] += 1
        while self.recent and self.recent[0] <= now - self.seconds:
            self.recent.popleft()
        self.recent.append(now)
        self.sliding_max = max(self.sliding_max, len(self.recent))

    def wait(self, now: float) -> float:
        """Seconds until this window ends."""
        return (int(now // self.seconds) + 1) * self.seconds - now


class QuotaCounter:
    """Admits a request when every window still has room in its current period, and counts it in each."""

    def __init__(self, windows: tuple[Window, ...] = ()) -> None:
        self.configure(windows)

    def configure(self, windows: tuple[Window, ...]) -> None:
        """A new quota; counting starts over."""
        self.quota = windows
        limits = {window.seconds: window.limit for window in windows}
        sizes = sorted(set(limits) | set(OBSERVED_WINDOWS))
        self.windows = [_Counter(seconds, limits.get(seconds)) for seconds in sizes]
        self.admitted = 0
        self.refused = 0
        self.first: float | None = None
        self.last: float | None = None

    def admit(self, now: float) -> float | None:
        """None when the request may go ahead (it is counted), else the seconds to wait before asking again."""
        full = [w for w in self.windows if w.limit is not None and w.count(now) >= w.limit]
        if full:
            self.refused += 1
            for window in full:
                window.refused += 1
            return max(window.wait(now) for window in full)
        for window in self.windows:
            window.add(now)
        self.admitted += 1
        self.first = now if self.first is None else self.first
        self.last = now
        return None

    def stats(self, history: bool = False) -> dict[str, Any]:
        """Counts per window size: limit, the busiest fixed and sliding windows, refusals; ``history`` adds every
        fixed window's count."""
        windows = []
        for window in self.windows:
            entry: dict[str, Any] = {
                "seconds": window.seconds,
                "limit": window.limit,
                "max": max(window.counts.values(), default=0),
                "sliding_max": window.sliding_max,
                "windows": len(window.counts),
                "refused": window.refused,
            }
            if history:
                entry["counts"] = [[index * window.seconds, count] for index, count in sorted(window.counts.items())]
            windows.append(entry)
        return {
            "quota": format_windows(self.quota),
            "admitted": self.admitted,
            "refused": self.refused,
            "first": self.first,
            "last": self.last,
            "windows": windows,
        }


def retry_after_header(seconds: float) -> str:
    """Retry-After as whole seconds (RFC 9110), never 0 so a client does not spin."""
    return str(max(1, math.ceil(seconds)))
