"""``RequestGuard``: a request's token is checked before a byte of its body is read, and its body is read only up
to ``CONVEYOR_API_MAX_BODY_BYTES``.

FastAPI reads and parses a route's body before it solves the route's dependencies, so without this a 47 MB body
with no token cost 144 MB before its 401, and malformed JSON without a token was a 400. Pure ASGI, for requests that
may carry a body (every method but GET, HEAD and OPTIONS):

1. the route is matched as the router will match it (after ``StorePathMiddleware`` took out the store code); no
   route, or another method, passes through untouched (the router's 404/405 reads no body);
2. a route declared by an operation gets its caller at once, with ``resolve_caller`` (the same rules as the route's
   own dependency, which then reuses it): 401/403 in Magento's shape, the body unread;
3. a ``Content-Length`` over the limit is a 413 at once; a body without one (chunked) is counted as it arrives and
   refused with 413 the moment it passes the limit. Only a body within the limit is handed on, read once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match, Router

from conveyor.api.errors import BODY_TOO_LARGE, ApiError
from conveyor.api.operations import Operation
from conveyor.api.routing import CALLER_KEY, Services, resolve_caller

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})
ASYNC_PREFIX = "/rest/async/"


class RequestGuard:
    """Token first, then a bounded body (see the module docstring)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], services: Services, router: Router):
        self.app, self.services, self.router = app, services, router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in BODYLESS:
            await self.app(scope, receive, send)
            return
        route = self._route(scope)
        if route is None:
            await self.app(scope, receive, send)
            return
        operation = getattr(getattr(route, "endpoint", None), "operation", None)
        if isinstance(operation, Operation):
            queued = scope["path"].startswith(ASYNC_PREFIX)
            try:
                caller = await run_in_threadpool(resolve_caller, self.services, operation, _token(scope), queued=queued)
            except ApiError as refused:
                await _answer(send, refused)
                return
            scope = {**scope, CALLER_KEY: caller}
        limit = self.services.settings.api_max_body_bytes
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _answer(send, ApiError(413, BODY_TOO_LARGE, [str(limit)]))
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _answer(send, ApiError(413, BODY_TOO_LARGE, [str(limit)]))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    def _route(self, scope: Scope) -> Any:
        """The route the router will run for ``scope`` (its first full match), or None."""
        for route in self.router.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return route
        return None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _token(scope: Scope) -> str | None:
    """The bearer token of ``Authorization``, as FastAPI's ``HTTPBearer`` reads it."""
    header = _header(scope, b"authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands over the body read already, then the connection's own messages (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _answer(send: Send, error: ApiError) -> None:
    body = orjson.dumps(error.body())
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if error.status == 413:
        headers.append((b"connection", b"close"))  # the rest of the body is never read
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
