"""The simulated ERP's HTTP server: the API a real one offers, plus ``/admin`` routes for demos and tests.

``/api/v1`` is what ``HttpSource`` calls: entities by id, ids page by page (keyset cursors, ``updated_since``),
fulfilments per order, outlets, change-set acknowledgements. Every ``/api`` request is checked, in order, for
the API key, against the quota (429 with Retry-After when a window is full; only admitted requests count)
and against injected faults (fail or delay the next N requests). ``/admin`` is never limited: it reads the
request counts, changes entities (posting a signed change set to the webhook), injects faults, registers
orders and exports whole entity types for comparisons.

All state lives in one event loop and is touched by ``async`` routes only, so no lock is needed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from pydantic_core import to_json

from conveyor.quota import DEFAULT_QUOTA, parse_windows
from conveyor.sync.models import ChangeSet, EntityType, FulfillmentLine, as_utc
from conveyor.sync.signing import signed_headers
from conveyor.sync.simulator import soap
from conveyor.sync.simulator.catalogue import Catalogue
from conveyor.sync.simulator.quotas import QuotaCounter, retry_after_header

log = logging.getLogger(__name__)

API_KEY_HEADER = "X-Api-Key"
DELIVERY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)  # between webhook attempts; then the change set stays undelivered
# how often scheduled changes pick each entity type
SCHEDULE_WEIGHTS = ((EntityType.CUSTOMER, 4), (EntityType.PRODUCT, 5), (EntityType.FULFILLMENT, 1))


@dataclass
class SimulatorConfig:
    """What ``conveyor erp-sim`` is started with."""

    seed: int = 1
    customers: int = 100
    products: int = 50
    orders: int = 0
    order_numbers: tuple[str, ...] = ()
    quota: str = DEFAULT_QUOTA
    api_key: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    change_every: float = 0.0
    change_count: int = 5


@dataclass
class Faults:
    """Injected trouble for the next requests: ``fail`` answered with ``status``, ``delay`` held ``seconds``."""

    fail: int = 0
    status: int = 500
    delay: int = 0
    seconds: float = 0.0


@dataclass
class Delivery:
    """A change set and how its webhook post went."""

    change_set: ChangeSet
    attempts: int = 0
    delivered: bool = False
    last_error: str | None = None
    acknowledged_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.change_set.model_dump(mode="json"),
            "attempts": self.attempts,
            "delivered": self.delivered,
            "last_error": self.last_error,
            "acknowledged": self.acknowledged_at is not None,
            "acknowledged_at": None if self.acknowledged_at is None else self.acknowledged_at.isoformat(),
        }


@dataclass
class ReceivedOrder:
    """A sales order the shop exported (``POST /api/v1/sales-orders``), once per idempotency key."""

    key: str
    erp_order_id: str
    content_type: str
    body: str
    posts: int = 1  # how often it was sent (a retried send counts, and is not a new order)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "erp_order_id": self.erp_order_id,
            "content_type": self.content_type,
            "body": self.body,
            "posts": self.posts,
        }


@dataclass
class Simulator:
    """The ERP's state: catalogue, quota counter, faults and change sets."""

    config: SimulatorConfig
    clock: Callable[[], float] = time.time
    catalogue: Catalogue = field(init=False)
    quota: QuotaCounter = field(init=False)
    faults: Faults = field(default_factory=Faults)
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    received: dict[str, ReceivedOrder] = field(default_factory=dict)  # exported orders by idempotency key
    notifications: list[dict[str, Any]] = field(default_factory=list)  # webhook posts (the shop's order notices)
    client: httpx.AsyncClient | None = None
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def __post_init__(self) -> None:
        c = self.config
        self.catalogue = Catalogue(c.seed, c.customers, c.products, c.orders, c.order_numbers)
        self.quota = QuotaCounter(parse_windows(c.quota))

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def receive_order(self, key: str, content_type: str, body: str) -> tuple[ReceivedOrder, bool]:
        """An exported order: (its record, whether this key was seen before and so is not a new order)."""
        known = self.received.get(key)
        if known is not None:
            known.posts += 1
            return known, True
        order = ReceivedOrder(key, f"ERP-{len(self.received) + 1:06d}", content_type, body)
        self.received[key] = order
        return order, False

    async def change(
        self, entity: EntityType, ids: list[str] | None = None, count: int = 1, wait: bool = True
    ) -> tuple[list[str], Delivery | None]:
        """Change entities and post their change set (awaiting the first attempt when ``wait``)."""
        changed = self.catalogue.change(entity, self.now(), ids, count)
        if not changed:
            return changed, None
        number = len(self.deliveries) + 1
        change_set = ChangeSet(
            id=f"CS{self.config.seed:03d}-{number:06d}", entity_type=entity, entity_ids=changed, created_at=self.now()
        )
        delivery = Delivery(change_set)
        self.deliveries[change_set.id] = delivery
        if self.config.webhook_url:
            if wait and await self.deliver(delivery):
                return changed, delivery
            self._spawn(self._deliver_with_retries(delivery, first_done=wait))
        return changed, delivery

    async def deliver(self, delivery: Delivery) -> bool:
        """One signed post of the change set to the webhook; True on a 2xx answer."""
        assert self.config.webhook_url is not None
        body = delivery.change_set.model_dump_json().encode()
        headers = {"Content-Type": "application/json"}
        if self.config.webhook_secret:
            headers.update(signed_headers(self.config.webhook_secret, body, self.clock()))
        delivery.attempts += 1
        client = self.client or httpx.AsyncClient(timeout=10.0)
        try:
            response = await client.post(self.config.webhook_url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            delivery.last_error = f"{type(exc).__name__}: {exc}"
            return False
        finally:
            if client is not self.client:
                await client.aclose()
        if response.is_success:
            delivery.delivered, delivery.last_error = True, None
            return True
        delivery.last_error = f"HTTP {response.status_code}"
        return False

    async def _deliver_with_retries(self, delivery: Delivery, first_done: bool) -> None:
        delays = DELIVERY_DELAYS if first_done else (0.0, *DELIVERY_DELAYS)
        for delay in delays:
            await asyncio.sleep(delay)
            if await self.deliver(delivery):
                return
        log.warning(
            "change set %s undelivered after %d attempts: %s",
            delivery.change_set.id,
            delivery.attempts,
            delivery.last_error,
        )

    async def run_schedule(self) -> None:
        """Every ``change_every`` seconds, change ``change_count`` entities of a type picked by weight."""
        rng = self.catalogue.change_random
        kinds = [entity for entity, weight in SCHEDULE_WEIGHTS for _ in range(weight)]
        while True:
            await asyncio.sleep(self.config.change_every)
            entity = rng.choice(kinds)
            try:
                await self.change(entity, count=self.config.change_count, wait=False)
            except Exception:  # a bad change must not end the schedule
                log.exception("scheduled change of %s failed", entity)

    def _spawn(self, work: Awaitable[Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _json(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(content=to_json(content), status_code=status, media_type="application/json", headers=headers)


def _problem(status: int, detail: str, **extra: Any) -> Response:
    return _json({"detail": detail, **extra}, status)


class ChangeRequest(BaseModel):
    entity_type: EntityType
    ids: list[str] | None = None
    count: int = Field(default=1, ge=1, le=100000)
    wait: bool = True


class QuotaRequest(BaseModel):
    quota: str


class FaultRequest(BaseModel):
    fail: int = Field(default=0, ge=0)
    status: int = Field(default=500, ge=400, le=599)
    delay: int = Field(default=0, ge=0)
    seconds: float = Field(default=0.0, ge=0)


class OrderRequest(BaseModel):
    order_no: str
    lines: list[FulfillmentLine]


def create_app(simulator: Simulator | SimulatorConfig | None = None) -> FastAPI:
    """The ASGI app around ``simulator`` (a new one from a config, or the default config)."""
    sim = simulator if isinstance(simulator, Simulator) else Simulator(simulator or SimulatorConfig())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        sim.client = httpx.AsyncClient(timeout=10.0)
        if sim.config.change_every > 0:
            sim._spawn(sim.run_schedule())
        try:
            yield
        finally:
            await sim.stop()
            await sim.client.aclose()
            sim.client = None

    app = FastAPI(title="ERP simulator", version="1", lifespan=lifespan)
    app.state.simulator = sim

    @app.middleware("http")
    async def gate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """API key, quota and injected faults for /api; /admin passes."""
        if not request.url.path.startswith("/api/"):
            return await call_next(request)
        key = sim.config.api_key
        if key and request.headers.get(API_KEY_HEADER) != key:
            return _problem(401, "missing or wrong API key")
        wait = sim.quota.admit(sim.clock())
        if wait is not None:
            return _json(
                {"detail": "quota exceeded", "retry_after": round(wait, 3)},
                429,
                {"Retry-After": retry_after_header(wait)},
            )
        faults = sim.faults
        if faults.fail > 0:
            faults.fail -= 1
            storm = {"Retry-After": "1"} if faults.status == 429 else None  # an injected 429 says when, as real ones
            return _json({"detail": "injected failure"}, faults.status, storm)
        if faults.delay > 0:
            faults.delay -= 1
            await asyncio.sleep(faults.seconds)
        return await call_next(request)

    _api_routes(app, sim)
    _admin_routes(app, sim)
    return app


def _page(stamps: dict[str, datetime], since: datetime | None, cursor: str | None, limit: int) -> dict[str, Any]:
    """Keyset paging by id: stable while entities change (a changed one shows up again under ``since``)."""
    ids = sorted(key for key, stamp in stamps.items() if since is None or stamp >= since)
    total = len(ids)
    if cursor is not None:
        ids = [key for key in ids if key > cursor]
    page = ids[:limit]
    more = len(ids) > limit
    return {"ids": page, "next_cursor": page[-1] if more else None, "total": total}


def _lister(sim: Simulator, entity: EntityType) -> Callable[..., Awaitable[Response]]:
    async def list_ids(
        updated_since: datetime | None = None,
        cursor: str | None = None,
        limit: int = Query(default=100, ge=1, le=1000),
    ) -> Response:
        since = None if updated_since is None else as_utc(updated_since)
        return _json(_page(sim.catalogue.stamps(entity), since, cursor, limit))

    return list_ids


def _getter(label: str, holder: Callable[[], dict[str, Any]]) -> Callable[..., Awaitable[Response]]:
    async def one(key: str) -> Response:
        found = holder().get(key)
        return _problem(404, f"{label} {key} not found") if found is None else _json(found)

    return one


def _api_routes(app: FastAPI, sim: Simulator) -> None:
    cat = sim.catalogue
    lists = (
        ("customers", EntityType.CUSTOMER),
        ("attributes", EntityType.ATTRIBUTE),
        ("price-groups", EntityType.PRICE_GROUP),
        ("products", EntityType.PRODUCT),
        ("orders", EntityType.FULFILLMENT),
    )
    for collection, entity in lists:
        app.add_api_route(f"/api/v1/{collection}", _lister(sim, entity), methods=["GET"], name=f"list {collection}")
    singles: tuple[tuple[str, str, Callable[[], dict[str, Any]]], ...] = (
        ("customers", "customer", lambda: cat.customers),
        ("attributes", "attribute", lambda: cat.attributes),
        ("price-groups", "price group", lambda: cat.price_groups),
        ("products", "product", lambda: cat.products),
    )
    for collection, label, holder in singles:
        app.add_api_route(f"/api/v1/{collection}/{{key}}", _getter(label, holder), methods=["GET"], name=f"get {label}")

    @app.get("/api/v1/orders/{order_no}/fulfillments")
    async def fulfillments(order_no: str) -> Response:
        order = cat.orders.get(order_no)
        if order is None:
            return _problem(404, f"order {order_no} not found")
        return _json({"order_no": order_no, "fulfillments": order.fulfillments})

    @app.post("/api/v1/sales-orders")
    async def receive_order(request: Request) -> Response:
        """An order export: answered with the ERP's order id; the same Idempotency-Key gets the same id."""
        key = request.headers.get("Idempotency-Key")
        if not key:
            return _problem(400, "missing Idempotency-Key header")
        body = (await request.body()).decode("utf-8", "replace")
        order, duplicate = sim.receive_order(key, request.headers.get("Content-Type", ""), body)
        return _json({"erp_order_id": order.erp_order_id, "duplicate": duplicate}, 200 if duplicate else 201)

    @app.get("/api/v1/soap/orders")
    async def soap_wsdl(request: Request) -> Response:
        """The WSDL of the SOAP order endpoint (``?wsdl`` or not)."""
        return Response(soap.wsdl(str(request.url.replace(query=None))), media_type="text/xml")

    @app.post("/api/v1/soap/orders")
    async def soap_place_order(request: Request) -> Response:
        """``PlaceOrder`` over SOAP: the same order book and idempotency as the REST route."""
        try:
            _, key, document = soap.parse_place_order(await request.body())
        except soap.SoapRequestError as exc:
            return Response(soap.fault(str(exc)), status_code=500, media_type="text/xml")
        order, _ = sim.receive_order(key, "application/soap+xml", document)
        return Response(soap.place_order_response(order.erp_order_id), media_type="text/xml")

    @app.post("/api/v1/notifications")
    async def notification(request: Request) -> Response:
        """A webhook post, kept as it came (with its Idempotency-Key) for tests to read."""
        sim.notifications.append({"key": request.headers.get("Idempotency-Key"), "body": await request.json()})
        return _json({"received": len(sim.notifications)}, 202)

    @app.get("/api/v1/outlets")
    async def outlets() -> Response:
        return _json({"outlets": cat.outlets})

    @app.post("/api/v1/change-sets/{change_set_id}/acknowledge")
    async def acknowledge(change_set_id: str) -> Response:
        delivery = sim.deliveries.get(change_set_id)
        if delivery is None:
            return _problem(404, f"change set {change_set_id} not found")
        if delivery.acknowledged_at is None:
            delivery.acknowledged_at = sim.now()
        return _json(delivery.as_dict())


def _admin_routes(app: FastAPI, sim: Simulator) -> None:
    cat = sim.catalogue

    @app.get("/admin/health")
    async def health() -> Response:
        return _json({"ok": True, "seed": sim.config.seed})

    @app.get("/admin/stats")
    async def stats(history: bool = False) -> Response:
        return _json(sim.quota.stats(history))

    @app.post("/admin/stats/reset")
    async def reset_stats() -> Response:
        sim.quota.configure(sim.quota.quota)
        return _json(sim.quota.stats())

    @app.put("/admin/quota")
    async def set_quota(body: QuotaRequest) -> Response:
        try:
            windows = parse_windows(body.quota)
        except ValueError as exc:
            return _problem(400, str(exc))
        sim.quota.configure(windows)
        return _json(sim.quota.stats())

    @app.post("/admin/faults")
    async def set_faults(body: FaultRequest) -> Response:
        sim.faults = Faults(body.fail, body.status, body.delay, body.seconds)
        return _json(body)

    @app.post("/admin/change")
    async def change(body: ChangeRequest) -> Response:
        stamps = cat.stamps(body.entity_type) if body.entity_type is not EntityType.FULFILLMENT else cat.orders
        unknown = [key for key in body.ids or [] if key not in stamps]
        if unknown:
            return _problem(404, f"unknown {body.entity_type.value} id(s): {', '.join(unknown)}")
        changed, delivery = await sim.change(body.entity_type, body.ids, body.count, body.wait)
        return _json({"changed": changed, "change_set": None if delivery is None else delivery.as_dict()})

    @app.get("/admin/change-sets")
    async def change_sets() -> Response:
        return _json([delivery.as_dict() for delivery in sim.deliveries.values()])

    @app.get("/admin/orders")
    async def orders() -> Response:
        return _json(
            [
                {"order_no": o.order_no, "lines": o.lines, "fulfillments": o.fulfillments, "remaining": o.remaining()}
                for o in cat.orders.values()
            ]
        )

    @app.post("/admin/orders")
    async def add_order(body: OrderRequest) -> Response:
        if body.order_no in cat.orders:
            return _problem(409, f"order {body.order_no} exists")
        try:
            cat.add_order(body.order_no, body.lines, sim.now())
        except ValueError as exc:
            return _problem(400, str(exc))
        return _json({"order_no": body.order_no}, 201)

    @app.get("/admin/notifications")
    async def notifications() -> Response:
        return _json(sim.notifications)

    @app.get("/admin/sales-orders")
    async def received_orders() -> Response:
        return _json([order.as_dict() for order in sim.received.values()])

    @app.get("/admin/export/{entity_type}")
    async def export(entity_type: EntityType) -> Response:
        items: dict[EntityType, Any] = {
            EntityType.CUSTOMER: cat.customers,
            EntityType.ATTRIBUTE: cat.attributes,
            EntityType.PRICE_GROUP: cat.price_groups,
            EntityType.PRODUCT: cat.products,
        }
        if entity_type is EntityType.FULFILLMENT:
            return _json([f for order in cat.orders.values() for f in order.fulfillments])
        return _json(list(items[entity_type].values()))

    @app.get("/admin/outlets")
    async def admin_outlets() -> Response:
        return _json(cat.outlets)
