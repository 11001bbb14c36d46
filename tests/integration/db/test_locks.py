"""Lease locks: one holder at a time, renewable, taken over after expiry."""

from __future__ import annotations

import time

from conveyor.db import make_engine
from conveyor.db.locks import LeaseLock


def test_one_holder_at_a_time_and_takeover_after_expiry(db_url: str) -> None:
    engine = make_engine(db_url)
    first = LeaseLock(engine, "runner", "a", ttl=0.5)
    second = LeaseLock(engine, "runner", "b", ttl=0.5)
    assert first.acquire()
    assert first.acquire()  # renewing is allowed
    assert not second.acquire()
    assert second.holder() == "a"
    time.sleep(0.6)
    assert second.acquire()  # a's lease ran out
    assert not first.acquire()
    second.release()
    assert second.holder() is None
    assert first.acquire()
    engine.dispose()
