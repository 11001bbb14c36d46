"""The one registry of API operations: each resource writes a handler once; the framework serves it three ways.

A resource module (any module in ``conveyor.api.resources``) declares its operations on ``operations``::

    @operations.write("POST", "/V1/customerGroups", resource="Magento_Customer::group")
    def save_group(ctx: OperationContext, params: dict[str, str], body: GroupSaveRequest) -> CustomerGroup:
        return customer_groups.create(ctx.conn, body.group)

    @operations.read("/V1/customerGroups/{id}")
    def get_group(ctx: OperationContext, params: dict[str, str]) -> CustomerGroup: ...

    @operations.search("/V1/customerGroups/search")
    def search_groups(ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria) -> ...: ...

The body model is the handler's third parameter's annotation (or ``body=``), the response model its return
annotation (or ``response=``); both appear in the OpenAPI document. ``params`` holds the path parameters as
strings (``int_param`` converts with Magento's error). Integer ids are known by Magento's naming (``{id}``,
``{…Id}``, but ``STRING_IDS``): the route refuses anything but ASCII digits before the handler runs, and the
document types them ``integer``. A read that takes query parameters declares them (``query=``) for the document;
``ctx.query`` / ``ctx.query_list`` read them. Every route checks the caller's ACL resources against ``resource=``
(Magento's ``<resource ref>``) and answers ``fields=`` with only the listed fields.

``ctx`` carries the SQLAlchemy ``Connection`` of an open transaction (committed after the handler returns, rolled
back if it raises), the ``StoreScope`` and the ``Caller``; a write handler may ``ctx.publish`` messages atomically
with its writes.

Every write operation is served as:

* ``METHOD /rest[/<store>]/V1/path`` — synchronous;
* ``METHOD /rest[/<store>]/async/V1/path`` — one item, answered 202 with a ``bulk_uuid``;
* ``METHOD /rest[/<store>]/async/bulk/V1/path`` — an array of items; each ``{param}`` of the path becomes
  ``by<Param>`` and moves into every item (``PUT /async/bulk/V1/customerGroups/byId`` with
  ``[{"id": 5, "group": {...}}]``),

and its asynchronous operations travel on the topic named by ``topic_for``:
``async.`` + the path's segments (``{param}`` as ``by<Param>``) + ``.`` + the method, e.g.
``async.V1.customerGroups.byId.PUT`` — plain words only, so the built-in ``async.#`` binding takes them all.
The bulk consumer runs them with the same handler (``Registry.run_serialized``). Pass ``asynchronous=False``
for writes that make no sense queued (logins, bulk management) and ``public=True`` for the one route without
a token (the admin login).

Handlers raise ``conveyor.catalog.errors`` (404/400 with Magento's message) or ``ApiError``; the bulk consumer
records the same message on the operation (status 3).

A write may declare ``bulk_params={"sku": "product.sku"}``: a bulk item that leaves the path parameter out
supplies it at that dotted place in its body (Magento's ``[{"product": {"sku": ...}}]`` for
``PUT /async/bulk/V1/products/bySku``).

A write may also declare ``batch=fn`` with ``fn(ctx, items: list[tuple[params, body]]) -> list[result]`` (one
result per item, in order): the bulk consumer runs consecutive operations of that topic and bulk through it in
one call (set-based writes instead of one save per item); if it raises, the consumer runs them one by one with
the handler, so each failing item still gets its own message.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Annotated, Any, TypeVar

import orjson
import pydantic
import pydantic_core
from pydantic import AfterValidator, BaseModel, StrictInt, StrictStr, TypeAdapter, WithJsonSchema
from sqlalchemy.engine import Connection, Engine

from conveyor.api.auth import Caller
from conveyor.api.document import MSI_CODE
from conveyor.api.errors import (
    INVALID,
    OUT_OF_RANGE,
    REQUIRED,
    ApiError,
    describe_validation,
    first_error,
    render,
    status_of,
)
from conveyor.api.scope import StoreScope
from conveyor.bus import CommandBus
from conveyor.catalog import CatalogError, InvalidValueError, NotFoundError
from conveyor.mq.envelope import Envelope
from conveyor.mq.queue import Transaction
from conveyor.mq.routing import topic_error
from conveyor.settings import Settings, get_settings

F = TypeVar("F", bound=Callable[..., Any])
WRITE_METHODS = ("POST", "PUT", "DELETE", "PATCH")
DEFAULT_RESOURCE = "Magento_Backend::admin"
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_INFER: Any = object()
_INT_TEXT = re.compile(r"-?[0-9]{1,18}")
# Magento path ids that are not integers, with their OpenAPI schema (``/V1/directory/countries/US``)
STRING_IDS: dict[str, dict[str, Any]] = {
    "countryId": {"type": "string", "pattern": "^[A-Za-z]{2,3}$"},
    # /V1/products/{sku}/group-prices/{customerGroupId}/…: a group id, or "all" (every group)
    "customerGroupId": {"type": "string", "pattern": "^(all|[0-9]{1,10})$"},
    # an MSI source code: MSI's validator refuses an empty one, whitespace and ``${…}`` (the path's wins in a PUT)
    "sourceCode": {"type": "string", "pattern": MSI_CODE},
}
MAX_ID = 10**18 - 1  # int_param's bound: 18 digits
MIN_JSON_INT, MAX_JSON_INT = -(2**63), 2**64 - 1


def _bulk_id(value: Any) -> Any:
    """A bulk item's integer id: a JSON number or ASCII digits, as the route's path takes it."""
    if isinstance(value, bool) or not (
        (isinstance(value, int) and 0 <= value <= MAX_ID) or (isinstance(value, str) and _ID_ONLY.fullmatch(value))
    ):
        raise ValueError("not an id")
    return value


_ID_ONLY = re.compile(r"[0-9]{1,18}")
BulkId = Annotated[
    Any,
    AfterValidator(_bulk_id),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                {"type": "string", "pattern": "^[0-9]{1,18}$"},
            ]
        }
    ),
]


@dataclass
class OperationContext:
    """What a handler works with: the open transaction's connection, the store scope and the caller."""

    conn: Connection
    store: StoreScope
    caller: Caller
    transaction: Transaction | None = None  # writes only: publish atomically with the writes
    settings: Settings = field(default_factory=get_settings)
    query: Mapping[str, str] = field(default_factory=dict)  # reads: the request's query parameters
    pairs: Sequence[tuple[str, str]] = ()  # reads: the same in order, repeated keys kept (``storeCodes[]``)
    bus: CommandBus | None = None  # the server's command bus (``POST /V1/commands/{name}``); None in the consumer

    def query_list(self, name: str) -> list[str] | None:
        """A list parameter as PHP reads it: ``name[]=a&name[]=b`` or ``name[0]=a&name[1]=b``; None if absent."""
        key = re.compile(re.escape(name) + r"\[[0-9]*\]")
        found = [value for k, value in self.pairs if key.fullmatch(k)]
        return found if found else None

    @property
    def events(self) -> Transaction:
        """Where a write's domain events go: its transaction (``emit``), so they exist iff it commits."""
        if self.transaction is None:
            raise RuntimeError("a read operation has no events")
        return self.transaction

    def publish(self, topic: str, payload: Any, **properties: Any) -> Envelope:
        """Publish a message that exists if and only if this operation's transaction commits."""
        if self.transaction is None:
            raise RuntimeError("a read operation cannot publish")
        return self.transaction.publish(topic, payload, **properties)


@dataclass
class RequestContext:
    """What an ``async def`` write handler works with (a synchronous one only, never queued): no open connection,
    so that what it awaits (a password hash) holds neither a worker thread nor a connection; it opens short
    transactions on ``engine`` itself. ``client`` is the caller's address (the login's throttle counts by it)."""

    engine: Engine
    store: StoreScope
    caller: Caller
    client: str | None
    settings: Settings


def topic_for(method: str, path: str) -> str:
    """The async topic of ``METHOD path``: ``PUT /V1/products/{sku}/media`` → ``async.V1.products.bySku.media.PUT``."""
    return ".".join(["async", *bulk_segments(path), method.upper()])


def bulk_segments(path: str) -> list[str]:
    """The path's segments with every ``{param}`` written ``by<Param>`` (Magento's ``ucfirst``)."""
    words = []
    for segment in path.strip("/").split("/"):
        match = _PARAM.fullmatch(segment)
        words.append(f"by{match.group(1)[:1].upper()}{match.group(1)[1:]}" if match else segment)
    return words


def check_text(value: Any, field: str = "") -> None:
    """Refuse text no database stores (NUL, lone surrogates from JSON's ``\\ud800``) with a 400 naming the field,
    and integers past 64 bits."""
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            raise ApiError(400, INVALID, [value.encode(errors="replace").decode(), field or "body"]) from None
        if "\x00" in value:
            raise ApiError(400, INVALID, [value.replace("\x00", "\\0"), field or "body"])
    elif isinstance(value, int) and not isinstance(value, bool):
        if not MIN_JSON_INT <= value <= MAX_JSON_INT:  # what orjson writes; no column or consumer takes more
            raise ApiError(400, OUT_OF_RANGE)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, field or "body")
            check_text(item, f"{field}.{key}" if field else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_text(item, f"{field}.{index}" if field else str(index))


def int_param(params: Mapping[str, str], name: str) -> int:
    """A path parameter as an integer; anything else is Magento's 400 naming the field.

    ASCII digits only, as Magento's type processor: ``re``'s ``\\d`` and ``int()`` also read other scripts'
    digits (``/V1/customers/\\u0661`` is not customer 1).
    """
    text = params[name]
    if not _INT_TEXT.fullmatch(text):
        raise ApiError(400, INVALID, [text, name])
    return int(text)


@dataclass(frozen=True, eq=False)
class Operation:
    """One declared operation; ``kind`` is write, read or search."""

    kind: str
    method: str
    path: str
    handler: Callable[..., Any]
    body: type[BaseModel] | None
    response: Any
    resource: str
    asynchronous: bool
    public: bool
    summary: str
    description: str | None
    batch: Callable[..., list[Any]] | None = None  # fn(ctx, [(params, body), ...]) -> [result, ...]
    query: tuple[dict[str, Any], ...] = ()  # reads: OpenAPI parameters of the query string it reads
    bulk_params: Mapping[str, str] = field(default_factory=dict)  # path param -> dotted place in a bulk item
    transactional: bool = True  # writes: the handler runs in the request's write transaction
    answers: Mapping[int, str] = field(default_factory=dict)  # statuses it answers beyond the usual, documented
    param_schemas: Mapping[str, dict[str, Any]] = field(default_factory=dict)  # path parameter -> its schema
    # status -> Magento's message templates: what a request the document calls valid may still be answered because
    # of what is stored (the attribute named is a system one, has no options…); the document lists them
    refusals: Mapping[int, tuple[str, ...]] = field(default_factory=dict)

    @cached_property
    def params(self) -> tuple[str, ...]:
        return tuple(_PARAM.findall(self.path))

    @cached_property
    def int_params(self) -> tuple[str, ...]:
        """The path parameters that are integer ids, by Magento's naming: ``id`` and ``…Id`` (``customerId``,
        ``storeId``), but for the few string ids (``countryId``). The routes check them (ASCII digits) before the
        handler runs, and the OpenAPI document types them ``integer``."""
        return tuple(p for p in self.params if (p == "id" or p.endswith("Id")) and p not in STRING_IDS)

    @cached_property
    def topic(self) -> str:
        return topic_for(self.method, self.path)

    @cached_property
    def bulk_path(self) -> str:
        """The path under ``/async/bulk``: parameters become ``by<Param>`` segments."""
        return "/" + "/".join(bulk_segments(self.path))

    @cached_property
    def item_model(self) -> type[BaseModel]:
        """One bulk item: the body's fields plus the path parameters."""
        name = "".join(w[:1].upper() + w[1:] for w in self.topic.split(".")[2:]) + "BulkItem"
        fields: dict[str, Any] = {}
        for param in self.params:
            # an integer id, as on the route: a number or ASCII digits; any other parameter: text or a number
            kind: Any = BulkId if param in self.int_params else StrictStr | StrictInt
            # a parameter the item may carry elsewhere (``bulk_params``) is optional at the top level
            fields[param] = (kind | None, None) if param in self.bulk_params else (kind, ...)
        base = self.body or BaseModel
        clash = set(fields) & set(base.model_fields)
        if clash:
            raise ValueError(f"{self.method} {self.path}: path parameter(s) {sorted(clash)} clash with body fields")
        model: type[BaseModel] = pydantic.create_model(name, __base__=base, **fields)
        return model

    @cached_property
    def _result_adapter(self) -> TypeAdapter[Any] | None:
        return None if self.response is None else TypeAdapter(self.response)

    # --- running ---------------------------------------------------------------------------------------------
    def run(self, ctx: OperationContext, params: dict[str, str], argument: Any = None) -> Any:
        """Call the handler (``argument``: the parsed body of a write, the criteria of a search)."""
        if self.kind == "read":
            return self.handler(ctx, params)
        return self.handler(ctx, params, argument)

    def parse_body(self, raw: Any, *, check: bool = True) -> BaseModel | None:
        """The body model from JSON data; invalid data is an ``ApiError`` with Magento's message.

        ``check=False`` skips the text check, for data that passed it at intake (a stored bulk item).
        """
        if self.body is None:
            return None
        try:
            parsed = self.body.model_validate(raw)
        except pydantic.ValidationError as exc:
            raise first_error(describe_validation(exc.errors())) from exc
        if check:
            check_text(raw)
        return parsed

    def parse_item(self, item: Any) -> tuple[dict[str, str], Any]:
        """A bulk item split into path parameters and the raw body, validated; ``ApiError`` if malformed."""
        try:
            self.item_model.model_validate(item)
        except pydantic.ValidationError as exc:
            raise first_error(describe_validation(exc.errors())) from exc
        check_text(item)
        params = {p: str(self._bulk_param(item, p)) for p in self.params}
        if self.body is None:
            return params, None
        return params, {k: v for k, v in item.items() if k not in params}

    def _bulk_param(self, item: Mapping[str, Any], name: str) -> Any:
        """A bulk item's path parameter: at its top level, else at the place ``bulk_params`` declares."""
        value = item.get(name)
        if value is None and name in self.bulk_params:
            value = item
            for key in self.bulk_params[name].split("."):
                value = value.get(key) if isinstance(value, Mapping) else None
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ApiError(400, REQUIRED, [name])
        return value

    def result_json(self, result: Any) -> Any:
        """The handler's result as JSON data (stored as a bulk operation's ``result_serialized_data``)."""
        if self._result_adapter is not None:
            return self._result_adapter.dump_python(result, mode="json", exclude_none=True)
        return pydantic_core.to_jsonable_python(result)

    def response_json(self, result: Any) -> Any:
        """The handler's result as the route answers it (FastAPI's way): validated into the response model (a
        handler may return plain dicts), by alias (``_links``), without None values."""
        if self._result_adapter is not None:
            adapter = self._result_adapter
            return adapter.dump_python(adapter.validate_python(result), mode="json", exclude_none=True, by_alias=True)
        return pydantic_core.to_jsonable_python(result)


class Registry:
    """Operations by (method, path) and by async topic."""

    def __init__(self) -> None:
        self._operations: dict[tuple[str, str], Operation] = {}
        self._topics: dict[str, Operation] = {}

    def __iter__(self) -> Iterator[Operation]:
        return iter(list(self._operations.values()))

    def __len__(self) -> int:
        return len(self._operations)

    def by_topic(self, topic: str) -> Operation | None:
        return self._topics.get(topic)

    def topics(self) -> list[str]:
        return sorted(self._topics)

    def add(self, operation: Operation) -> Operation:
        key = (operation.method, operation.path)
        if key in self._operations:
            raise ValueError(f"{operation.method} {operation.path} is declared twice")
        if operation.kind == "write" and operation.asynchronous:
            error = topic_error(operation.topic)
            if error:
                raise ValueError(f"{operation.method} {operation.path}: {error}")
            operation.item_model  # noqa: B018  (fail at declaration, not at the first request)
            self._topics[operation.topic] = operation
        self._operations[key] = operation
        return operation

    def include(self, other: Registry) -> Registry:
        """Add every operation of ``other`` (to compose test or plugin registries)."""
        for operation in other:
            self.add(operation)
        return self

    # --- declaring -------------------------------------------------------------------------------------------
    def write(
        self,
        method: str,
        path: str,
        *,
        body: type[BaseModel] | None = _INFER,
        response: Any = _INFER,
        resource: str = DEFAULT_RESOURCE,
        asynchronous: bool = True,
        public: bool = False,
        batch: Callable[[OperationContext, list[tuple[dict[str, str], Any]]], list[Any]] | None = None,
        bulk_params: Mapping[str, str] | None = None,
        transactional: bool = True,
        answers: Mapping[int, str] | None = None,
        params: Mapping[str, dict[str, Any]] | None = None,
        refuses: Mapping[int, Sequence[str]] | None = None,
    ) -> Callable[[F], F]:
        """Declare ``handler(ctx, params, body) -> response`` for a write (POST, PUT, DELETE, PATCH).

        ``batch``: the same write for many items at once (see the module docstring), used by the bulk consumer;
        ``bulk_params``: where a bulk item may give a path parameter inside its body (ditto);
        ``transactional=False``: a write that opens its own transactions (running a command inline: on SQLite a
        second writer would wait for the request's), so ``ctx.transaction`` is None and ``ctx.conn`` only reads.
        ``answers``: error statuses the document must show beyond the usual ones (a public login's 401); ``params``:
        the schema of a path parameter whose values the handler refuses beyond its type (the default stock's id in a
        DELETE); ``refuses``: status -> Magento's messages with which the handler refuses a request that the document
        calls valid, because of stored data (an option added to an attribute that takes none): the document lists
        them under that status, as the request's rules cannot say them.
        """
        method = method.upper()
        if method not in WRITE_METHODS:
            raise ValueError(f"{method} is not a write method ({', '.join(WRITE_METHODS)}); use read()")

        def decorate(handler: F) -> F:
            if inspect.iscoroutinefunction(handler) and asynchronous:
                raise ValueError(
                    f"{method} {path}: an async def handler takes a RequestContext; declare it "
                    "asynchronous=False (it cannot run from the queue)"
                )
            hints = _hints(handler)
            model = _argument_type(handler, hints) if body is _INFER else body
            if model is not None and not (isinstance(model, type) and issubclass(model, BaseModel)):
                raise TypeError(f"{handler.__qualname__}: the body must be a pydantic model, got {model!r}")
            operation = _operation(
                "write", method, path, handler, hints, model, response, resource, public, asynchronous
            )
            if transactional is False and asynchronous:
                raise ValueError(f"{path}: a write without the request's transaction cannot be queued")
            self.add(
                replace(
                    operation,
                    batch=batch,
                    bulk_params=dict(bulk_params or {}),
                    transactional=transactional,
                    answers=dict(answers or {}),
                    param_schemas=dict(params or {}),
                    refusals=_refusals(refuses),
                )
            )
            return handler

        return decorate

    def read(
        self,
        path: str,
        *,
        response: Any = _INFER,
        resource: str = DEFAULT_RESOURCE,
        public: bool = False,
        query: Sequence[dict[str, Any]] = (),
        params: Mapping[str, dict[str, Any]] | None = None,
    ) -> Callable[[F], F]:
        """Declare ``handler(ctx, params) -> response`` for ``GET path``.

        ``query``: the OpenAPI parameters (``{"name": …, "schema": …}``) of the query string it reads, so that the
        document describes what the route accepts; ``params``: as ``write``'s.
        """

        def decorate(handler: F) -> F:
            hints = _hints(handler)
            operation = _operation("read", "GET", path, handler, hints, None, response, resource, public, False)
            self.add(replace(operation, query=tuple(query), param_schemas=dict(params or {})))
            return handler

        return decorate

    def search(self, path: str, *, response: Any = _INFER, resource: str = DEFAULT_RESOURCE) -> Callable[[F], F]:
        """Declare ``handler(ctx, params, criteria: SearchCriteria) -> SearchResults[...]`` for ``GET path``."""

        def decorate(handler: F) -> F:
            hints = _hints(handler)
            self.add(_operation("search", "GET", path, handler, hints, None, response, resource, False, False))
            return handler

        return decorate

    # --- the bulk consumer's side ----------------------------------------------------------------------------
    def has_batch(self, topic: str) -> bool:
        """Whether the operation of ``topic`` declares a batch implementation."""
        operation = self._topics.get(topic)
        return operation is not None and operation.batch is not None

    def run_serialized_batch(
        self, transaction: Transaction, topic: str, data: Sequence[Any], user_type: int, user_id: int | None
    ) -> list[Any]:
        """Run stored operations of one topic and caller through the operation's batch function; JSON results.

        Every item must name the same store (one bulk request's do). Any failure is raised for the whole group
        (client failures as ``CatalogError``); the caller then runs the items one by one to tell them apart.
        """
        operation = self._topics.get(topic)
        if operation is None or operation.batch is None:
            raise InvalidValueError('No batch operation is declared for the topic "%1".', [topic])
        try:
            stores = {orjson.dumps(item["store"], option=orjson.OPT_SORT_KEYS) for item in data}
            if len(stores) != 1:
                raise InvalidValueError("The operations of a batch must share one store.")
            store = StoreScope(**data[0]["store"])
            items = [
                (
                    {str(k): str(v) for k, v in item["params"].items()},
                    operation.parse_body(item.get("body"), check=False),
                )
                for item in data
            ]
        except (KeyError, TypeError, AttributeError) as exc:
            raise InvalidValueError("The operation data is malformed: %1", [repr(exc)]) from exc
        except ApiError as exc:
            raise as_catalog_error(exc) from exc
        ctx = OperationContext(
            conn=transaction.conn,
            store=store,
            caller=Caller(user_type=user_type, user_id=user_id, name="async"),
            transaction=transaction,
        )
        try:
            results = operation.batch(ctx, items)
        except ApiError as exc:
            raise as_catalog_error(exc) from exc
        if len(results) != len(items):
            raise RuntimeError(f"{topic}: the batch function returned {len(results)} results for {len(items)} items")
        return [operation.result_json(result) for result in results]

    def run_serialized(
        self, transaction: Transaction, topic: str, data: Any, user_type: int, user_id: int | None
    ) -> Any:
        """Run a stored async operation in ``transaction``; its result as JSON data.

        Every failure a client caused (unknown topic, invalid data, catalog errors, ``ApiError``) is raised as a
        ``CatalogError`` with Magento's message, which the consumer records as not retriably failed.
        """
        operation = self._topics.get(topic)
        if operation is None:
            raise InvalidValueError('No operation is declared for the topic "%1".', [topic])
        try:
            store = StoreScope(**data["store"])
            params = {str(k): str(v) for k, v in data["params"].items()}
            raw_body = data.get("body")
        except (KeyError, TypeError, AttributeError) as exc:
            raise InvalidValueError("The operation data is malformed: %1", [repr(exc)]) from exc
        ctx = OperationContext(
            conn=transaction.conn,
            store=store,
            caller=Caller(user_type=user_type, user_id=user_id, name="async"),
            transaction=transaction,
        )
        try:
            return operation.result_json(operation.run(ctx, params, operation.parse_body(raw_body)))
        except ApiError as exc:
            raise as_catalog_error(exc) from exc


def as_catalog_error(error: ApiError) -> CatalogError:
    """An ``ApiError`` as the catalog error of the same status (for bulk results)."""
    kind = NotFoundError if error.status == 404 else InvalidValueError
    if isinstance(error.parameters, dict):
        return kind(render(error.message, error.parameters))
    return kind(error.message, error.parameters)


def error_status(error: BaseException) -> int | None:
    """The HTTP status of a client error (catalog error or ``ApiError``), None for anything else."""
    if isinstance(error, ApiError):
        return error.status
    if isinstance(error, CatalogError):
        return status_of(error)
    return None


def _refusals(refuses: Mapping[int, Sequence[str]] | None) -> dict[int, tuple[str, ...]]:
    """``refuses=`` checked: client errors only (a 5xx is never a documented answer), each with its messages."""
    found = {int(status): tuple(messages) for status, messages in (refuses or {}).items()}
    for status, messages in found.items():
        if not 400 <= status < 500 or not messages:
            raise ValueError(f"refuses: {status} must be a 4xx status with Magento's message(s)")
    return found


def _hints(handler: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(handler)
    except NameError as exc:
        raise TypeError(f"{handler.__qualname__}: cannot resolve its annotations ({exc})") from exc


def _argument_type(handler: Callable[..., Any], hints: Mapping[str, Any]) -> Any:

    names = list(inspect.signature(handler).parameters)
    if len(names) < 3:
        raise TypeError(f"{handler.__qualname__} must take (ctx, params, body)")
    found = hints.get(names[2])
    return None if found in (None, type(None)) else found


def _operation(
    kind: str,
    method: str,
    path: str,
    handler: Callable[..., Any],
    hints: Mapping[str, Any],
    body: type[BaseModel] | None,
    response: Any,
    resource: str,
    public: bool,
    asynchronous: bool,
) -> Operation:
    if not path.startswith("/V"):
        raise ValueError(f"{path!r}: operation paths start with the version, e.g. /V1/customerGroups")
    if response is _INFER:
        response = hints.get("return")
    doc = (handler.__doc__ or "").strip()
    summary, _, description = doc.partition("\n")
    return Operation(
        kind=kind,
        method=method,
        path=path,
        handler=handler,
        body=body,
        response=None if response is type(None) else response,
        resource=resource,
        asynchronous=asynchronous,
        public=public,
        summary=summary.strip() or handler.__name__.replace("_", " "),
        description=description.strip() or None,
    )


operations = Registry()
"""The application's registry: resource modules in ``conveyor.api.resources`` declare their operations here."""


def default_registry() -> Registry:
    """``operations`` with every module of ``conveyor.api.resources`` imported (each one registers itself)."""
    import importlib
    import pkgutil

    import conveyor.api.resources as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    return operations
