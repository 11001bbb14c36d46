"""Parsers and pure helpers: Retry-After, change-set signatures, the simulator's windows (quota text: test_quota)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conveyor.quota import parse_windows
from conveyor.sync.http import parse_retry_after
from conveyor.sync.signing import sign, signed_headers, verify
from conveyor.sync.simulator.quotas import QuotaCounter, retry_after_header


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_retry_after_in_seconds(seconds: float) -> None:
    assert parse_retry_after(repr(seconds)) == pytest.approx(seconds)
    assert parse_retry_after(str(int(seconds))) == int(seconds)


def test_retry_after_as_an_http_date_and_unreadable_values() -> None:
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0  # past: go now
    assert parse_retry_after("-5") == 0
    for bad in (None, "", "soon", "nan", "inf"):
        assert parse_retry_after(bad) is None


@given(st.text(max_size=30))
def test_retry_after_never_raises(value: str) -> None:
    found = parse_retry_after(value)
    assert found is None or found >= 0


@given(secret=st.text(min_size=1, max_size=40), body=st.binary(max_size=500), flip=st.integers(0, 499))
def test_signature_accepts_its_body_and_refuses_any_other(secret: str, body: bytes, flip: int) -> None:
    now = 1_700_000_000.0
    headers = signed_headers(secret, body, now)
    timestamp, signature = headers["X-Signature-Timestamp"], headers["X-Signature"]
    assert verify(secret, timestamp, signature, body, now=now)
    assert not verify(secret + "x", timestamp, signature, body, now=now)
    if body:
        index = flip % len(body)
        tampered = body[:index] + bytes([body[index] ^ 1]) + body[index + 1 :]
        assert not verify(secret, timestamp, signature, tampered, now=now)


def test_signature_covers_the_timestamp_and_expires() -> None:
    body, now = b'{"id": "CS-1"}', 1_700_000_000.0
    signature = sign("s3cret", str(int(now)), body)
    assert verify("s3cret", str(int(now)), signature, body, now=now + 299)
    assert not verify("s3cret", str(int(now)), signature, body, now=now + 301)  # too old: a replay
    assert not verify("s3cret", str(int(now) + 100), signature, body, now=now + 100)  # fresh stamp, old signature
    assert not verify("s3cret", None, signature, body, now=now)
    assert not verify("s3cret", "12ab", signature, body, now=now)


def test_quota_counter_fills_each_window_and_says_how_long_to_wait() -> None:
    counter = QuotaCounter(parse_windows("3/s,5/10s"))
    base = 1_000_000.0  # a multiple of 10: windows start here
    assert [counter.admit(base + 0.1 * n) for n in range(3)] == [None, None, None]
    assert counter.admit(base + 0.5) == pytest.approx(0.5)  # the 1 s window ends at base + 1
    assert counter.admit(base + 1.0) is None and counter.admit(base + 1.1) is None
    assert counter.admit(base + 1.2) == pytest.approx(8.8)  # 5 in the 10 s window: wait for base + 10
    assert counter.admit(base + 10.0) is None
    stats = counter.stats(history=True)
    assert stats["admitted"] == 6 and stats["refused"] == 2
    by_size = {w["seconds"]: w for w in stats["windows"]}
    assert by_size[1]["max"] == 3 and by_size[1]["refused"] == 1 and by_size[1]["limit"] == 3
    assert by_size[10]["max"] == 5 and by_size[10]["refused"] == 1
    assert by_size[60]["limit"] is None and by_size[60]["max"] == 6  # observed, not enforced
    assert by_size[1]["counts"] == [[base, 3], [base + 1, 2], [base + 10, 1]]
    assert retry_after_header(0.01) == "1" and retry_after_header(8.8) == "9"
