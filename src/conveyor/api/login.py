"""Admin authentication: the one function the token endpoint and the admin web UI's login both call.

``await authenticate_admin(engine, username, password, client, settings)`` returns the ``AdminIdentity`` of valid,
active credentials and raises ``ApiError`` otherwise, after these steps (Magento's admin lockout and token
throttling, and what its request log leaves to the web server):

1. **Throttle per client address**: at most ``CONVEYOR_ADMIN_LOGIN_RATE`` attempts (sliding windows, default
   ``10/min,100/h``) from one address, counted in ``admin_login_attempt`` (shared by every process on the
   database); past it a 429 before any password is hashed.
2. **Lockout per username**: ``CONVEYOR_ADMIN_LOCKOUT_FAILURES`` failures (6, Magento's
   ``admin/security/lockout_failures``), each within ``CONVEYOR_ADMIN_LOCKOUT_SECONDS`` (1800, Magento's
   ``lockout_threshold``) of the previous, lock the name until that period has passed since the last one; only then
   does the answer say the account is "disabled temporarily" (Magento's words), which is then true. Unknown names lock
   alike, so neither the lock nor the answer tells which names exist. ``conveyor user unlock NAME`` ends a lock.
3. **The password is hashed off the event loop and off the request threads**: scrypt runs on a small pool of its
   own (``CONVEYOR_ADMIN_LOGIN_HASH_THREADS``, one by default), awaited, so a flood of logins queues there while
   every other request keeps its threads and a core. An unknown user's password is checked against a dummy hash of
   the same cost, so unknown and known names take the same time.

Every other failure is "Invalid login or password." (Magento's words for wrong credentials); a disabled user gets
the same answer, so that it does not confirm the password.
"""

from __future__ import annotations

import asyncio
import math
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from conveyor.api.auth import hash_password, verify_password
from conveyor.api.errors import ACCOUNT_LOCKED, INVALID_LOGIN, TOO_MANY_ATTEMPTS, ApiError
from conveyor.api.schema import admin_login_attempt_table, admin_login_failure_table, admin_user_table
from conveyor.db.engine import now
from conveyor.quota import Window, parse_windows
from conveyor.settings import ApiSection

MAX_NAME = 191  # the failure table's key; a longer name can never be a user (and is not recorded)
MAX_CLIENT = 64
UNKNOWN_CLIENT = "unknown"
F, A, U = admin_login_failure_table, admin_login_attempt_table, admin_user_table


@dataclass(frozen=True)
class AdminIdentity:
    """An admin user whose credentials were just verified."""

    user_id: int
    username: str


@dataclass(frozen=True)
class _Stored:
    user_id: int
    password_hash: str
    is_active: bool


async def authenticate_admin(
    engine: Engine, username: str, password: str, client: str | None, settings: ApiSection
) -> AdminIdentity:
    """The identity of ``username`` if ``password`` is its password and it may log in from ``client`` now; else
    ``ApiError``: 429 past the client's rate, 401 otherwise (see the module docstring)."""
    windows = parse_windows(settings.admin_login_rate)
    stored = await run_in_threadpool(_admit, engine, username, client, windows, settings.admin_lockout_failures)
    matches = await _verify_off_loop(password, stored.password_hash if stored else None, settings)
    if matches and stored is not None and stored.is_active:
        await run_in_threadpool(_succeeded, engine, username)
        return AdminIdentity(stored.user_id, username)
    locked = await run_in_threadpool(_failed, engine, username, settings)
    raise ApiError(401, ACCOUNT_LOCKED if locked else INVALID_LOGIN)


def unlock_admin(conn: Connection, username: str) -> bool:
    """End ``username``'s lockout (``conveyor user unlock``); False if it is neither a user nor locked."""
    deleted = conn.execute(F.delete().where(F.c.username == username)).rowcount
    exists = conn.execute(sa.select(U.c.user_id).where(U.c.username == username)).first() is not None
    return bool(deleted) or exists


def locked_until(conn: Connection, username: str, failures: int) -> float | None:
    """When ``username``'s lock ends, None if it is not locked (for ``conveyor user list``)."""
    row = conn.execute(sa.select(F.c.failures, F.c.lock_expires_at).where(F.c.username == username)).first()
    if row is None or row.failures < failures or row.lock_expires_at <= now():
        return None
    return float(row.lock_expires_at)


# --- the steps -----------------------------------------------------------------------------------------------
def _admit(
    engine: Engine, username: str, client: str | None, windows: tuple[Window, ...], failures: int
) -> _Stored | None:
    """Count the attempt against the client's windows (429 past one), refuse a locked name (401), and read the
    user's stored hash (None for an unknown name)."""
    t = now()
    with engine.begin() as conn:
        wait = _throttle(conn, (client or UNKNOWN_CLIENT)[:MAX_CLIENT], windows, t) if windows else 0.0
        if wait <= 0 and len(username) <= MAX_NAME:
            row = conn.execute(sa.select(F.c.failures, F.c.lock_expires_at).where(F.c.username == username)).first()
            locked = row is not None and row.failures >= failures and row.lock_expires_at > t
        else:
            locked = False
        user = conn.execute(
            sa.select(U.c.user_id, U.c.password_hash, U.c.is_active).where(U.c.username == username)
        ).first()
    if wait > 0:
        raise ApiError(429, TOO_MANY_ATTEMPTS, [str(max(1, math.ceil(wait)))])
    if locked:
        raise ApiError(401, ACCOUNT_LOCKED)
    return None if user is None else _Stored(int(user.user_id), str(user.password_hash), bool(user.is_active))


def _throttle(conn: Connection, client: str, windows: tuple[Window, ...], t: float) -> float:
    """Seconds until ``client`` may try again (0: recorded now). Approximate under concurrency: two attempts read
    the same count, so a window can let one extra through; the lockout, not this, bounds password guessing."""
    conn.execute(A.delete().where(A.c.at <= t - max(w.seconds for w in windows)))
    wait = 0.0
    for window in windows:
        count, oldest = conn.execute(
            sa.select(sa.func.count(), sa.func.min(A.c.at)).where(A.c.client == client, A.c.at > t - window.seconds)
        ).one()
        if count >= window.limit:
            wait = max(wait, float(oldest) + window.seconds - t)
    if wait <= 0:
        conn.execute(A.insert().values(client=client, at=t))
    return wait


def _succeeded(engine: Engine, username: str) -> None:
    with engine.begin() as conn:
        conn.execute(F.delete().where(F.c.username == username))


def _failed(engine: Engine, username: str, settings: ApiSection) -> bool:
    """Count a failure of ``username``; whether it is locked now."""
    if len(username) > MAX_NAME:
        return False
    t = now()
    expires = t + settings.admin_lockout_seconds
    with engine.begin() as conn:
        conn.execute(F.delete().where(F.c.lock_expires_at <= t))  # expired counts start again (anyone's)
        bumped = F.update().where(F.c.username == username).values(failures=F.c.failures + 1, lock_expires_at=expires)
        if conn.execute(bumped).rowcount == 0:
            try:
                with conn.begin_nested():
                    conn.execute(F.insert().values(username=username, failures=1, lock_expires_at=expires))
            except IntegrityError:  # a concurrent failure inserted it first
                conn.execute(bumped)
        count = conn.execute(sa.select(F.c.failures).where(F.c.username == username)).scalar_one()
    return int(count) >= settings.admin_lockout_failures


# --- hashing off the loop --------------------------------------------------------------------------------------
_pools: dict[tuple[int, int], ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()
_dummy: list[str] = []


async def _verify_off_loop(password: str, stored: str | None, settings: ApiSection) -> bool:
    """``verify_password`` on the process's hashing pool, awaited: the request holds no worker thread meanwhile."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool(settings.admin_login_hash_threads), _verify, password, stored)


def _verify(password: str, stored: str | None) -> bool:
    if stored is None:
        verify_password(password, _dummy_hash())  # the same work as for a known name; never a match
        return False
    return verify_password(password, stored)


def _dummy_hash() -> str:
    with _pools_lock:
        if not _dummy:
            _dummy.append(hash_password(secrets.token_hex(16)))
        return _dummy[0]


def _pool(threads: int) -> ThreadPoolExecutor:
    """The process's hashing pool of ``threads`` threads (a forked child makes its own)."""
    key = (os.getpid(), threads)
    with _pools_lock:
        found = _pools.get(key)
        if found is None:
            found = _pools[key] = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="conveyor-login-hash")
        return found
