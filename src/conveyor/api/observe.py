"""Per request: the correlation id (``X-Correlation-Id``, made when absent, echoed in the answer) and the HTTP
metrics (by method, route template and status; the template, never the raw path, bounds the label values)."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conveyor.logs import HEADER, clean, correlated, new_id
from conveyor.metrics import HTTP_REQUESTS, HTTP_SECONDS

UNMATCHED = "<unmatched>"
_HEADER_KEY = HEADER.lower().encode()


class ObserveMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == _HEADER_KEY), None)
        cid = clean(given) or new_id()
        status = 500
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (_HEADER_KEY, cid.encode())]
            await send(message)

        try:
            with correlated(cid):
                await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            template = getattr(route, "path_format", None) or getattr(route, "path", None) or UNMATCHED
            method = scope.get("method", "GET")
            HTTP_REQUESTS.labels(method, template, str(status)).inc()
            HTTP_SECONDS.labels(method, template).observe(time.perf_counter() - started)
