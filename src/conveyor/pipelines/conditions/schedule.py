"""The ``schedule`` condition: a cron-style schedule is due.

Argument ``cron``: five fields (minute, hour, day of month, month, day of week) as in crontab(5) — ``*``, values,
ranges ``a-b``, steps ``*/n`` / ``a-b/n`` / ``a/n``, lists, month and day names (``jan``, ``mon``), 0 or 7 for
Sunday, and when both day fields are restricted a day matching either counts — or a macro (``@hourly``,
``@daily``, ``@weekly``, ``@monthly``, ``@yearly``). Optional ``timezone`` (default UTC).

Due means: a scheduled minute lies after the pipeline's last spawn and not after the pulse. So a heartbeat
looping every ten seconds spawns once per scheduled minute, and a heartbeat that was down for a while spawns
once when it comes back, not once per missed minute. A pipeline never spawned is due in a scheduled minute.
A small matcher of our own rather than a dependency: it is 100 lines, and checked against a brute-force
reference by a property test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from conveyor.pipelines.executors.arguments import Arguments
from conveyor.pipelines.ports import ConditionContext, ConditionResult
from conveyor.pipelines.store import last_created

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTHS = {name: i for i, name in enumerate(_MONTH_NAMES, start=1)}
DAYS = {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# (name, lowest, highest, names)
FIELDS: tuple[tuple[str, int, int, Mapping[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, MONTHS),
    ("day of week", 0, 7, DAYS),
)
SEARCH_YEARS = 8  # the longest gap between two matches of a valid schedule (29 February over 1900 / 2100)


class CronError(ValueError):
    """A schedule that cannot be parsed; the message names the field and the item."""


def _value(text: str, names: Mapping[str, int], lowest: int, highest: int) -> int:
    value = names.get(text.lower()) if not text.isdigit() else int(text)
    if value is None or not lowest <= value <= highest:
        raise ValueError(f"{text!r} is not between {lowest} and {highest}")
    return value


def parse_field(text: str, lowest: int, highest: int, names: Mapping[str, int]) -> frozenset[int]:
    """The values one field allows."""
    values: set[int] = set()
    for item in text.split(","):
        body, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"step {step_text!r} is not a positive number")
            step = int(step_text)
        if body == "*":
            start, end = lowest, highest
        elif "-" in body:
            first, _, last = body.partition("-")
            start, end = _value(first, names, lowest, highest), _value(last, names, lowest, highest)
            if start > end:
                raise ValueError(f"range {body!r} runs backwards")
        else:
            start = _value(body, names, lowest, highest)
            end = highest if slash else start  # "a/n": from a to the end, every n
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class CronSchedule:
    """A parsed schedule; days of week are 0-6 with 0 for Sunday."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    either_day: bool  # both day fields restricted: a day matching one of them is enough

    @classmethod
    def parse(cls, expression: str) -> CronSchedule:
        text = MACROS.get(expression.strip().lower(), expression)
        parts = text.split()
        if len(parts) != len(FIELDS):
            raise CronError(f"cron {expression!r}: expected 5 fields (minute hour day month weekday), got {len(parts)}")
        sets = []
        for part, (name, lowest, highest, names) in zip(parts, FIELDS, strict=True):
            try:
                sets.append(parse_field(part, lowest, highest, names))
            except ValueError as exc:
                raise CronError(f"cron {expression!r}: {name} field {part!r}: {exc}") from None
        weekdays = frozenset(d % 7 for d in sets[4])
        either = not parts[2].startswith("*") and not parts[4].startswith("*")
        return cls(expression, sets[0], sets[1], sets[2], sets[3], weekdays, either)

    def day_matches(self, moment: datetime) -> bool:
        in_month = moment.day in self.days
        in_week = (moment.weekday() + 1) % 7 in self.weekdays
        return (in_month or in_week) if self.either_day else (in_month and in_week)

    def matches(self, moment: datetime) -> bool:
        """Whether the minute of ``moment`` is scheduled."""
        return (
            moment.minute in self.minutes
            and moment.hour in self.hours
            and moment.month in self.months
            and self.day_matches(moment)
        )

    def next_after(self, moment: datetime) -> datetime | None:
        """The first scheduled minute strictly after ``moment`` (None: none within SEARCH_YEARS, e.g. 31 Feb)."""
        t = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = t.replace(year=t.year + SEARCH_YEARS, month=1, day=1)
        while t < limit:
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
            elif not self.day_matches(t):
                t = t.replace(hour=0, minute=0) + timedelta(days=1)
            elif t.hour not in self.hours:
                t = t.replace(minute=0) + timedelta(hours=1)
            elif t.minute not in self.minutes:
                t += timedelta(minutes=1)
            else:
                return t
        return None

    def due(self, now: datetime, last: datetime | None) -> bool:
        """A scheduled minute in (last, now] — or, never run before, now's minute is scheduled."""
        if last is None:
            return self.matches(now)
        following = self.next_after(last)
        return following is not None and following <= now


LastSpawn = Callable[[ConditionContext], datetime | None]


def last_spawn(context: ConditionContext) -> datetime | None:
    """When the newest other pipeline of this name was created (timezone-aware UTC)."""
    with context.engine.connect() as conn:
        created = last_created(conn, context.pipeline_name, exclude_id=context.pipeline_id)
    return None if created is None else datetime.fromtimestamp(created, UTC)


class ScheduleCondition:
    """Holds when the schedule is due at the pulse."""

    def __init__(self, last: LastSpawn = last_spawn) -> None:
        self.last = last

    def check(self, context: ConditionContext) -> ConditionResult:
        arguments = Arguments(context.arguments, f"pipeline {context.pipeline_name!r}, condition 'schedule'")
        try:
            schedule = CronSchedule.parse(arguments.text("cron"))
        except CronError as exc:
            raise arguments.error("cron", str(exc)) from None
        name = arguments.text("timezone", "UTC")
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise arguments.error("timezone", f"{name!r} is not a known time zone") from exc
        last = self.last(context)

        def local(moment: datetime) -> datetime:  # wall-clock time in the zone, as cron reads it
            return moment.astimezone(zone).replace(tzinfo=None)

        now = local(context.now if context.now.tzinfo else context.now.replace(tzinfo=UTC))
        since = None if last is None else local(last if last.tzinfo else last.replace(tzinfo=UTC))
        if schedule.due(now, since):
            return ConditionResult(True)
        following = schedule.next_after(now)
        when = following.strftime("%Y-%m-%d %H:%M") if following is not None else "never"
        return ConditionResult(False, f"{schedule.expression!r} is next due at {when} {name}")


__all__ = ["CronError", "CronSchedule", "ScheduleCondition"]
