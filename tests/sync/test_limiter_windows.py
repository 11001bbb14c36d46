"""The limiter's quota parser, and one process's view of the limiter on a real database."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conveyor.db import make_engine
from conveyor.settings import Settings
from conveyor.sync.limiter import (
    DEFAULT_WINDOWS,
    InvalidWindowError,
    Limiter,
    RateLimitTimeoutError,
    Window,
    format_windows,
    open_limiter,
    parse_windows,
)
from conveyor.sync.limiter_settings import LimiterSettings
from conveyor.sync.limiter_sql import LEAK_EVERY, SqlBackend
from conveyor.sync.limiter_sql import L as LOG


def test_quota_texts() -> None:
    assert parse_windows("25/s,1200/min,30000/h,150000/day") == DEFAULT_WINDOWS
    assert parse_windows(" 20 / 4 s ; 5/second 1_000/2hours") == (
        Window(1, 5),
        Window(4, 20),
        Window(7200, 1000),
    )
    assert parse_windows("10/0.5s") == (Window(0.5, 10),)
    assert parse_windows("none") == parse_windows("") == parse_windows(None) == ()
    assert format_windows(DEFAULT_WINDOWS) == "25/s,1200/min,30000/h,150000/day"
    assert str(Window(90, 3)) == "3/90s" and str(Window(120, 3)) == "3/2min" and str(Window(0.25, 3)) == "3/0.25s"
    for bad, reason in [
        ("25", "cannot read"),
        ("25/fortnight", "cannot read"),
        ("0/s", "at least one"),
        ("5/0s", "at least one"),
        ("5/s,6/1s", "same period"),
        ("-5/s", "cannot read"),
    ]:
        with pytest.raises(InvalidWindowError, match=reason):
            parse_windows(bad)


windows = st.builds(
    Window,
    seconds=st.one_of(
        st.integers(1, 10**6).map(float),
        st.floats(0.001, 10**6, allow_nan=False, allow_infinity=False),
    ),
    limit=st.integers(1, 10**9),
)


@given(st.lists(windows, max_size=6, unique_by=lambda w: w.seconds))
def test_format_and_parse_round_trip(found: list[Window]) -> None:
    assert parse_windows(format_windows(found)) == tuple(sorted(found))


@given(st.text(alphabet="0123456789/_,; .smhdayinecourt-", max_size=40))
def test_any_text_parses_or_raises_a_clear_error(text: str) -> None:
    try:
        parsed = parse_windows(text)
    except InvalidWindowError as exc:
        assert str(exc)
        return
    assert all(w.limit >= 1 and w.seconds > 0 for w in parsed)
    assert list(parsed) == sorted(parsed) and len({w.seconds for w in parsed}) == len(parsed)


def test_settings_give_each_source_its_windows(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVEYOR_RATE_LIMITS", '{"erp": "5/s, 60/min"}')
    monkeypatch.setenv("CONVEYOR_RATE_LIMIT_DEFAULT", "10/s")
    limiter = open_limiter(Settings(database_url=sqlite_url))
    assert limiter.windows("erp") == (Window(1, 5), Window(60, 60))
    assert limiter.windows("pos") == (Window(1, 10),)
    assert isinstance(limiter.backend, SqlBackend)
    monkeypatch.setenv("CONVEYOR_RATE_LIMITS", '{"erp": "5 per second"}')
    with pytest.raises(ValueError, match="cannot read"):
        LimiterSettings()


def test_a_full_window_waits_for_its_oldest_grant_and_a_long_wait_raises(sqlite_url: str) -> None:
    backend = SqlBackend(make_engine(sqlite_url))
    limiter = Limiter(backend, {"erp": parse_windows("3/s")}, max_wait=5, guard=0.05)
    started = time.monotonic()
    waits = [limiter.acquire("erp") for _ in range(4)]
    assert max(waits[:3]) < 0.3  # three fit at once (the first also connects and creates the source's row)
    assert 0.7 < waits[3] < 1.3 and time.monotonic() - started < 1.5  # the 4th waited for the 1st to leave
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
    with pytest.raises(RateLimitTimeoutError, match="asked to wait"):
        limiter.acquire("erp")


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
