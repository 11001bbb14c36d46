"""HMAC-SHA256 signatures of change-set posts, shared by the sender and the receiving endpoint.

The signature covers the timestamp header and the body (``"<timestamp>.<body>"``), so a captured request
cannot be replayed later under a fresh timestamp; the receiver also rejects timestamps outside a window.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
SCHEME = "sha256="
DEFAULT_TOLERANCE = 300.0
# ASCII digits only: int() reads other scripts' digits too, and refuses more than 4,300 of them
TIMESTAMP_PATTERN = re.compile(r"[0-9]{1,12}")
SIGNATURE_PATTERN = re.compile(r"sha256=[0-9a-fA-F]{64}")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The value of the signature header for ``body`` sent at ``timestamp`` (Unix seconds as text)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return SCHEME + digest


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """Both headers for a post of ``body`` now."""
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body)}


def verify(
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    *,
    now: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> bool:
    """True when ``signature`` is ours for ``body`` and ``timestamp`` is within ``tolerance`` seconds of now.

    Any header, however malformed (thousands of digits, bytes outside ASCII), is a plain False: ``well_formed``
    bounds both before a number is read or a digest compared.
    """
    if timestamp is None or signature is None or not well_formed(timestamp, signature):
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode())


def well_formed(timestamp: str, signature: str) -> bool:
    """Whether both headers have the shape ``sign`` writes: Unix seconds in ASCII digits, ``sha256=`` + 64 hex."""
    return bool(TIMESTAMP_PATTERN.fullmatch(timestamp) and SIGNATURE_PATTERN.fullmatch(signature))
