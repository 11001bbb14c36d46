"""Quotas written the way source APIs document them: ``"25/s,1200/min,30000/h,150000/day"``.

The one parser of quota text, shared by the rate limiter (which enforces a quota as sliding windows) and the ERP
simulator (which enforces it as fixed windows and counts against it), so both read the same text the same way.
Each part is a number of calls per period; the parts apply together (cumulatively). A period may carry a
multiplier, whole or not (``"100/10s"``, ``"10/0.5s"``); ``"none"`` or an empty text means no quota.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

UNITS: dict[str, float] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1.0),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60.0),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600.0),
    **dict.fromkeys(("d", "day", "days"), 86400.0),
}
DEFAULT_QUOTA = "25/s,1200/min,30000/h,150000/day"  # what source APIs of this kind document
_CANONICAL = ((86400.0, "day"), (3600.0, "h"), (60.0, "min"), (1.0, "s"))
_WINDOW = re.compile(r"(\d[\d_]*)\s*/\s*(\d+(?:\.\d+)?)?\s*([a-z]+)")
_NONE = ("", "none", "unlimited")


class InvalidWindowError(ValueError):
    """A quota text that cannot be read; the message names the part and shows the accepted form."""


@dataclass(frozen=True, order=True, slots=True)
class Window:
    """At most ``limit`` calls in a window of ``seconds``."""

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
