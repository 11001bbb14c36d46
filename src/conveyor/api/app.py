"""``create_app``: the FastAPI application serving the registry, with Magento's error shapes.

OpenAPI at ``/openapi.json``, Swagger UI at ``/docs``. Errors always have Magento's body
``{"message": "...%1...", "parameters": [...]}``: catalog ``NotFoundError`` 404, other catalog errors and invalid
requests 400 (naming the field), missing or bad tokens 401 (before the body is read: ``RequestGuard``), a token
without the route's ACL resource 403, unknown routes 404, a known path with another method 405 (with ``Allow``),
a body over ``CONVEYOR_API_MAX_BODY_BYTES`` 413, too many admin logins from one address 429, and a 500 only for a
bug (logged with a report id
that the response quotes). In developer mode (``CONVEYOR_DEVELOPER_MODE``) every error also carries Magento's
``trace``.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from conveyor.api.document import declare_text_rules
from conveyor.api.eds import add_eds_route
from conveyor.api.errors import INTERNAL, NO_ROUTE, REQUIRED, ApiError, describe_validation, first_error, status_of
from conveyor.api.guard import RequestGuard
from conveyor.api.health import add_health_routes
from conveyor.api.metrics import add_metrics_route
from conveyor.api.observe import ObserveMiddleware
from conveyor.api.operations import Operation, Registry, default_registry
from conveyor.api.routing import REFUSED_ROUTE, Services, add_routes
from conveyor.api.scope import StorePathMiddleware
from conveyor.bulk.topology import with_publishers
from conveyor.bus import CommandBus
from conveyor.bus.registry import default_registry as default_commands
from conveyor.bus.topology import with_commands
from conveyor.catalog import CatalogError
from conveyor.mq.config import load_topology
from conveyor.mq.queue import MessageQueue
from conveyor.settings import Settings, settings_or_default

log = logging.getLogger("conveyor.api")


def create_app(
    settings: Settings | None = None,
    *,
    registry: Registry | None = None,
    mq: MessageQueue | None = None,
    bus: CommandBus | None = None,
) -> FastAPI:
    """The REST API over ``settings``' database (default: the process settings) and ``registry``'s operations.

    Without ``mq``, the app publishes through a MessageQueue of the configured topology files plus the built-in
    ``async.operations.all`` topology and the command queues (for EDS change sets), and closes it on shutdown.
    ``bus`` runs ``POST /V1/commands/{name}``: the App's (whose handlers reach the running system), else one on
    ``mq`` with the installed commands.
    """
    config = settings_or_default(settings)
    operations = registry if registry is not None else default_registry()
    owned = mq is None
    if mq is None:
        topology = with_publishers(
            load_topology(config.topology_files, builtins=True, settings=config),
            operations.topics(),
            config.bulk_connection,
        )
        topology = with_commands(topology, default_commands(), settings_or_default(config).bus_connection)
        mq = MessageQueue(topology, config, database_url=config.database_url, amqp_url=config.amqp_url)
    services = Services(config, mq, operations, bus or CommandBus(mq, default_commands()))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        services.declare()
        try:
            yield
        finally:
            if owned:
                services.mq.close()

    app = FastAPI(
        title="Conveyor REST API",
        version="1",
        description=(
            "Magento-compatible REST API. Authenticate with `Authorization: Bearer <token>`. Routes exist under "
            "`/rest/V1/…` (default store view), `/rest/<store_code>/V1/…` and `/rest/all/V1/…` (admin scope); "
            "write routes also under `/rest/async/…` and `/rest/async/bulk/…`."
        ),
        lifespan=lifespan,
        separate_input_output_schemas=False,
        redirect_slashes=False,  # the scope middleware trims a trailing slash; never a 307 that drops the store
    )
    app.state.services = services
    extra_schemas = add_routes(app, services)
    extra_schemas.update(add_eds_route(app, services))
    add_health_routes(app, services)
    add_metrics_route(app, services)
    _add_error_handlers(app, config.developer_mode)
    app.add_middleware(RequestGuard, services=services, router=app.router)  # inside: sees the store-free path
    app.add_middleware(StorePathMiddleware)
    app.add_middleware(ObserveMiddleware)  # outermost: it sees every answer, errors included

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, definition in extra_schemas.items():
                components.setdefault(name, definition)
            # invalid requests are Magento's 400 here, never FastAPI's 422
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    operation.get("responses", {}).pop("422", None)
            for name in ("HTTPValidationError", "ValidationError"):
                components.pop(name, None)
            _public_routes_need_no_token(app, schema)
            declare_text_rules(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _public_routes_need_no_token(app: FastAPI, schema: dict[str, Any]) -> None:
    """A public route (the admin login, the directory) may carry a token but needs none: its security says so
    with OpenAPI's empty alternative, and no 401/403 is documented for it."""
    for route in app.routes:
        operation = getattr(getattr(route, "endpoint", None), "operation", None)
        if not (isinstance(route, APIRoute) and isinstance(operation, Operation) and operation.public):
            continue
        if route.path_format.startswith("/rest/async"):  # queued forms always need a token (routing)
            continue
        for method in route.methods or ():
            documented = schema.get("paths", {}).get(route.path_format, {}).get(method.lower())
            if documented is None:
                continue
            if documented.get("security"):
                documented["security"] = [{}, *documented["security"]]
            for status in ("401", "403"):
                if int(status) not in operation.answers:
                    documented.get("responses", {}).pop(status, None)


def _add_error_handlers(app: FastAPI, developer_mode: bool) -> None:
    def answer(exc: BaseException, body: dict[str, Any], status: int, request: Request) -> JSONResponse:
        """Magento's error body; with its ``trace`` in developer mode only (it shows the code's insides)."""
        if developer_mode:
            body = {**body, "trace": "".join(traceback.format_exception(exc))}
        return JSONResponse(body, status_code=status, headers=_allow(request, status))

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return answer(exc, exc.body(), exc.status, request)

    @app.exception_handler(CatalogError)
    async def catalog_error(request: Request, exc: CatalogError) -> JSONResponse:
        return answer(exc, {"message": exc.message, "parameters": exc.parameters}, status_of(exc), request)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        operation = _operation_of(request)
        described = []
        for error in errors:
            location = tuple(error.get("loc", ()))
            if location == ("body",) and error.get("type") == "missing":
                described.append(ApiError(400, REQUIRED, [_first_field(operation)]))
            else:
                described += describe_validation([error], skip=1)
        return answer(exc, first_error(described).body(), 400, request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = NO_ROUTE if exc.status_code in (404, 405) else str(exc.detail)
        return answer(exc, {"message": message, "parameters": []}, exc.status_code, request)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        report = uuid.uuid4().hex[:12]
        log.error("report %s: %s %s failed", report, request.method, request.url.path, exc_info=exc)
        return answer(exc, {"message": INTERNAL, "parameters": [report]}, 500, request)


def _allow(request: Request, status: int) -> dict[str, str] | None:
    """A 405's ``Allow`` header: the methods of every route on the path (Starlette names only the first route's)."""
    if status != 405:
        return None
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.name != REFUSED_ROUTE:
            match, _ = route.matches(request.scope)
            if match != Match.NONE:
                methods |= route.methods or set()
    return {"Allow": ", ".join(sorted(methods))}


def _operation_of(request: Request) -> Operation | None:
    route = request.scope.get("route")
    found = getattr(getattr(route, "endpoint", None), "operation", None)
    return found if isinstance(found, Operation) else None


def _first_field(operation: Operation | None) -> str:
    """The name Magento gives a missing body: its first required field (``group``, ``product``)."""
    model: type[BaseModel] | None = operation.body if operation else None
    if model is not None:
        for name, info in model.model_fields.items():
            if info.is_required():
                return name
    return "body"
