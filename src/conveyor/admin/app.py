"""``create_admin_app``: the admin web UI as an ASGI app, mounted by the composition root under ``/admin``.

Its own app (not routes on the REST API's), so that its answers are HTML pages and redirects while the API's
errors keep Magento's JSON shapes.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from conveyor.admin.session import Signer
from conveyor.admin.views import ROUTERS
from conveyor.admin.web import Admin, LoginRequiredError, RefusedError, admin_of, make_templates
from conveyor.bus import CommandBus, default_registry
from conveyor.mq import MessageQueue
from conveyor.settings import Settings

log = logging.getLogger("conveyor.admin")
STATIC = Path(__file__).parent / "static"


def create_admin_app(settings: Settings, mq: MessageQueue, bus: CommandBus | None = None) -> FastAPI:
    """The admin UI over ``mq``'s store and queues (the API's own MessageQueue, so both publish alike); ``bus``
    runs "sync now" (the App's, whose handlers reach the source; default: one on ``mq``)."""
    secret = settings.admin_session_secret
    if secret is None:
        log.warning("CONVEYOR_ADMIN_SESSION_SECRET is not set: admin sessions end when this process stops")
    app = FastAPI(title="Conveyor admin", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.admin = Admin(
        settings=settings,
        mq=mq,
        bus=bus if bus is not None else CommandBus(mq, default_registry()),
        signer=Signer(secret.get_secret_value() if secret is not None else None),
        templates=make_templates(),
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    _add_error_pages(app)
    app.middleware("http")(_security_headers)
    return app


async def _security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
    response: Response = await call_next(request)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
    )
    if "text/html" in response.headers.get("content-type", ""):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _error_page(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    templates = admin_of(request).templates
    context = {"request": request, "base": request.scope.get("root_path", ""), "title": title, "detail": detail}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def _add_error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequiredError)
    async def login_required(request: Request, _exc: LoginRequiredError) -> Response:
        if request.headers.get("HX-Request"):  # a live fragment: ask htmx to load the login page whole
            return Response(status_code=204, headers={"HX-Redirect": request.scope.get("root_path", "") + "/login"})
        return RedirectResponse(request.scope.get("root_path", "") + "/login", status_code=303)

    @app.exception_handler(RefusedError)
    async def refused(request: Request, exc: RefusedError) -> Response:
        return _error_page(request, 403, "Not done", exc.reason)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        title = "Not found" if exc.status_code == 404 else "Not possible"
        return _error_page(request, exc.status_code, title, str(exc.detail))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        report = uuid.uuid4().hex[:12]
        log.error("report %s: %s %s failed", report, request.method, request.url.path, exc_info=exc)
        return _error_page(request, 500, "Something went wrong", f"The error is logged as report {report}.")
