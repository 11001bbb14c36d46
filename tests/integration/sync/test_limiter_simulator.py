"""The issue's limiter test: four worker processes hammer the ERP simulator through ``HttpSource`` for 25 s.

Each worker is a separate interpreter (multiprocessing *spawn*: nothing inherited) that builds its source the way
production does, ``load_source(settings)``, so every request passes the shared limiter of its process, opened
lazily from the settings. The simulator enforces the same small quota (5/s and 30/10s) and counts what it admits;
its own counts are the evidence: no 429 was ever answered, no fixed window and no sliding window of either size
held more than the quota, and the calls admitted in the run come within 10% of the most that any schedule
respecting the windows could make.

The 25 s run (long enough for the 10 s window to fill, hold every worker back, empty and fill again twice) uses
the embedded default backend, a SQLite file beside the database; PostgreSQL and Redis get a 12 s run each (the 10 s
window fills at 6 s and must then hold every worker back). A minute-sized long window would take a 70 s run to
turn over; the limiter's arithmetic is the same for any size, and the unit tests cover minutes and hours.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import time
from collections.abc import Iterator, Sequence
from multiprocessing.sharedctypes import SynchronizedArray
from multiprocessing.synchronize import Barrier
from typing import Any

import httpx
import pytest

from conveyor.heap import freeze_loaded
from conveyor.quota import Window, parse_windows
from conveyor.settings import Settings
from conveyor.sync import load_source
from conveyor.sync.limiter import shared_limiter
from tests.integration.sync.conftest import StartSimulator

log = logging.getLogger(__name__)
QUOTA = "5/s,30/10s"  # the long window fills in 6 s and turns over every 10 s: a short run sees both bind
WORKERS = 4
spawn = multiprocessing.get_context("spawn")


def most_calls(windows: Sequence[Window], seconds: float) -> int:
    """The most calls any schedule fits in ``seconds`` without exceeding a sliding window: each as early as allowed
    (bursts of 5 each second until the long window's 30 are used, then nothing until the first leaves it)."""
    grants: list[float] = []
    while True:
        ready = max((grants[-w.limit] + w.seconds for w in windows if len(grants) >= w.limit), default=0.0)
        if ready >= seconds:
            return len(grants)
        grants.append(ready)


def test_most_calls_counts_the_greedy_schedule() -> None:
    assert most_calls(parse_windows(QUOTA), 25) == 30 + 30 + 25  # bursts at 0 … 5, at 10 … 15, then at 20 … 24
    assert most_calls(parse_windows(QUOTA), 12) == 30 + 10
    assert most_calls(parse_windows("2/s"), 3) == 6


def hammer(settings: dict[str, Any], run: float, ready: Barrier, fetched: SynchronizedArray[int], me: int) -> None:
    """One worker: fetch customers through the settings' source as fast as it lets us, for ``run`` seconds.

    Counts its calls where the parent sees them at once: a worker still waiting for a slot when the run ends is
    stopped by the parent rather than waited for (the long window may hold it for most of 10 s).
    """
    config = Settings(**settings)
    source = load_source(config)
    shared_limiter(config).backend.penalty(config.rate_limit_name)  # connect before the start, not during the run
    freeze_loaded()  # as a consumer does before its loop: no full collection between a grant and its request
    ids = [f"C{n:06d}" for n in range(1, 21)]
    ready.wait(timeout=120)
    deadline = time.time() + run
    done = 0
    while time.time() < deadline:
        source.fetch_customer(ids[done % len(ids)])  # an error ends the worker with a non-zero exit code
        done += 1
        fetched[me] = done
    source.close()


@pytest.fixture
def frozen_heap() -> Iterator[None]:
    """The simulator timestamps each request in a thread of this process; a full collection of the heap that a
    thousand earlier tests left here can stall it for long enough to process a second's requests together with
    the next second's, which its sliding count then sees as one burst. Frozen objects are never scanned."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@pytest.mark.serial  # its quota-use bound needs the machine to itself
@pytest.mark.usefixtures("frozen_heap")
@pytest.mark.parametrize(
    ("backend", "run"),
    [
        ("sqlite", 25.0),
        ("postgresql", 12.0),
        ("redis", 12.0),
    ],
    ids=["sqlite-25s", "postgresql-12s", "redis-12s"],
)
@pytest.mark.timeout(240)
def test_four_workers_never_exceed_the_simulators_quota_and_use_it(
    backend: str, run: float, start_simulator: StartSimulator, request: pytest.FixtureRequest, uid: str
) -> None:
    server = start_simulator(seed=3, customers=20, products=1, quota=QUOTA)
    database_url = str(request.getfixturevalue("pg_url" if backend == "postgresql" else "sqlite_url"))
    name = f"erp-{uid}"
    settings = {
        "database_url": database_url,
        "rate_limit_url": str(request.getfixturevalue("redis_url")) if backend == "redis" else None,
        "rate_limit_enabled": True,
        "rate_limits": {name: QUOTA},
        "source_name": name,
        "source_url": server.api_url,
        "source_retries": 0,  # a 5xx would be a failure here, not something to hide
    }
    ready = spawn.Barrier(WORKERS + 1)
    fetched = spawn.Array("i", WORKERS)
    workers = [spawn.Process(target=hammer, args=(settings, run, ready, fetched, n)) for n in range(WORKERS)]
    for worker in workers:
        worker.start()
    ready.wait(timeout=120)  # every worker has imported, built its source and connected its limiter
    time.sleep(run)
    in_run = stats(server.url)["admitted"]  # what came in during the run (a call in flight may land after)
    for worker in workers:
        worker.join(timeout=3)
    failed = [worker.exitcode for worker in workers if worker.exitcode not in (0, None)]
    for worker in workers:
        if worker.is_alive():  # waiting for a slot past the end of the run
            worker.terminate()
            worker.join(timeout=10)
    final = stats(server.url)
    counts = fetched[:]

    assert failed == [], "a worker failed (its traceback is in the captured stderr)"
    assert all(count > 0 for count in counts), f"a worker starved: {counts}"
    assert final["admitted"] - WORKERS <= sum(counts) <= final["admitted"]  # (a stopped one may not have counted)
    assert final["refused"] == 0, f"the simulator answered {final['refused']} 429(s): {final}"
    by_size = {window["seconds"]: window for window in final["windows"]}
    for window in parse_windows(QUOTA):
        counted = by_size[window.seconds]
        assert counted["limit"] == window.limit and counted["refused"] == 0
        assert counted["max"] <= window.limit, f"a fixed {window} window held {counted['max']}"
        assert counted["sliding_max"] <= window.limit, f"some {window.seconds:g}s span held {counted['sliding_max']}"
    allowed = most_calls(parse_windows(QUOTA), run)
    log.info("%s: %d calls admitted in %gs, the quota allows %d; per worker %s", backend, in_run, run, allowed, counts)
    assert in_run >= 0.9 * allowed, f"{in_run} calls in {run:g}s; the quota allows {allowed}"
    assert by_size[10.0]["sliding_max"] == 30  # the long window was filled, and held


def stats(url: str) -> dict[str, Any]:
    response = httpx.get(f"{url}/admin/stats", timeout=30)
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found
