"""Admin users, admin tokens and integration tokens, as Magento's REST API knows them.

* An admin user logs in with ``POST /rest/V1/integration/admin/token`` and gets a token valid for
  ``admin_token_lifetime_hours`` (4 by default, as in Magento); the lockout and throttle of that login are
  ``conveyor.api.login``'s.
* An integration token (``conveyor token create NAME [--resources A,B]``) never expires; it is revoked by deleting
  it. It grants the ACL resources it was created with (all without a list); a route checks the ``resource`` its
  operation declares (Magento's ``<resource ref>``) and answers 403 otherwise.
* Every other route wants ``Authorization: Bearer <token>``.

Tokens are 32 random hex characters like Magento's; only their SHA-256 is stored. Passwords are hashed with
scrypt from the standard library (``scrypt$n$r$p$salt$hash``), compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.api.schema import admin_user_table, api_token_table
from conveyor.db.engine import now

# Magento's UserContextInterface user types (also stored on bulks)
USER_TYPE_INTEGRATION = 1
USER_TYPE_ADMIN = 2
USER_TYPE_GUEST = 4

ADMIN = "admin"
INTEGRATION = "integration"
ROOT_RESOURCES = frozenset({"Magento_Backend::all", "Magento_Backend::admin"})
_RESOURCE = re.compile(r"[A-Za-z0-9_]+::[A-Za-z0-9_]+")

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


@dataclass(frozen=True)
class Caller:
    """Who sent the request: an admin user, an integration, or (on public routes) a guest.

    ``resources``: the ACL resources an integration token grants; None grants all (admin tokens, and integration
    tokens created without a list).
    """

    user_type: int
    user_id: int | None
    name: str
    resources: frozenset[str] | None = None

    @property
    def is_admin(self) -> bool:
        return self.user_type == USER_TYPE_ADMIN

    def allows(self, resource: str) -> bool:
        """Whether the caller may use a route declaring ``resource``.

        Exact match, as Magento's stored role rules are per resource; ``Magento_Backend::all`` and
        ``Magento_Backend::admin`` (the ACL tree's root) grant everything. A parent does not grant its children:
        Magento's role editor stores each child it ticks, and that tree (acl.xml) is not served here.
        """
        if self.resources is None or self.resources & ROOT_RESOURCES:
            return True
        return all(part.strip() in self.resources for part in resource.split(","))


GUEST = Caller(user_type=USER_TYPE_GUEST, user_id=None, name="guest")


class UserExistsError(ValueError):
    """``conveyor user create`` with a username (or ``token create`` with a name) already taken."""


# --- passwords ---------------------------------------------------------------------------------------------
def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- users ---------------------------------------------------------------------------------------------------
def create_user(conn: Connection, username: str, password: str, *, active: bool = True) -> int:
    """A new admin user; its id."""
    taken = conn.execute(sa.select(admin_user_table.c.user_id).where(admin_user_table.c.username == username))
    if taken.first() is not None:
        raise UserExistsError(f"the admin user {username!r} exists already")
    result = conn.execute(
        admin_user_table.insert().values(
            username=username, password_hash=hash_password(password), is_active=active, created_at=now()
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def set_user_active(conn: Connection, username: str, active: bool) -> bool:
    """Enable or disable a user (a disabled user's tokens stop working at once); False if unknown."""
    updated = conn.execute(
        admin_user_table.update().where(admin_user_table.c.username == username).values(is_active=active)
    )
    return updated.rowcount > 0


# --- tokens --------------------------------------------------------------------------------------------------
def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_hex(16)


def issue_admin_token(conn: Connection, user_id: int, username: str, lifetime_hours: float) -> str:
    """A token of admin ``user_id`` whose credentials were verified (``conveyor.api.login.authenticate_admin``)."""
    t = now()
    conn.execute(api_token_table.delete().where(api_token_table.c.expires_at < t))  # expired ones, anyone's
    token = new_token()
    conn.execute(
        api_token_table.insert().values(
            token_hash=token_hash(token),
            kind=ADMIN,
            name=username,
            user_id=user_id,
            created_at=t,
            expires_at=t + lifetime_hours * 3600,
        )
    )
    return token


def parse_resources(text: str) -> list[str]:
    """``Magento_Catalog::products,Magento_Sales::sales`` as a list; ValueError naming a malformed one."""
    resources = [part.strip() for part in text.split(",") if part.strip()]
    for resource in resources:
        if not _RESOURCE.fullmatch(resource):
            raise ValueError(f"{resource!r} is not an ACL resource (Module_Name::resource)")
    if not resources:
        raise ValueError("no ACL resource given")
    return resources


def create_integration_token(conn: Connection, name: str, resources: Sequence[str] | None = None) -> str:
    """A token for integration ``name`` (unique), valid until revoked, granting ``resources`` (None: all)."""
    taken = conn.execute(
        sa.select(api_token_table.c.token_id).where(
            api_token_table.c.kind == INTEGRATION, api_token_table.c.name == name
        )
    )
    if taken.first() is not None:
        raise UserExistsError(f"the integration {name!r} has a token already; revoke it first")
    token = new_token()
    conn.execute(
        api_token_table.insert().values(
            token_hash=token_hash(token),
            kind=INTEGRATION,
            name=name,
            user_id=None,
            created_at=now(),
            resources=None if resources is None else json.dumps(sorted(set(resources))),
        )
    )
    return token


def revoke_integration(conn: Connection, name: str) -> int:
    """Delete the token of integration ``name``; how many were deleted."""
    deleted = conn.execute(
        api_token_table.delete().where(api_token_table.c.kind == INTEGRATION, api_token_table.c.name == name)
    )
    return int(deleted.rowcount)


def revoke_token(conn: Connection, token: str) -> None:
    """Forget a token (the admin UI's sign-out ends its session's token at once)."""
    conn.execute(api_token_table.delete().where(api_token_table.c.token_hash == token_hash(token)))


def caller_for_token(conn: Connection, token: str) -> Caller | None:
    """The caller a bearer token stands for; None if unknown, expired or its user is disabled."""
    t, u = api_token_table, admin_user_table
    row = conn.execute(
        sa.select(t.c.token_id, t.c.kind, t.c.name, t.c.user_id, t.c.expires_at, t.c.resources, u.c.is_active)
        .select_from(t.outerjoin(u, u.c.user_id == t.c.user_id))
        .where(t.c.token_hash == token_hash(token))
    ).first()
    if row is None or (row.expires_at is not None and row.expires_at <= now()):
        return None
    if row.kind == ADMIN:
        if not row.is_active:
            return None
        return Caller(user_type=USER_TYPE_ADMIN, user_id=row.user_id, name=row.name)
    granted = None if row.resources is None else frozenset(json.loads(row.resources))
    return Caller(user_type=USER_TYPE_INTEGRATION, user_id=row.token_id, name=row.name, resources=granted)
