"""The admin UI's session and CSRF tokens.

A session is an admin token of the REST API (``issue_admin_token``), kept in an HttpOnly cookie signed with the
session secret: it expires, ends when its user is disabled and is revoked on sign-out, exactly like the token a
client gets from ``/V1/integration/admin/token``, and the login goes through the same password check (and the
same lockout). The CSRF token of a signed-in form is an HMAC of the session's token, so it needs no storage; the
login form, before any session, uses a double-submit cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE = "conveyor_admin"
LOGIN_CSRF_COOKIE = "conveyor_admin_login"


class Signer:
    """HMAC-SHA256 with the session secret (a random one per process when the settings have none)."""

    def __init__(self, secret: str | None) -> None:
        self._key = (secret or secrets.token_hex(32)).encode()

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self._key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def sign(self, purpose: str, value: str) -> str:
        return self._mac(purpose, value)

    def verify(self, purpose: str, value: str, mac: str) -> bool:
        return hmac.compare_digest(mac, self._mac(purpose, value))

    def cookie(self, token: str) -> str:
        """The session cookie's value: the token and its signature."""
        return f"{token}.{self._mac('session', token)}"

    def token_of(self, cookie: str | None) -> str | None:
        """The token a cookie carries, if its signature holds."""
        if not cookie or "." not in cookie:
            return None
        token, _, mac = cookie.rpartition(".")
        return token if hmac.compare_digest(mac, self._mac("session", token)) else None

    def csrf(self, token: str) -> str:
        """The CSRF token of a session's forms."""
        return self._mac("csrf", token)

    def csrf_ok(self, token: str, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(self.csrf(token), str(submitted))


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)
