"""The store scope of a request, from its path as Magento reads it.

``/rest/V1/…`` is the default store view (the default store of the default website's default group),
``/rest/<store_code>/V1/…`` that store view, ``/rest/all/V1/…`` the admin scope (store 0). The same holds for
``/rest/<store_code>/async/…``. ``StorePathMiddleware`` takes the code out of the path (so each route is declared
once) and ``resolve_store`` turns it into a ``StoreScope``; an unknown code is Magento's 404.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.api.errors import STORE_NOT_FOUND, ApiError
from conveyor.catalog.stores import ADMIN_STORE_ID, DEFAULT_STORE_ID, store_group_table, store_table, website_table

ALL_STORES = "all"
SCOPE_KEY = "conveyor.store_code"
_STORE_PATH = re.compile(r"/rest/([^/]+)(/(?:V[0-9]+|async)(?:/.*)?)")
_NOT_A_CODE = re.compile(r"V[0-9]+|async")


@dataclass(frozen=True)
class StoreScope:
    """The resolved store view: its id and code, and its website (customers and prices are per website)."""

    store_id: int
    code: str
    website_id: int
    explicit: bool = True  # False for /rest/V1/…: no store named (writes there save the defaults)

    @property
    def is_admin(self) -> bool:
        return self.store_id == ADMIN_STORE_ID


class StorePathMiddleware:
    """Moves ``<store_code>`` out of ``/rest/<store_code>/V1/…`` into the request scope and trims a trailing slash
    (pure ASGI, no buffering): every route, sync, async and bulk, is declared once and matched alike."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path.startswith("/rest/") and path.endswith("/"):
                path = path.rstrip("/")  # Magento trims the slash and matches the route: no redirect
            code = None
            match = _STORE_PATH.fullmatch(path)
            if match and not _NOT_A_CODE.fullmatch(match.group(1)):
                code, path = match.group(1), "/rest" + match.group(2)
            if path != scope["path"]:
                scope = dict(scope)
                if code is not None:
                    scope[SCOPE_KEY] = code
                scope["path"] = path
                scope["raw_path"] = path.encode()
        await self.app(scope, receive, send)


class StoreResolver:
    """Store codes to scopes, cached for a few seconds (stores change rarely; every request needs one)."""

    def __init__(self, ttl: float = 10.0) -> None:
        self.ttl = ttl
        self._cache: dict[str | None, tuple[float, StoreScope]] = {}

    def resolve(self, conn: Connection, code: str | None) -> StoreScope:
        cached = self._cache.get(code)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        scope = resolve_store(conn, code)
        self._cache[code] = (time.monotonic() + self.ttl, scope)
        return scope


def resolve_store(conn: Connection, code: str | None) -> StoreScope:
    """The scope of a path's store code (None: the default store view; ``all``: the admin store)."""
    s = store_table
    if code is None:
        default = conn.execute(
            sa.select(store_group_table.c.default_store_id)
            .select_from(
                website_table.join(store_group_table, store_group_table.c.group_id == website_table.c.default_group_id)
            )
            .where(website_table.c.is_default.is_(True))
        ).scalar()
        condition = s.c.store_id == (DEFAULT_STORE_ID if default is None else default)
    elif code == ALL_STORES:
        condition = s.c.store_id == ADMIN_STORE_ID
    else:
        condition = s.c.code == code
    row = conn.execute(sa.select(s.c.store_id, s.c.code, s.c.website_id).where(condition)).first()
    if row is None:
        raise ApiError(404, STORE_NOT_FOUND)
    return StoreScope(
        store_id=int(row.store_id), code=str(row.code), website_id=int(row.website_id), explicit=code is not None
    )
