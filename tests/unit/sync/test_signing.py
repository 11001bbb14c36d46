"""``verify`` answers False to any header, however malformed, and True only to the signer's own."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from conveyor.sync.signing import sign, signed_headers, verify

SECRET = "s3cret"
BODY = b'{"id": "CS-1"}'


@given(timestamp=st.text(max_size=6000) | st.just("9" * 5000), signature=st.text(max_size=200))
def test_any_header_text_is_false_never_an_error(timestamp: str, signature: str) -> None:
    assert verify(SECRET, timestamp, signature, BODY) is False


def test_the_signers_headers_verify_and_nothing_near_them_does() -> None:
    headers = signed_headers(SECRET, BODY)
    timestamp, signature = headers["X-Signature-Timestamp"], headers["X-Signature"]
    assert verify(SECRET, timestamp, signature, BODY)
    assert not verify(SECRET, timestamp, signature, BODY + b" ")
    assert not verify(SECRET, timestamp, signature.replace("sha256=", "sha256=\u00ff")[:71], BODY)
    assert not verify(SECRET, "\u0661" + timestamp[1:], signature, BODY)  # another script's digit
    old = str(int(time.time()) - 3600)
    assert not verify(SECRET, old, sign(SECRET, old, BODY), BODY)  # outside the tolerance
    assert not verify(SECRET, None, signature, BODY) and not verify(SECRET, timestamp, None, BODY)
