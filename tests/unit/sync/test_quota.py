"""Quota text, the one parser the limiter and the simulator share, and how the simulator counts against it."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conveyor.quota import (
    DEFAULT_QUOTA,
    DEFAULT_WINDOWS,
    InvalidWindowError,
    Window,
    format_windows,
    parse_windows,
)
from conveyor.sync.simulator.quotas import QuotaCounter


def test_quota_texts() -> None:
    assert parse_windows(DEFAULT_QUOTA) == DEFAULT_WINDOWS
    assert format_windows(DEFAULT_WINDOWS) == DEFAULT_QUOTA
    assert parse_windows(" 20 / 4 s ; 5/second 1_000/2hours") == (
        Window(1, 5),
        Window(4, 20),
        Window(7200, 1000),
    )
    assert parse_windows(" 100 / 10s , 5/sec, 2/2h") == (Window(1, 5), Window(10, 100), Window(7200, 2))
    assert parse_windows("10/0.5s") == (Window(0.5, 10),)
    assert parse_windows("none") == parse_windows("") == parse_windows(None) == ()
    assert str(Window(90, 3)) == "3/90s" and str(Window(120, 3)) == "3/2min" and str(Window(0.25, 3)) == "3/0.25s"
    assert str(Window(10, 100)) == "100/10s" and str(Window(60, 60)) == "60/min"


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("25", "cannot read the rate '25'"),
        ("25/fortnight", "cannot read the rate '25/fortnight'"),
        ("five/s", "cannot read the rate 'five/s'"),
        ("-5/s", "cannot read"),
        ("0/s", "'0/s' must allow at least one"),
        ("5/0s", "at least one"),
        ("5/s,6/1s", "two limits for the same period: 5/s and 6/1s"),
    ],
)
def test_unreadable_quota_text_is_refused_naming_the_part(bad: str, reason: str) -> None:
    with pytest.raises(InvalidWindowError, match=reason):
        parse_windows(bad)
    assert issubclass(InvalidWindowError, ValueError)  # click and pydantic validators report it as bad input


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


@given(st.text(max_size=40))
def test_any_text_at_all_parses_or_raises_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):  # anything else (an IndexError, a TypeError) fails the test
        parse_windows(text)


def test_the_simulator_reports_the_busiest_sliding_window_beside_the_fixed_ones() -> None:
    counter = QuotaCounter(parse_windows("3/s"))
    base = 1_000_000.0
    for at in (0.5, 0.7, 0.9, 1.0, 1.2, 1.4):  # 3 in each fixed second, but all 6 within 0.9 s
        assert counter.admit(base + at) is None
    by_size = {w["seconds"]: w for w in counter.stats()["windows"]}
    assert by_size[1]["max"] == 3 and by_size[1]["limit"] == 3 and by_size[1]["refused"] == 0
    assert by_size[1]["sliding_max"] == 6  # a source with sliding windows would have refused three
    assert by_size[60]["sliding_max"] == 6 and by_size[60]["limit"] is None
    assert counter.stats()["quota"] == "3/s"
    counter.configure(parse_windows("10/0.5s"))  # fractional periods count too
    assert counter.admit(base + 0.1) is None and counter.stats()["windows"][0]["seconds"] == 0.5
