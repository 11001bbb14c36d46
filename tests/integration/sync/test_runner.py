"""Inline bulk runs: one bad entity costs only itself, 429s are waited out, progress is reported per page."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from conveyor.quota import parse_windows
from conveyor.sync import EntityType, HttpSource, Patience, SyncOptions, run_bulk
from conveyor.sync.limiter import Limiter, SourceThrottle
from conveyor.sync.limiter_sql import SqlBackend
from conveyor.sync.simulator import SimulatorServer
from tests.integration.sync.conftest import StartSimulator, admin, make_source, queue_on
from tests.integration.sync.store_check import CUSTOMERS, check_customers

OPTIONS = SyncOptions()


@pytest.fixture
def engine(sqlite_url: str) -> Engine:  # the runner's logic does not depend on the database
    from conveyor.db import make_engine

    return make_engine(sqlite_url)


def test_a_bad_entity_fails_alone(sim: SimulatorServer, engine: Engine) -> None:
    catalogue = sim.simulator.catalogue
    bad = catalogue.customers["C000005"]
    address = bad.addresses[0].model_copy(update={"country": "Germany"})
    catalogue.customers["C000005"] = bad.model_copy(update={"addresses": [address]})
    pages: list[tuple[int, int | None]] = []
    with make_source(sim) as source:
        result = run_bulk(
            queue_on(engine),
            source,
            EntityType.CUSTOMER,
            page_size=5,
            options=OPTIONS,
            progress=lambda n, t: pages.append((n, t)),
        )
    assert list(result.failed) == ["C000005"] and "country_id" in result.failed["C000005"]
    assert result.synced == 11 and not result.ok
    assert pages == [(5, 12), (5, 12), (2, 12)]
    del catalogue.customers["C000005"]  # what the store must hold: everyone else
    with engine.connect() as conn:
        check_customers(conn, catalogue, OPTIONS)
        assert CUSTOMERS.search(conn)[1] == 11


def test_a_fetch_that_keeps_failing_is_reported_and_the_run_goes_on(sim: SimulatorServer, engine: Engine) -> None:
    def break_b2b(method: str, path: str) -> None:
        if path == "price-groups/B2B":
            admin(sim, "POST", "faults", {"fail": 1, "status": 500})

    with make_source(sim, retries=0, before_request=break_b2b) as source:
        result = run_bulk(queue_on(engine), source, EntityType.PRICE_GROUP, options=OPTIONS)
    assert list(result.failed) == ["B2B"] and "HTTP 500" in result.failed["B2B"]
    assert result.synced == 3


def test_429s_are_waited_out_not_failed(start_simulator: StartSimulator, engine: Engine) -> None:
    server = start_simulator(seed=9, customers=24, products=1, quota="8/s")
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    with make_source(server) as source:
        result = run_bulk(queue_on(engine), source, EntityType.CUSTOMER, page_size=10, patience=Patience(sleep=sleep))
    assert result.ok and result.synced == 24
    assert result.waits == len(slept) >= 2 and all(0 < s <= 1 for s in slept)
    stats = admin(server, "GET", "stats")
    second = next(w for w in stats["windows"] if w["seconds"] == 1)
    assert second["max"] <= 8 and stats["refused"] == result.waits
    with engine.connect() as conn:
        check_customers(conn, server.simulator.catalogue, OPTIONS)


def test_patience_has_limits(start_simulator: StartSimulator, engine: Engine) -> None:
    server = start_simulator(seed=9, customers=3, products=1, quota="1/day")
    with make_source(server) as source:
        result = run_bulk(queue_on(engine), source, EntityType.CUSTOMER, patience=Patience(max_wait=5))
    assert set(result.failed) == {"C000001", "C000002", "C000003"}  # the listing took the day's one request
    assert all("quota" in error for error in result.failed.values())


def _throttled(server: SimulatorServer, folder: Path, quota: str) -> tuple[HttpSource, Limiter]:
    """A source whose every request passes a limiter of ``quota`` (in a file of its own, as beside SQLite), wired
    as production wires it."""
    limiter = Limiter(SqlBackend.for_url(f"sqlite:///{folder / 'limiter.db'}"), {"erp": parse_windows(quota)})
    throttle = SourceThrottle("erp", lambda: limiter)
    source = make_source(server, before_request=throttle.before_request, on_rate_limited=throttle.rate_limited)
    return source, limiter


def test_the_limiters_own_waits_count_as_rate_limit_waits(
    start_simulator: StartSimulator, engine: Engine, tmp_path: Path
) -> None:
    """No 429 at all: the limiter holds requests for its windows, and the run's report says how often."""
    server = start_simulator(seed=9, customers=12, products=1)
    source, limiter = _throttled(server, tmp_path, "5/s")
    with source:
        result = run_bulk(queue_on(engine), source, EntityType.CUSTOMER, page_size=5)
    limiter.close()
    assert result.ok and result.synced == 12
    assert admin(server, "GET", "stats")["refused"] == 0
    # 15 requests (3 listings, 12 fetches) through 5/s: the 6th and 11th at least wait for the window
    assert result.waits >= 2 and result.waited >= 1.0, result


def test_a_429_held_by_the_shared_limiter_counts_as_a_wait(
    start_simulator: StartSimulator, engine: Engine, tmp_path: Path
) -> None:
    """The source refuses before our windows are full: the penalty it sets is waited out inside the limiter (the
    caller never sees the 429), and each such hold is a rate-limit wait of the run."""
    server = start_simulator(seed=9, customers=12, products=1, quota="4/s")
    source, limiter = _throttled(server, tmp_path, "100/s")
    with source:
        result = run_bulk(queue_on(engine), source, EntityType.CUSTOMER, page_size=5)
    limiter.close()
    refused = admin(server, "GET", "stats")["refused"]
    assert result.ok and result.synced == 12 and refused >= 1
    assert result.waits >= refused, (result, refused)
