"""The shared limiter under real concurrency: processes acquiring against one backend never exceed any window.

Each backend (SQLite, PostgreSQL, MariaDB, Redis) gets 4 processes hammering small windows (5/s and 20/4s) for a
few seconds; every grant's time is recorded, every sliding window is checked, and the throughput must come within
15% of the most the windows allow. Then penalize() from another process must hold every worker.

The servers are shared: a long stall of one (another suite dropping a database) costs grants, so the penalty test
watches progress rather than trusting fixed sleeps.
"""

from __future__ import annotations

import bisect
import math
import multiprocessing
import time
import uuid
from collections.abc import Sequence
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Barrier, Event

import pytest

from conveyor.quota import Window, parse_windows
from conveyor.sync.limiter import Limiter, LimiterBackend

WINDOWS = "5/s,20/4s"
PROCESSES = 4
RUN = 4.0
fork = multiprocessing.get_context("fork")  # fast to start; children open their own connections


def open_backend(url: str) -> LimiterBackend:
    """A backend with connections of its own (never an engine inherited from the parent process)."""
    if url.startswith("redis"):
        from conveyor.sync.limiter_redis import RedisBackend

        return RedisBackend.from_url(url)
    from conveyor.db import make_engine
    from conveyor.sync.limiter_sql import SqlBackend

    return SqlBackend(make_engine(url))


def hammer(url: str, source: str, windows: str, run: float, start: Barrier, results: Queue[list[float]]) -> None:
    """Acquire as fast as the limiter lets us for ``run`` seconds; report every grant's time."""
    limiter = Limiter(open_backend(url), {source: parse_windows(windows)}, max_wait=30)
    limiter.backend.penalty(source)  # connect before the start
    start.wait()
    deadline = time.time() + run
    stamps: list[float] = []
    while not stamps or stamps[-1] < deadline:
        limiter.acquire(source)
        stamps.append(time.time())
    results.put(stamps)


@pytest.fixture(params=["sqlite", "postgresql", "mariadb", "redis"])
def limiter_url(request: pytest.FixtureRequest) -> str:
    fixture = {"sqlite": "sqlite_url", "postgresql": "pg_url", "mariadb": "maria_url", "redis": "redis_url"}
    return str(request.getfixturevalue(fixture[request.param]))


def run_workers(url: str, source: str, windows: str, run: float) -> tuple[list[list[float]], Limiter]:
    """Start the processes together; returns their grant times and a limiter of our own."""
    start = fork.Barrier(PROCESSES + 1)
    results: Queue[list[float]] = fork.Queue()
    workers = [fork.Process(target=hammer, args=(url, source, windows, run, start, results)) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    mine = Limiter(open_backend(url), {source: parse_windows(windows)})
    start.wait(timeout=30)
    return [results.get(timeout=run + 30) for _ in workers], mine


def most_in_any_window(stamps: Sequence[float], seconds: float) -> int:
    """The largest number of grants in any half-open window [t, t + seconds)."""
    return max((bisect.bisect_left(stamps, t + seconds) - i for i, t in enumerate(stamps)), default=0)


def test_processes_never_exceed_any_window_and_use_the_quota(limiter_url: str) -> None:
    source = f"erp-{uuid.uuid4().hex[:8]}"
    per_worker, mine = run_workers(limiter_url, source, WINDOWS, RUN)
    stamps = sorted(t for worker in per_worker for t in worker)
    for window in parse_windows(WINDOWS):
        assert most_in_any_window(stamps, window.seconds) <= window.limit, f"window {window} exceeded"
    # throughput: the most any schedule could fit in RUN seconds, from the first grant on
    allowed = min(w.limit * math.ceil(RUN / w.seconds) for w in parse_windows(WINDOWS))
    granted = bisect.bisect_left(stamps, stamps[0] + RUN)
    assert granted >= 0.85 * allowed, f"{granted} grants in {RUN}s, the windows allow {allowed}"
    assert all(worker for worker in per_worker)  # every process got slots, none starved
    mine.close()


def count_grants(
    url: str,
    source: str,
    windows: str,
    start: Barrier,
    stop: Event,
    granted: Synchronized[int],
    results: Queue[list[float]],
) -> None:
    """Acquire until told to stop, counting grants where the parent can watch them."""
    limiter = Limiter(open_backend(url), {source: parse_windows(windows)}, max_wait=30)
    limiter.backend.penalty(source)
    start.wait()
    stamps: list[float] = []
    while not stop.is_set():
        limiter.acquire(source)
        stamps.append(time.time())
        with granted.get_lock():
            granted.value += 1
    results.put(stamps)


def wait_for(granted: Synchronized[int], count: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while granted.value < count:
        assert time.monotonic() < deadline, f"only {granted.value} grants, waited for {count}"
        time.sleep(0.01)


def test_penalize_holds_every_process(limiter_url: str) -> None:
    source = f"erp-{uuid.uuid4().hex[:8]}"
    start, stop, granted = fork.Barrier(PROCESSES + 1), fork.Event(), fork.Value("i", 0)
    results: Queue[list[float]] = fork.Queue()
    args = (limiter_url, source, "50/s", start, stop, granted, results)
    workers = [fork.Process(target=count_grants, args=args) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    limiter = Limiter(open_backend(limiter_url), {source: parse_windows("50/s")})
    start.wait(timeout=30)
    wait_for(granted, 10)  # they are running (however long the server takes to get going)
    before = time.time()
    limiter.penalize(source, 1.0)  # as after a 429 with Retry-After: 1
    after = time.time()
    wait_for(granted, granted.value + 10)  # and running again
    stop.set()
    stamps = sorted(t for worker in [results.get(timeout=40) for _ in workers] for t in worker)
    held = [t for t in stamps if after + 0.02 < t < before + 1.0]
    assert held == [], "a worker was granted a call during the penalty"
    assert stamps[0] < before and stamps[-1] >= before + 1.0
    limiter.close()


def test_weighted_grants_count_units_on_every_backend(limiter_url: str) -> None:
    """Grants of 3 units against 7 per 0.5 s: two fit in a window, a third waits for the next.

    The grants are counted, not timed against a deadline: a shared server's stall (its first connection, another
    suite dropping a database) may delay a grant but must never let a window hold more than 7 units.
    """
    source = f"erp-{uuid.uuid4().hex[:8]}"
    limiter = Limiter(open_backend(limiter_url), {source: [Window(0.5, 7)]})
    limiter.backend.penalty(source)  # connect (and create the tables) before the first grant
    grants: list[float] = []
    for _ in range(5):
        limiter.acquire(source, 3)
        grants.append(time.time())
    units = [t for t in grants for _ in range(3)]
    assert most_in_any_window(units, 0.5) <= 6  # two grants of 3 fit in 7, a third does not
    assert grants[4] - grants[0] >= 1.0 - 0.02  # five grants need three windows: counted as 1 unit they'd need one
    assert grants[1] - grants[0] < 0.5  # the second grant fits beside the first: no unit is counted twice
    limiter.close()
