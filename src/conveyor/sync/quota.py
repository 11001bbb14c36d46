"""Quotas written the way source APIs document them: ``"25/s,1200/min,30000/h,150000/day"``.

Each rate is a number of requests per window; several rates apply at once (cumulatively). A window may
carry a multiplier (``"100/10s"``). ``"none"`` or an empty text means no quota.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# The quota source APIs of this kind document (and the simulator's default): cumulative windows.
DEFAULT_QUOTA = "25/s,1200/min,30000/h,150000/day"
UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
_NAMES = {1: "s", 60: "min", 3600: "h", 86400: "day"}
_RATE = re.compile(r"(\d+)\s*/\s*(\d*)\s*([a-z]+)")


@dataclass(frozen=True, order=True, slots=True)
class Rate:
    """At most ``limit`` requests in any window of ``seconds``."""

    limit: int
    seconds: int

    def __str__(self) -> str:
        for size in sorted(_NAMES, reverse=True):
            if self.seconds % size == 0:
                count = self.seconds // size
                return f"{self.limit}/{'' if count == 1 else count}{_NAMES[size]}"
        raise AssertionError("every whole number of seconds is a multiple of 1s")


def parse_rates(text: str | None) -> tuple[Rate, ...]:
    """The rates of ``text``, shortest window first; ``ValueError`` names the part it cannot read."""
    if text is None or text.strip().lower() in ("", "none", "unlimited"):
        return ()
    rates: dict[int, Rate] = {}
    for part in text.split(","):
        match = _RATE.fullmatch(part.strip().lower())
        if match is None or match.group(3) not in UNITS:
            raise ValueError(f"cannot read the rate {part.strip()!r}: write it as 25/s, 1200/min, 100/10s, 30000/h")
        limit, count, unit = int(match.group(1)), int(match.group(2) or 1), UNITS[match.group(3)]
        if limit < 1 or count < 1:
            raise ValueError(f"the rate {part.strip()!r} must allow at least one request per window of 1s or more")
        seconds = count * unit
        if seconds in rates:
            raise ValueError(f"two rates for the same window: {rates[seconds]} and {part.strip()}")
        rates[seconds] = Rate(limit, seconds)
    return tuple(sorted(rates.values(), key=lambda rate: rate.seconds))


def format_rates(rates: Iterable[Rate]) -> str:
    """The text ``parse_rates`` reads back to the same rates ("none" for no rate)."""
    text = ",".join(str(rate) for rate in sorted(rates, key=lambda rate: rate.seconds))
    return text or "none"
