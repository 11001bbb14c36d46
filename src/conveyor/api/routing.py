"""Serving the registry: FastAPI routes built from each ``Operation`` (sync, async, bulk) with shared dependencies.

Each route gets the caller (``Authorization: Bearer``; public operations skip it), the store scope
(``StorePathMiddleware`` + ``StoreResolver``) and a connection: writes run in a ``Transaction`` committed when the
handler returns, reads in a plain connection. Endpoint signatures are generated, so the OpenAPI document shows
each body, path parameter and response model; the bulk routes read their array themselves (one malformed item
must not fail the others) and declare its schema through ``openapi_extra``.
"""

from __future__ import annotations

import inspect
import json
import re
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, FastAPI, Path, Request, Response, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from sqlalchemy.engine import Connection, Engine
from starlette.background import BackgroundTask
from starlette.routing import BaseRoute

from conveyor.api import fields
from conveyor.api.auth import GUEST, Caller, caller_for_token
from conveyor.api.document import SKU, BodyCheck, ParamCheck, check_integers
from conveyor.api.errors import (
    DECODING,
    INVALID,
    OUT_OF_RANGE,
    TOO_MANY_ITEMS,
    ApiError,
    ErrorResponse,
    first_error,
    forbidden,
    unauthorized,
)
from conveyor.api.operations import (
    MAX_ID,
    STRING_IDS,
    Operation,
    OperationContext,
    Registry,
    RequestContext,
    check_text,
)
from conveyor.api.scope import SCOPE_KEY, StoreResolver, StoreScope
from conveyor.api.search import CONDITIONS, MAX_PAGE, parse
from conveyor.api.sku import check_sku, check_skus, is_sku_param
from conveyor.bulk.scheduler import BulkUser, Item, schedule
from conveyor.bus import CommandBus
from conveyor.mq.queue import MessageQueue, Transaction
from conveyor.settings import Settings

ASYNC_GET_REFUSED = "GET requests cannot be asynchronous; use the synchronous route."
_ID = re.compile(r"[0-9]{1,18}")
FIELDS = "fields"  # Magento's partial-response parameter (conveyor.api.fields)
REFUSED_ROUTE = "refuse_async_get"  # not counted in a 405's Allow header
REFUSALS = "x-conveyor-refusals"  # an operation's refusals of stored data in the document (``_refusals``)
EXPECTED_ARRAY = "The request body of a bulk request must be a non-empty JSON array of items."
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Invalid request (Magento's message naming the field)"},
    401: {"model": ErrorResponse, "description": "Missing, unknown or expired token"},
    403: {"model": ErrorResponse, "description": "The token does not grant the route's ACL resource"},
    404: {"model": ErrorResponse, "description": "No such entity, store or route"},
}
# The document declares the paging parameters only: a filter's field, value and condition type must come together
# and name the route's own fields, which OpenAPI 3 cannot say; they are described in each search's text instead.
SEARCH_PARAMETERS = [
    {"name": name, "in": "query", "required": False, "schema": schema, "description": description}
    for name, schema, description in (
        ("searchCriteria[pageSize]", {"type": "integer", "minimum": 0, "maximum": MAX_PAGE}, "Items per page."),
        ("searchCriteria[currentPage]", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page, from 1."),
    )
]
SEARCH_TEXT = (
    "searchCriteria as Magento's: `searchCriteria[filter_groups][G][filters][F][field|value|condition_type]` "
    "(filters of a group OR-ed, groups AND-ed; condition types: " + ", ".join(CONDITIONS) + "), "
    "`searchCriteria[sortOrders][S][field|direction]`, `searchCriteria[pageSize]`, `searchCriteria[currentPage]`."
)
bearer = HTTPBearer(
    auto_error=False, description="An admin token (POST /rest/V1/integration/admin/token) or an integration token."
)


class RequestItem(BaseModel):
    id: int
    data_hash: str
    status: str  # accepted | rejected
    error_message: str | None = None


class AsyncResponse(BaseModel):
    """Magento's answer to an async or bulk request."""

    bulk_uuid: str
    request_items: list[RequestItem]
    errors: bool


class Services:
    """What every route shares: settings, the database, the message queue, the registry and the store cache."""

    def __init__(self, settings: Settings, mq: MessageQueue, registry: Registry, bus: CommandBus) -> None:
        self.settings, self.mq, self.registry, self.bus = settings, mq, registry, bus
        self.stores = StoreResolver()
        self._broker_lock = threading.Lock()  # a broker connection (pika) is not thread-safe; requests are threads

    @property
    def engine(self) -> Engine:
        return self.mq.engine

    def declare(self) -> None:
        with self._broker_lock:
            self.mq.declare()

    @contextmanager
    def writing(self, relay: bool = True) -> Iterator[Transaction]:
        """A transaction that can publish; outboxed messages are relayed once it commits.

        ``relay=False`` leaves that to the caller (``relay``), e.g. after the response is sent: committed outbox
        rows are durable, and any later relay (this process's, or ``queue refresh``'s) sends them.
        """
        with self.engine.begin() as conn:
            transaction = Transaction(self.mq, conn)
            yield transaction
        if transaction.outboxed and relay:
            self.relay()

    def relay(self) -> None:
        """Send the committed outbox rows to the broker."""
        with self._broker_lock:
            self.mq.relay_outbox()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn


def add_routes(app: FastAPI, services: Services) -> dict[str, Any]:
    """Add every operation's routes to ``app``; returns extra OpenAPI schemas (the bulk items) to publish.

    The routes of a registry are built once per process and shared by every app made from it: building them
    (FastAPI's parameter models for about 480 routes, the document's body schemas) took two to six seconds, paid
    again by every app, and a test suite makes hundreds. A route holds no app of its own: it finds the app's
    ``Services`` on the request (``services_of``).
    """
    operations = tuple(services.registry)
    built = _BUILT.get(services.registry)
    if built is None or built[0] != operations:  # a registry that gained an operation is built again
        built = _BUILT[services.registry] = (operations, *_build_routes(services.registry))
    _, routes, schemas = built
    app.router.routes.extend(routes)
    return dict(schemas)


_Built = tuple[tuple[Operation, ...], list[BaseRoute], dict[str, Any]]
_BUILT: weakref.WeakKeyDictionary[Registry, _Built] = weakref.WeakKeyDictionary()


def _build_routes(registry: Registry) -> tuple[list[BaseRoute], dict[str, Any]]:
    operations = sorted(registry, key=_route_order)
    router = APIRouter()
    extra: list[type[BaseModel]] = []
    for op in operations:
        if op.kind == "write" and op.asynchronous:
            _add_async(router, op)
            _add_bulk(router, op)
            extra.append(op.item_model)
    for op in operations:
        _add_sync(router, op)
    router.add_api_route(
        "/rest/async/{path:path}", _refuse_async_get, methods=["GET"], include_in_schema=False, name=REFUSED_ROUTE
    )
    if not extra:
        return list(router.routes), {}
    _, schemas = models_json_schema([(m, "validation") for m in extra], ref_template="#/components/schemas/{model}")
    return list(router.routes), dict(schemas.get("$defs", {}))


def services_of(request: Request) -> Services:
    """The ``Services`` of the app serving ``request`` (``create_app`` puts them on its state)."""
    found: Services = request.app.state.services
    return found


def _route_order(op: Operation) -> tuple[tuple[int, str], ...]:
    """Literal segments before ``{param}`` ones, so ``/customerGroups/search`` wins over ``/customerGroups/{id}``."""
    return tuple((1 if s.startswith("{") else 0, s) for s in op.path.strip("/").split("/"))


def _refuse_async_get(path: str) -> None:
    raise ApiError(405, ASYNC_GET_REFUSED)


# --- dependencies ----------------------------------------------------------------------------------------------
CALLER_KEY = "conveyor.caller"  # the request scope's caller, once ``RequestGuard`` resolved it before the body


def resolve_caller(services: Services, op: Operation, token: str | None, *, queued: bool = False) -> Caller:
    """Who calls ``op`` with ``token``: the token's caller allowed the operation's resource (401/403 otherwise);
    for a public operation, the guest unless a valid token is sent. ``queued`` (the async and bulk forms) always
    needs a token: Magento 2.4.7 and later refuse guests on the asynchronous endpoints by default, and a guest
    filling the queue is a denial of service waiting to happen."""
    if op.public and not queued:
        if not token:
            return GUEST
        with services.reading() as conn:
            return caller_for_token(conn, token) or GUEST  # a public route's caller: the token's when valid
    if not token:
        raise unauthorized(op.resource)
    with services.reading() as conn:
        found = caller_for_token(conn, token)
    if found is None:
        raise unauthorized(op.resource)
    if not found.allows(op.resource):
        raise forbidden(op.resource)
    return found


def _caller_dependency(op: Operation, *, queued: bool = False) -> Callable[..., Caller]:
    """The route's caller: the one ``RequestGuard`` resolved before reading the body, else ``resolve_caller``."""

    def caller(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
    ) -> Caller:
        found = request.scope.get(CALLER_KEY)
        if isinstance(found, Caller):
            return found
        token = credentials.credentials if credentials else None
        return resolve_caller(services_of(request), op, token, queued=queued)

    return caller


def _store(request: Request) -> StoreScope:
    """The route's store scope (the one the scope middleware read off the path)."""
    services = services_of(request)
    with services.reading() as conn:
        return services.stores.resolve(conn, request.scope.get(SCOPE_KEY))


def _signature(
    op: Operation, caller: Callable[..., Caller], store: Callable[..., StoreScope], *, path: bool, body: Any
) -> inspect.Signature:
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter("conveyor_caller", keyword, annotation=Caller, default=Depends(caller)),
        inspect.Parameter("conveyor_store", keyword, annotation=StoreScope, default=Depends(store)),
        inspect.Parameter("conveyor_request", keyword, annotation=Request),
    ]
    if path:
        parameters += [
            inspect.Parameter(p, keyword, annotation=str, default=Path(json_schema_extra=_id_schema(op, p)))
            for p in op.params
        ]
    if body is not None:
        parameters.append(inspect.Parameter("conveyor_body", keyword, annotation=body, default=Body()))
    return inspect.Signature(parameters)


def _id_schema(op: Operation, name: str) -> dict[str, Any] | None:
    """An integer id's schema in the OpenAPI document (the route reads the text itself, ASCII digits only)."""
    if name in op.param_schemas:
        return dict(op.param_schemas[name])
    if is_sku_param(name):  # as ``check_params`` takes it
        return dict(SKU)
    if name not in op.int_params:
        return STRING_IDS.get(name)
    return {"type": "integer", "minimum": 0, "maximum": MAX_ID}


def _path_params(op: Operation, values: dict[str, Any]) -> dict[str, str]:
    params = {p: str(values[p]) for p in op.params}
    check_params(op, params)
    return params


def check_params(op: Operation, params: dict[str, str]) -> None:
    """Path parameters (of a route or a bulk item) as the route takes them: storable text, skus as ``check_sku``
    wants them, integer ids in ASCII digits; a 400 naming the parameter otherwise."""
    for name, value in params.items():
        check_text(value, name)
        if is_sku_param(name):
            check_sku(value, name)
    for name in op.int_params:
        if not _ID.fullmatch(params[name]):  # ASCII digits, as the document's integer ids
            raise ApiError(400, INVALID, [params[name], name])


def _tag(op: Operation) -> str:
    parts = op.path.strip("/").split("/")
    return parts[1] if len(parts) > 1 else parts[0]


# --- the three kinds of route ----------------------------------------------------------------------------------
def _add_sync(router: APIRouter, op: Operation) -> None:
    def endpoint(**values: Any) -> Any:
        services = services_of(values["conveyor_request"])
        caller: Caller = values["conveyor_caller"]
        scope: StoreScope = values["conveyor_store"]
        params = _path_params(op, values)
        pairs = values["conveyor_request"].query_params.multi_items()
        wanted = _fields(pairs)
        if op.kind == "write":
            body = values.get("conveyor_body")
            _check_body(body)
            if not op.transactional:  # it opens its own transactions; the connection stays idle unless read
                with services.reading() as conn:
                    ctx = OperationContext(conn, scope, caller, None, services.settings, bus=services.bus)
                    result = op.run(ctx, params, body)
            else:
                with services.writing() as transaction:
                    ctx = OperationContext(
                        transaction.conn, scope, caller, transaction, services.settings, bus=services.bus
                    )
                    result = op.run(ctx, params, body)
        else:
            limit = services.settings.api_search_max_value_length
            argument = parse(pairs, max_value_length=limit) if op.kind == "search" else None
            with services.reading() as conn:
                ctx = OperationContext(conn, scope, caller, None, services.settings, dict(pairs), pairs)
                result = op.run(ctx, params, argument)
        return _answer(op, result, wanted)

    async def awaiting_endpoint(**values: Any) -> Any:
        """An ``async def`` write: its handler awaits what it waits for, holding no thread (the admin login)."""
        request: Request = values["conveyor_request"]
        services = services_of(request)
        params = _path_params(op, values)
        wanted = _fields(request.query_params.multi_items())
        body = values.get("conveyor_body")
        _check_body(body)
        client = request.client.host if request.client else None
        ctx = RequestContext(
            services.engine, values["conveyor_store"], values["conveyor_caller"], client, services.settings
        )
        return _answer(op, await op.handler(ctx, params, body), wanted)

    served: Any = awaiting_endpoint if inspect.iscoroutinefunction(op.handler) else endpoint
    served.__signature__ = _signature(op, _caller_dependency(op), _store, path=True, body=op.body)
    served.operation = op  # read back by the validation error handler
    router.add_api_route(
        "/rest" + op.path,
        served,
        methods=[op.method],
        response_model=op.response,
        response_model_exclude_none=True,
        name=op.handler.__name__,
        summary=op.summary,
        description=_description(op),
        responses=_responses(op),
        tags=[_tag(op)],
        openapi_extra={**(_query_parameters(op) or {}), **_refusals(op)} or None,
    )


def _responses(op: Operation) -> dict[int | str, dict[str, Any]]:
    """The statuses a synchronous route documents: the usual ones, the operation's own, and under each status with
    refusals of stored data (``Operation.refusals``) the messages it answers them with."""
    responses: dict[int | str, dict[str, Any]] = {
        **ERROR_RESPONSES,
        **{status: {"model": ErrorResponse, "description": text} for status, text in op.answers.items()},
    }
    for status, messages in op.refusals.items():
        given = responses.get(status, {"model": ErrorResponse, "description": "Refused"})
        listed = "; ".join(f"`{message}`" for message in messages)
        text = f"{given['description']}. Also to a valid request when the stored data refuses it: {listed}"
        responses[status] = {**given, "description": text}
    return responses


def _refusals(op: Operation) -> dict[str, Any]:
    """The refusals of stored data for machines (``REFUSALS``: status -> message templates), e.g. a contract test
    that must tell them from a request the document should have called invalid."""
    if not op.refusals:
        return {}
    return {REFUSALS: {str(status): list(messages) for status, messages in op.refusals.items()}}


def _check_body(body: Any) -> None:
    """A parsed write body's text storable, its skus valid and its typed integers within INT (400 naming the
    field): the rules ``conveyor.api.document`` declares for every body."""
    if isinstance(body, BaseModel):
        check_integers(body)
        dumped = body.model_dump()
        check_text(dumped)
        check_skus(dumped)


def _answer(op: Operation, result: Any, wanted: fields.Filter | None) -> Any:
    """The route's answer: the result, or only its ``fields=`` when asked."""
    if wanted is None:
        return result
    return Response(orjson.dumps(fields.apply(op.response_json(result), wanted)), media_type="application/json")


def _query_parameters(op: Operation) -> dict[str, Any] | None:
    """The query string the operation reads: searchCriteria for a search, its declared ones for a read."""
    parameters = [*(SEARCH_PARAMETERS if op.kind == "search" else ()), *({"in": "query", **p} for p in op.query)]
    return {"parameters": parameters} if parameters else None


def _fields(pairs: Sequence[tuple[str, str]]) -> fields.Filter | None:
    """The ``fields=`` filter of the query string; None without one (or an empty one, as Magento)."""
    text = next((value for key, value in reversed(pairs) if key == FIELDS), "")
    if not text:
        return None
    wanted = fields.parse(text)
    if wanted is None:
        raise ApiError(400, INVALID, [text, FIELDS])
    return wanted


def _description(op: Operation) -> str:
    text = op.description or ""
    if op.kind == "search":
        text += "\n\n" + SEARCH_TEXT
    text += "\n\n`fields=` keeps only the listed fields of the answer, as Magento's (`items[sku,name],total_count`)."
    text += f"\n\nAlso under `/rest/<store_code>{op.path}` (or `/rest/all…` for the admin scope)."
    if op.kind == "write" and op.asynchronous:
        text += (
            f"\n\nAsynchronously: `{op.method} /rest/async{op.path}` (one item) and "
            f"`{op.method} /rest/async/bulk{op.bulk_path}` (an array), topic `{op.topic}`."
        )
    return text.strip()


def _add_async(router: APIRouter, op: Operation) -> None:
    check = BodyCheck(op.body) if op.body is not None else None
    # the declared schema of each path parameter that is not a plain integer id (those the route reads itself)
    param_checks = {
        name: ParamCheck(schema)
        for name in op.params
        if (schema := _id_schema(op, name)) is not None and (name in op.param_schemas or name not in op.int_params)
    }

    async def endpoint(**values: Any) -> dict[str, Any]:
        caller: Caller = values["conveyor_caller"]
        params = _path_params(op, values)
        for name, param_check in param_checks.items():  # what the handler would refuse later, refused now
            if not param_check.accepts(params[name]):
                raise ApiError(400, INVALID, [params[name], name])
        body = values.get("conveyor_body")
        raw = body.model_dump(mode="json", exclude_unset=True) if isinstance(body, BaseModel) else None
        check_text(raw)
        check_skus(raw)
        if check is not None:  # what the document says the body must be, though the handler checks it later
            errors = check.errors(orjson.loads(await values["conveyor_request"].body()))
            if errors:
                raise first_error(errors)
        item = Item(serialize(values["conveyor_store"], params, raw))
        user = BulkUser(caller.user_type, caller.user_id)
        services = services_of(values["conveyor_request"])
        return await run_in_threadpool(_schedule_one, services, op, item, user)

    endpoint.__signature__ = _signature(  # type: ignore[attr-defined]
        op, _caller_dependency(op, queued=True), _store, path=True, body=op.body
    )
    endpoint.operation = op  # type: ignore[attr-defined]
    router.add_api_route(
        "/rest/async" + op.path,
        endpoint,
        methods=[op.method],
        status_code=202,
        response_model=AsyncResponse,
        response_model_exclude_none=True,
        name=f"{op.handler.__name__}_async",
        summary=f"{op.summary} (asynchronously)",
        description=f"Queued on topic `{op.topic}`; follow it with `GET /rest/V1/bulk/{{bulk_uuid}}/status`.",
        responses=ERROR_RESPONSES,
        tags=[f"async {_tag(op)}"],
    )


def _add_bulk(router: APIRouter, op: Operation) -> None:
    async def endpoint(**values: Any) -> Response:
        request: Request = values["conveyor_request"]
        services = services_of(request)
        raw = await request.body()
        try:
            items = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, DECODING, [str(exc)]) from exc
        if not isinstance(items, list) or not items:
            raise ApiError(400, EXPECTED_ARRAY)
        limit = services.settings.api_bulk_max_items
        if len(items) > limit:  # Magento's input array limit (5,000 on its asynchronous routes by default)
            raise ApiError(400, TOO_MANY_ITEMS, {"type": op.item_model.__name__, "max": str(limit)})
        caller: Caller = values["conveyor_caller"]
        answer, outboxed = await run_in_threadpool(
            schedule_bulk, services, op, values["conveyor_store"], BulkUser(caller.user_type, caller.user_id), items
        )
        # the operations are committed (with their messages, in the outbox on AMQP): answer first, relay after
        relay = BackgroundTask(services.relay) if outboxed else None
        # already in AsyncResponse's shape: skip validating thousands of items again on the way out
        return Response(orjson.dumps(answer), status_code=202, media_type="application/json", background=relay)

    endpoint.__signature__ = _signature(  # type: ignore[attr-defined]
        op, _caller_dependency(op, queued=True), _store, path=False, body=None
    )
    endpoint.operation = op  # type: ignore[attr-defined]  # read by RequestGuard
    # any item is taken: one that is not an item of the model is answered "rejected" and the others processed
    item_schema = {"anyOf": [{"$ref": f"#/components/schemas/{op.item_model.__name__}"}, {}]}
    params = ", ".join(f"`{p}`" for p in op.params)
    router.add_api_route(
        "/rest/async/bulk" + op.bulk_path,
        endpoint,
        methods=[op.method],
        status_code=202,
        response_model=AsyncResponse,
        response_model_exclude_none=True,
        name=f"{op.handler.__name__}_bulk",
        summary=f"{op.summary} (bulk)",
        description=(
            f"An array of items, one operation each on topic `{op.topic}`"
            + (f"; the path parameter(s) {params} go into each item" if op.params else "")
            + ". A malformed item is rejected (status 5) and the others are processed."
        ),
        responses=ERROR_RESPONSES,
        tags=[f"async {_tag(op)}"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "array", "minItems": 1, "items": item_schema}}},
            }
        },
    )


def _schedule_one(services: Services, op: Operation, item: Item, user: BulkUser) -> dict[str, Any]:
    with services.writing() as transaction:
        return schedule(transaction, op.topic, [item], user)


def serialize(store: StoreScope, params: dict[str, str], body: Any) -> str:
    """An operation's ``serialized_data``: everything the consumer needs to run it later, as JSON text."""
    data = {
        "store": {
            "store_id": store.store_id,
            "code": store.code,
            "website_id": store.website_id,
            "explicit": store.explicit,
        },
        "params": params,
        "body": body,
    }
    try:
        return orjson.dumps(data).decode()
    except TypeError as exc:  # JSON numbers past 64 bits: no column and no consumer could take them
        raise ApiError(400, OUT_OF_RANGE) from exc


def schedule_bulk(
    services: Services, op: Operation, store: StoreScope, user: BulkUser, items: Sequence[Any]
) -> tuple[dict[str, Any], bool]:
    """Validate each item with the operation's item model and schedule the accepted ones in one bulk.

    Returns the answer and whether messages wait in the outbox for the caller to relay.
    """
    prepared = []
    for item in items:
        try:
            params, body = op.parse_item(item)
            check_params(op, params)
            check_skus(body)
            prepared.append(Item(serialize(store, params, body)))
        except ApiError as exc:
            prepared.append(Item(json.dumps(item, separators=(",", ":")), error=str(exc)))  # json: any int size
    with services.writing(relay=False) as transaction:
        answer = schedule(transaction, op.topic, prepared, user)
    return answer, transaction.outboxed
