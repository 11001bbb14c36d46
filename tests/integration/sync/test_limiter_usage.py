"""What the admin dashboard shows of the rate limiter: the units each window holds now."""

from __future__ import annotations

from conveyor.db.engine import get_engine
from conveyor.quota import Window
from conveyor.sync.limiter_sql import SqlBackend


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_units_used_per_window_follow_the_grants_as_time_passes(sqlite_url: str) -> None:
    clock = Clock()
    backend = SqlBackend(get_engine(sqlite_url), clock)
    windows = [Window(1.0, 5), Window(60.0, 100)]
    assert backend.used("erp", windows) == [0, 0]
    for at, weight in [(1_000.0, 1), (1_000.5, 2), (1_002.0, 1)]:
        clock.now = at
        assert backend.try_acquire("erp", windows, weight) == 0.0
    clock.now = 1_002.2
    assert backend.used("erp", windows) == [1, 4]
    clock.now = 1_070.0
    assert backend.used("erp", windows) == [0, 0]
    assert backend.sources() == ["erp"]


def test_a_window_fuller_than_the_log_keeps_counts_as_full(sqlite_url: str) -> None:
    clock = Clock()
    backend = SqlBackend(get_engine(sqlite_url), clock)
    windows = [Window(3600.0, 3)]
    for n in range(3):
        clock.now = 1_000.0 + n
        backend.try_acquire("pos", windows, 1)
    assert backend.used("pos", windows) == [3]
