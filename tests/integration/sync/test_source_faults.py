"""Fault tests of the source path as production builds it (``load_source`` with the shared limiter, on SQLite):
the simulator answering 500s or not answering for a while, and 429 storms.

A 5xx or a timeout uses one of the source's retries and then succeeds (every attempt passing the limiter, as
each one counts at the source); an outage longer than the retries is a transient error, and the next call, once
the source is back, succeeds. A 429 is no failure at all: the source reports it to the limiter, which holds every
worker for the Retry-After, and sends the request again; only a storm outlasting the limiter's maximum wait reaches
the caller, as a transient ``RateLimited``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa

from conveyor.settings import Settings
from conveyor.sync import HttpSource, RateLimited, SourceUnavailableError, load_source
from conveyor.sync.limiter import shared_limiter
from conveyor.sync.limiter_sql import S as STATE
from conveyor.sync.limiter_sql import SqlBackend
from conveyor.sync.simulator import SimulatorServer
from tests.integration.sync.conftest import admin


def limited(server: SimulatorServer, database_url: str, uid: str, **fields: Any) -> Settings:
    """Settings of a source on ``server``, rate-limited under a name of this test's own."""
    name = f"erp-{uid}"
    fields.setdefault("rate_limits", {name: "100/s"})
    fields.setdefault("source_backoff", 0.01)
    return Settings(
        database_url=database_url,
        source_url=server.api_url,
        source_name=name,
        rate_limit_enabled=True,
        rate_limit_url=None,
        **fields,
    )


def granted(settings: Settings) -> int:
    """How many calls the shared limiter has let through for the settings' source."""
    backend = shared_limiter(settings).backend
    assert isinstance(backend, SqlBackend)
    with backend.engine.connect() as conn:
        total = conn.execute(sa.select(STATE.c.total).where(STATE.c.source == settings.rate_limit_name)).scalar()
    return int(total or 0)


def test_500s_for_a_while_are_retried_then_succeed(sim: SimulatorServer, sqlite_url: str, uid: str) -> None:
    settings = limited(sim, sqlite_url, uid, source_retries=3)
    source = load_source(settings)
    admin(sim, "POST", "faults", {"fail": 3, "status": 500})
    assert source.fetch_customer("C000001") == sim.simulator.catalogue.customers["C000001"]
    assert granted(settings) == 4  # every attempt waited for its slot: each one counts at the source

    admin(sim, "POST", "faults", {"fail": 6, "status": 503})  # down for longer than one call's retries
    with pytest.raises(SourceUnavailableError, match=r"4 time\(s\).*HTTP 503") as down:
        source.fetch_customer("C000002")
    assert down.value.transient  # the bus tries the command again later
    assert source.fetch_customer("C000002").customer_no == "C000002"  # two more 503s, then the source is back
    assert granted(settings) == 4 + 4 + 3
    source.close()


def test_timeouts_for_a_while_are_retried_then_succeed(sim: SimulatorServer, sqlite_url: str, uid: str) -> None:
    source = load_source(limited(sim, sqlite_url, uid, source_retries=3, source_timeout=0.4))
    admin(sim, "POST", "faults", {"delay": 2, "seconds": 1.5})  # the next two requests hang past the timeout
    assert source.fetch_product("P00003") == sim.simulator.catalogue.products["P00003"]
    admin(sim, "POST", "faults", {"delay": 4, "seconds": 1.0})
    with pytest.raises(SourceUnavailableError, match=r"no answer within 0\.4s") as down:
        source.fetch_product("P00003")
    assert down.value.transient
    source.close()


def test_a_429_storm_is_waited_out_by_every_worker_without_failing(
    sim: SimulatorServer, sqlite_url: str, uid: str
) -> None:
    settings = limited(sim, sqlite_url, uid, source_retries=0)  # a 429 counted as a failed attempt would raise
    ids = sorted(sim.simulator.catalogue.customers)
    results: dict[str, Any] = {}
    errors: list[BaseException] = []
    admin(sim, "POST", "faults", {"fail": 6, "status": 429})  # each with Retry-After: 1

    def worker(mine: list[str]) -> None:
        source = load_source(settings)
        try:
            for customer_no in mine:
                results[customer_no] = source.fetch_customer(customer_no)
        except BaseException as exc:
            errors.append(exc)
        finally:
            source.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(ids[n::3],)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started

    assert errors == []
    assert results == {key: sim.simulator.catalogue.customers[key] for key in ids}  # every fetch, none lost
    assert elapsed >= 1.0  # the storm's Retry-After was honoured rather than hammered through
    assert shared_limiter(settings).backend.penalty(settings.rate_limit_name) > 0  # by every worker: it is shared
    assert granted(settings) == len(ids) + 6  # six 429s, each followed by the same request once allowed again


def test_a_storm_longer_than_the_maximum_wait_is_a_transient_error(
    sim: SimulatorServer, sqlite_url: str, uid: str
) -> None:
    source = load_source(limited(sim, sqlite_url, uid, source_retries=0, rate_limit_max_wait=2.5))
    admin(sim, "POST", "faults", {"fail": 10, "status": 429})
    started = time.monotonic()
    with pytest.raises(RateLimited, match="customer 'C000001'") as limited_out:
        source.fetch_customer("C000001")
    assert 1.5 < time.monotonic() - started < 5  # two Retry-Afters waited, the third would pass 2.5 s
    assert limited_out.value.transient and limited_out.value.retry_after == 1
    source.close()


def test_without_the_limiter_a_429_goes_to_the_caller_at_once(sim: SimulatorServer, sqlite_url: str) -> None:
    source = load_source(Settings(database_url=sqlite_url, source_url=sim.api_url, rate_limit_enabled=False))
    assert isinstance(source, HttpSource) and source.before_request is None and source.on_rate_limited is None
    admin(sim, "POST", "faults", {"fail": 1, "status": 429})
    with pytest.raises(RateLimited) as limited_out:  # the caller waits (a bulk run's Patience, the bus's retry)
        source.fetch_customer("C000001")
    assert limited_out.value.retry_after == 1
    assert source.fetch_customer("C000001").customer_no == "C000001"
    source.close()
