"""One process's view of the limiter on a real database (the quota text it reads: test_quota)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from conveyor.db import make_engine
from conveyor.quota import Window, parse_windows
from conveyor.settings import Settings
from conveyor.sync import load_source
from conveyor.sync.limiter import Limiter, RateLimitTimeoutError, open_limiter, shared_limiter
from conveyor.sync.limiter_sql import LEAK_EVERY, SqlBackend
from conveyor.sync.limiter_sql import L as LOG
from conveyor.sync.limiter_sql import S as STATE
from conveyor.sync.simulator import SimulatorServer


def test_settings_give_each_source_its_windows(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVEYOR_RATE_LIMITS", '{"erp": "5/s, 60/min"}')
    monkeypatch.setenv("CONVEYOR_RATE_LIMIT_DEFAULT", "10/s")
    limiter = open_limiter(Settings(database_url=sqlite_url))
    assert limiter.windows("erp") == (Window(1, 5), Window(60, 60))
    assert limiter.windows("pos") == (Window(1, 10),)
    assert isinstance(limiter.backend, SqlBackend)
    monkeypatch.setenv("CONVEYOR_RATE_LIMITS", '{"erp": "5 per second"}')
    with pytest.raises(ValueError, match="cannot read"):
        Settings()


def test_a_full_window_waits_for_its_oldest_grant_and_a_long_wait_raises(sqlite_url: str) -> None:
    backend = SqlBackend(make_engine(sqlite_url))
    limiter = Limiter(backend, {"erp": parse_windows("3/s")}, max_wait=5, guard=0.05)
    counted = {name: _metric(name) for name in ("waits", "wait_seconds", "rate_limited")}
    started = time.monotonic()
    waits = [limiter.acquire("erp") for _ in range(4)]
    assert max(waits[:3]) < 0.3  # three fit at once (the first also connects and creates the source's row)
    assert 0.7 < waits[3] < 1.3 and time.monotonic() - started < 1.5  # the 4th waited for the 1st to leave
    assert _metric("waits") - counted["waits"] == 1  # /metrics: one call waited, this long
    assert _metric("wait_seconds") - counted["wait_seconds"] == pytest.approx(waits[3], abs=0.01)
    impatient = Limiter(backend, {"erp": parse_windows("3/s")}, max_wait=0.2)
    impatient.acquire("erp")
    impatient.acquire("erp")
    before = time.monotonic()
    with pytest.raises(RateLimitTimeoutError, match="windows 3/s are full") as error:
        impatient.acquire("erp")
    assert time.monotonic() - before < 0.1  # raised at once, not after sleeping
    assert error.value.transient and error.value.wait > 0.2
    with pytest.raises(ValueError, match="never fits"):
        limiter.acquire("erp", weight=4)
    limiter.penalize("erp", 30)
    assert _metric("rate_limited") - counted["rate_limited"] == 1  # a 429 answer
    with pytest.raises(RateLimitTimeoutError, match="asked to wait"):
        limiter.acquire("erp")


def _metric(name: str) -> float:
    return REGISTRY.get_sample_value(f"conveyor_limiter_{name}_total", {"source": "erp"}) or 0.0


def test_weights_count_units_and_old_grants_are_cleaned_up(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    backend = SqlBackend(engine)
    limiter = Limiter(backend, {"bulk": parse_windows("10/s,50/h")}, guard=0)
    limiter.acquire("bulk", weight=6)
    assert backend.try_acquire("bulk", limiter.windows("bulk"), 5) > 0.9  # 6 + 5 > 10 this second
    assert backend.try_acquire("bulk", limiter.windows("bulk"), 4) == 0  # 6 + 4 fits
    tiny = [Window(1e-6, 50)]  # 50 per microsecond: never full, but rows behind the last 50 are never needed
    for _ in range(2 * LEAK_EVERY + 30):
        assert backend.try_acquire("busy", tiny, 1) == 0
    with engine.connect() as conn:
        kept = [row.seq for row in conn.execute(LOG.select().where(LOG.c.source == "busy"))]
    assert 50 <= len(kept) <= 50 + LEAK_EVERY and max(kept) == 2 * LEAK_EVERY + 30
    # what is kept still answers correctly: the last 50 grants fill an hour's window of 50
    assert backend.try_acquire("busy", [Window(3600, 50)], 1) > 3500
    assert backend.try_acquire("busy", [Window(3600, 2 * LEAK_EVERY + 31)], 1) == 0  # room for exactly one more
    assert backend.try_acquire("busy", [Window(3600, 2 * LEAK_EVERY + 31)], 1) > 3500


def test_where_grants_are_counted() -> None:
    def url(**fields: Any) -> str:
        fields.setdefault("rate_limit_url", None)  # whatever the environment says
        return Settings(**fields).limiter_url

    assert url(database_url="sqlite:///var/conveyor.db") == "sqlite:///var/conveyor.ratelimit.db"
    assert url(database_url="sqlite:////srv/shop/store") == "sqlite:////srv/shop/store.ratelimit.db"
    assert url(database_url="sqlite://") == "sqlite://"  # in memory: nothing beside it
    pg = "postgresql+psycopg://app:secret@db/shop"
    assert url(database_url=pg) == pg  # a server's rows are locked one source at a time, not the whole database
    assert url(database_url=pg, rate_limit_url="redis://cache:6379/2") == "redis://cache:6379/2"


def test_a_source_call_inside_a_sqlite_store_transaction_does_not_wait_for_itself(
    sim: SimulatorServer, sqlite_url: str, uid: str
) -> None:
    """A handler that fetches what it misses calls the source while its transaction holds SQLite's write lock; the
    limiter's own file keeps the limiter from waiting for that lock (60 s of busy timeout, then an error)."""
    settings = Settings(
        database_url=sqlite_url,
        source_url=sim.api_url,
        source_name=f"erp-{uid}",
        rate_limit_enabled=True,
        rate_limit_url=None,
    )
    source = load_source(settings)  # builds hooks only: nothing is opened before the first call
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE probe (x INTEGER)"))  # the write lock is ours until the commit
        started = time.monotonic()
        assert source.fetch_customer("C000001").customer_no == "C000001"
        assert time.monotonic() - started < 5
    limiter = shared_limiter(settings)
    assert limiter is shared_limiter(settings)  # one per process and configuration, reused by every source
    assert isinstance(limiter.backend, SqlBackend)
    assert str(limiter.backend.engine.url).endswith("conveyor.ratelimit.db")
    with limiter.backend.engine.connect() as conn:  # the grant was recorded there
        total = conn.execute(sa.select(STATE.c.total).where(STATE.c.source == settings.rate_limit_name)).scalar()
    assert total == 1
    source.close()
    engine.dispose()
