"""The ``schedule`` condition: the cron matcher against a brute-force reference (property tests), and "due since
the last spawn" on a real database holding the pipelines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from conveyor.db import make_engine
from conveyor.pipelines.conditions.schedule import CronError, CronSchedule, ScheduleCondition
from conveyor.pipelines.definitions import parse_pipeline
from conveyor.pipelines.executors.arguments import ArgumentError
from conveyor.pipelines.ports import ConditionContext
from conveyor.pipelines.store import create_pipeline

MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
BOUNDS = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


# --- the reference: every value of a field tested against every item, the plainest reading of crontab(5) ---------
def item_allows(item: str, value: int, lowest: int, highest: int, names: list[str], first: int) -> bool:
    def number(text: str) -> int:
        return names.index(text.lower()) + first if text.lower() in names else int(text)

    body, _, step_text = item.partition("/")
    step = int(step_text) if step_text else 1
    if body == "*":
        start, end = lowest, highest
    elif "-" in body:
        a, b = body.split("-")
        start, end = number(a), number(b)
    else:
        start = number(body)
        end = highest if step_text else start
    return start <= value <= end and (value - start) % step == 0


def reference_matches(expression: str, moment: datetime) -> bool:
    fields = expression.split()
    name_lists: list[tuple[list[str], int]] = [([], 0), ([], 0), ([], 0), (MONTH_NAMES, 1), (DAY_NAMES, 0)]

    def allows(index: int, value: int) -> bool:
        lowest, highest = BOUNDS[index]
        names, first = name_lists[index]
        return any(item_allows(i, value, lowest, highest, names, first) for i in fields[index].split(","))

    weekday = (moment.weekday() + 1) % 7
    by_week = allows(4, weekday) or (weekday == 0 and allows(4, 7))
    by_month = allows(2, moment.day)
    restricted = not fields[2].startswith("*") and not fields[4].startswith("*")
    day = (by_month or by_week) if restricted else (by_month and by_week)
    return allows(0, moment.minute) and allows(1, moment.hour) and allows(3, moment.month) and day


# --- expressions ----------------------------------------------------------------------------------------------------
@st.composite
def field(draw: st.DrawFn, index: int) -> str:
    lowest, highest = BOUNDS[index]
    names = {3: (MONTH_NAMES, 1), 4: (DAY_NAMES, 0)}.get(index)

    def value(v: int) -> str:
        if names and v - names[1] < len(names[0]) and draw(st.booleans()):
            return names[0][v - names[1]].upper() if draw(st.booleans()) else names[0][v - names[1]]
        return str(v)

    items = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["star", "star_step", "value", "range", "range_step", "value_step"]))
        a = draw(st.integers(lowest, highest))
        b = draw(st.integers(a, highest))
        step = draw(st.integers(1, highest - lowest + 2))
        items.append(
            {
                "star": "*",
                "star_step": f"*/{step}",
                "value": value(a),
                "range": f"{value(a)}-{value(b)}",
                "range_step": f"{value(a)}-{value(b)}/{step}",
                "value_step": f"{value(a)}/{step}",
            }[kind]
        )
    return ",".join(items)


@st.composite
def expressions(draw: st.DrawFn) -> str:
    return " ".join(draw(field(i)) for i in range(5))


moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


@settings(max_examples=400, deadline=None)
@given(expressions(), moments)
def test_the_matcher_agrees_with_the_reference(expression: str, moment: datetime) -> None:
    assert CronSchedule.parse(expression).matches(moment) == reference_matches(expression, moment)


@settings(max_examples=150, deadline=None)
@given(expressions(), moments)
def test_next_after_is_the_first_matching_minute(expression: str, moment: datetime) -> None:
    """Checked minute by minute over two days; beyond that, only that the answer lies beyond and matches."""
    schedule = CronSchedule.parse(expression)
    found = schedule.next_after(moment + timedelta(seconds=17))
    window = [moment + timedelta(minutes=n) for n in range(1, 2 * 24 * 60 + 1)]
    expected = next((m for m in window if reference_matches(expression, m)), None)
    if expected is not None:
        assert found == expected
    elif found is not None:
        assert found > window[-1] and reference_matches(expression, found)


@settings(max_examples=150, deadline=None)
@given(expressions(), moments, st.integers(0, 600), st.integers(0, 59))
def test_due_means_a_scheduled_minute_after_the_last_spawn(
    expression: str, last: datetime, minutes: int, seconds: int
) -> None:
    schedule = CronSchedule.parse(expression)
    spawned = last + timedelta(seconds=seconds)
    now = spawned + timedelta(minutes=minutes)
    between = [last + timedelta(minutes=n) for n in range(1, minutes + 2)]
    expected = any(spawned < m <= now and reference_matches(expression, m) for m in between)
    assert schedule.due(now, spawned) == expected
    assert schedule.due(now, None) == reference_matches(expression, now.replace(second=0))


def test_examples() -> None:
    office = CronSchedule.parse("*/15 9-17 * * mon-fri")
    assert office.next_after(datetime(2025, 6, 6, 17, 50)) == datetime(2025, 6, 9, 9, 0)  # Friday → Monday
    leap = CronSchedule.parse("0 0 29 2 *")
    assert leap.next_after(datetime(2097, 3, 1)) == datetime(2104, 2, 29)  # 2100 is no leap year
    assert CronSchedule.parse("0 0 31 2 *").next_after(datetime(2025, 1, 1)) is None
    either = CronSchedule.parse("0 12 13 * fri")  # the 13th, or any Friday
    assert either.matches(datetime(2025, 6, 13, 12)) and either.matches(datetime(2025, 6, 6, 12))
    assert not either.matches(datetime(2025, 6, 7, 12))
    assert replace(CronSchedule.parse("@hourly"), expression="") == replace(
        CronSchedule.parse("0 * * * *"), expression=""
    )
    assert CronSchedule.parse("0 0 * * 7").matches(datetime(2025, 6, 8))  # 7 is Sunday too


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("* * * *", "expected 5 fields"),
        ("61 * * * *", "minute field '61': '61' is not between 0 and 59"),
        ("* 5-1 * * *", "hour field '5-1': range '5-1' runs backwards"),
        ("*/0 * * * *", "minute field '\\*/0': step '0' is not a positive number"),
        ("* * 0 * *", "day of month field '0'"),
        ("* * * foo *", "month field 'foo'"),
        ("* * * * mon-", "day of week field 'mon-'"),
    ],
)
def test_bad_schedules_name_the_field(expression: str, message: str) -> None:
    with pytest.raises(CronError, match=message):
        CronSchedule.parse(expression)


# --- the condition on a real database ------------------------------------------------------------------------------
@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


DEFINITION = parse_pipeline(
    {"name": "stock_delta", "stages": [{"name": "import", "steps": [{"name": "stock", "executor": "cli"}]}]}
)


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2025, 6, 2, hour, minute, second, tzinfo=UTC)


def test_the_condition_spawns_once_per_scheduled_minute(engine: Engine, tmp_path: Path) -> None:
    condition = ScheduleCondition()

    def check(now: datetime, cron: str = "*/5 * * * *") -> bool:
        context = ConditionContext(engine, now, "stock_delta", {"cron": cron})
        return condition.check(context).ok

    def spawn(now: datetime) -> None:
        with engine.begin() as conn:
            create_pipeline(conn, DEFINITION, arguments={}, now=now.timestamp(), work_root=tmp_path)

    assert not check(at(12, 4, 50))
    assert check(at(12, 5, 10))  # never spawned: due in a scheduled minute
    spawn(at(12, 5, 10))
    assert not check(at(12, 5, 40))  # a heartbeat looping every few seconds does not spawn again
    reason = condition.check(ConditionContext(engine, at(12, 5, 40), "stock_delta", {"cron": "*/5 * * * *"})).reason
    assert reason == "'*/5 * * * *' is next due at 2025-06-02 12:10 UTC"
    assert check(at(12, 10, 0))
    assert check(at(12, 31, 0))  # the heartbeat was away: due once …
    spawn(at(12, 31, 0))
    assert not check(at(12, 31, 30))  # … not once per missed minute
    assert not check(at(12, 34, 59)) and check(at(12, 35, 1))


def test_the_schedule_reads_the_wall_clock_of_its_time_zone(engine: Engine) -> None:
    condition = ScheduleCondition()
    arguments = {"cron": "0 9 * * *", "timezone": "Europe/Berlin"}
    assert condition.check(ConditionContext(engine, at(7, 0), "p", arguments)).ok  # 09:00 in Berlin in June
    assert not condition.check(ConditionContext(engine, at(9, 0), "p", arguments)).ok


def test_bad_arguments_are_named(engine: Engine) -> None:
    condition = ScheduleCondition()
    with pytest.raises(ArgumentError, match="condition 'schedule': argument 'cron' cron '\\* \\*'"):
        condition.check(ConditionContext(engine, at(1, 0), "p", {"cron": "* *"}))
    with pytest.raises(ArgumentError, match="argument 'timezone' 'Mars/Olympus' is not a known time zone"):
        condition.check(ConditionContext(engine, at(1, 0), "p", {"cron": "* * * * *", "timezone": "Mars/Olympus"}))
