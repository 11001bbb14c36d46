"""``HttpSource``: a retail ERP's JSON-over-HTTP API as a ``Source``.

Every request attempt is preceded by a ``before_request`` hook (where the shared rate limiter plugs in without this
class knowing it), is retried with exponential backoff on 5xx answers, timeouts and broken connections, and turns
the other failures into the errors of ``conveyor.sync.errors`` (any 4xx but 429 into an error naming the entity
and id).

A 429 is not a failure and never uses one of the ``retries``. Where a 429 is waited out is decided here, once:

* with an ``on_rate_limited`` hook (what ``from_settings`` wires to the shared limiter), the source reports the
  Retry-After to the hook, which holds every worker on every machine (``Limiter.penalize``), and sends the request
  again once its next ``before_request`` lets it through. The caller never sees the 429, so neither the bus nor a
  bulk run counts it as an attempt. Only a storm outlasting ``rate_limit_patience`` seconds of Retry-After (the
  limiter's ``max_wait``) raises ``RateLimited``, and a limiter that cannot grant a slot within its ``max_wait``
  raises ``RateLimitTimeoutError``: both transient, retried later by the bus;
* without one (a source built by hand, ``CONVEYOR_RATE_LIMIT_ENABLED=false``), a 429 raises ``RateLimited`` at once
  and the caller waits it out (``Patience`` in a bulk run, the bus's retry otherwise).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from conveyor.settings import Settings
from conveyor.sync.errors import (
    EntityNotFoundError,
    RateLimited,
    SourceAuthError,
    SourceDataError,
    SourceRequestError,
    SourceUnavailableError,
)
from conveyor.sync.models import (
    Attribute,
    Customer,
    EntityType,
    Fulfillment,
    IdPage,
    Outlet,
    PriceGroup,
    Product,
)
from conveyor.sync.source import source_throttle

BeforeRequest = Callable[[str, str], None]
"""Called with the method and path before every attempt (retries included): each one counts at the source."""

RateLimitedHook = Callable[[float], None]
"""Called with the seconds a 429 asked to wait; the next ``before_request`` must hold the request until then."""

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# The collection each entity type is listed from; fulfilments are listed by the orders they belong to.
COLLECTIONS: Mapping[EntityType, str] = {
    EntityType.CUSTOMER: "customers",
    EntityType.ATTRIBUTE: "attributes",
    EntityType.PRICE_GROUP: "price-groups",
    EntityType.PRODUCT: "products",
    EntityType.FULFILLMENT: "orders",
}
DEFAULT_RETRY_AFTER = 1.0
MIN_RATE_LIMIT_PAUSE = 0.1  # a 429 with "Retry-After: 0" still pauses, so that a storm cannot become a busy loop
_FULFILLMENTS = TypeAdapter(list[Fulfillment])
_OUTLETS = TypeAdapter(list[Outlet])


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date); None when unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


class HttpSource:
    """The ERP's REST API under ``base_url`` (e.g. ``https://erp.example.com/api/v1``)."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        api_key_header: str = "X-Api-Key",
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        before_request: BeforeRequest | None = None,
        on_rate_limited: RateLimitedHook | None = None,
        rate_limit_patience: float = 300.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": "conveyor-sync"}
        if api_key:
            headers[api_key_header] = api_key
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout, self.retries, self.backoff, self.max_backoff = timeout, retries, backoff, max_backoff
        self.before_request, self.on_rate_limited = before_request, on_rate_limited
        self.rate_limit_patience = rate_limit_patience
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Settings, before_request: BeforeRequest | None = None) -> HttpSource:
        """The source the ``CONVEYOR_SOURCE_*`` settings describe, rate-limited by the process's shared limiter
        (unless ``CONVEYOR_RATE_LIMIT_ENABLED`` is false or a ``before_request`` of the caller's replaces it)."""
        key = settings.source_api_key
        throttle = source_throttle(settings) if before_request is None else None
        return cls(
            settings.source_url,
            api_key=None if key is None else key.get_secret_value(),
            api_key_header=settings.source_api_key_header,
            timeout=settings.source_timeout,
            retries=settings.source_retries,
            backoff=settings.source_backoff,
            before_request=before_request if throttle is None else throttle.before_request,
            on_rate_limited=None if throttle is None else throttle.rate_limited,
            rate_limit_patience=settings.rate_limit_max_wait,
        )

    # -- the Source interface ----------------------------------------------------------------------------

    def fetch_customer(self, customer_no: str) -> Customer:
        return self._one(Customer, "customers", "customer", customer_no)

    def fetch_attribute(self, code: str) -> Attribute:
        return self._one(Attribute, "attributes", "attribute", code)

    def fetch_price_group(self, code: str) -> PriceGroup:
        return self._one(PriceGroup, "price-groups", "price group", code)

    def fetch_product(self, product_no: str) -> Product:
        return self._one(Product, "products", "product", product_no)

    def fetch_fulfillments(self, order_no: str) -> list[Fulfillment]:
        what = f"the fulfilments of order {order_no!r}"
        response = self._request("GET", f"orders/{quote(order_no, safe='')}/fulfillments", what)
        return self._parse(lambda: _FULFILLMENTS.validate_python(self._json(response, what)["fulfillments"]), what)

    def list_outlets(self) -> list[Outlet]:
        response = self._request("GET", "outlets", "the outlets")
        return self._parse(lambda: _OUTLETS.validate_python(self._json(response, "the outlets")["outlets"]), "outlets")

    def list_ids(
        self,
        entity: EntityType,
        *,
        since: datetime | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> IdPage:
        params: dict[str, str | int] = {"limit": limit}
        if since is not None:
            moment = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
            params["updated_since"] = moment.isoformat()
        if cursor is not None:
            params["cursor"] = cursor
        what = f"the {entity.value} ids"
        response = self._request("GET", COLLECTIONS[EntityType(entity)], what, params=params)
        return self._parse(lambda: IdPage.model_validate_json(response.content), what)

    def acknowledge(self, change_set_id: str) -> None:
        what = f"change set {change_set_id!r}"
        self._request("POST", f"change-sets/{quote(change_set_id, safe='')}/acknowledge", what, json={})

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # -- requests ------------------------------------------------------------------------------------------

    def _one(self, model: type[M], collection: str, entity: str, entity_id: str) -> M:
        what = f"{entity} {entity_id!r}"
        response = self._request("GET", f"{collection}/{quote(entity_id, safe='')}", what, entity, entity_id)
        return self._parse(lambda: model.model_validate_json(response.content), what)

    def _request(
        self,
        method: str,
        path: str,
        what: str,
        entity: str | None = None,
        entity_id: str | None = None,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """One answer below 400, after retries on 5xx, timeouts and broken connections; 429s as the module says."""
        failures = 0
        failure = ""
        rate_limited = 0.0  # seconds of Retry-After honoured for this request so far
        while True:
            if self.before_request is not None:
                self.before_request(method, path)
            try:
                response = self._client.request(method, path, params=params, json=json)
            except httpx.TimeoutException:
                failure = f"no answer within {self.timeout:g}s"
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                if status == 429:
                    pause = max(_retry_after(response), MIN_RATE_LIMIT_PAUSE)
                    if self.on_rate_limited is None or rate_limited + pause > self.rate_limit_patience:
                        raise RateLimited(pause, f"{what}: the source's quota is used up (retry after {pause:g}s)")
                    self.on_rate_limited(pause)  # every worker waits; the next before_request holds this one
                    rate_limited += pause
                    continue  # not a failed attempt
                if status < 400:
                    return response
                if status < 500:
                    raise _refused(response, what, entity, entity_id)
                failure = f"HTTP {status} {response.reason_phrase}{_detail(response)}"
            failures += 1
            if failures > self.retries:
                raise SourceUnavailableError(f"{what}: the source failed {failures} time(s), last with {failure}")
            self._sleep(self._delay(failures - 1))

    def _delay(self, attempt: int) -> float:
        """Exponential backoff with jitter, so that many workers do not retry in step."""
        return float(min(self.max_backoff, self.backoff * 2**attempt) * random.uniform(0.5, 1.0))

    @staticmethod
    def _json(response: httpx.Response, what: str) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise SourceDataError(f"{what}: the source's answer is not JSON ({exc})") from exc

    @staticmethod
    def _parse(build: Callable[[], T], what: str) -> T:
        try:
            return build()
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}"
                for error in exc.errors()[:5]
            )
            raise SourceDataError(f"{what}: unexpected answer from the source ({problems})") from exc
        except (KeyError, TypeError) as exc:
            raise SourceDataError(f"{what}: unexpected answer from the source ({type(exc).__name__}: {exc})") from exc


def _detail(response: httpx.Response) -> str:
    """The source's own explanation, if it gave one, short."""
    text = ""
    try:
        body = response.json()
    except ValueError:
        text = response.text
    else:
        if isinstance(body, dict):
            text = str(body.get("detail") or body.get("message") or body.get("error") or "")
        else:
            text = str(body)
    text = " ".join(text.split())
    return f": {text[:200]}" if text else ""


def _retry_after(response: httpx.Response) -> float:
    """The wait a 429 asks for: its Retry-After header, else a ``retry_after`` in its body, else a second."""
    found = parse_retry_after(response.headers.get("Retry-After"))
    return _body_retry_after(response) if found is None else found


def _body_retry_after(response: httpx.Response) -> float:
    try:
        value = float(response.json().get("retry_after"))
    except (ValueError, AttributeError, TypeError):
        return DEFAULT_RETRY_AFTER
    return max(0.0, value) if math.isfinite(value) else DEFAULT_RETRY_AFTER


def _refused(response: httpx.Response, what: str, entity: str | None, entity_id: str | None) -> SourceRequestError:
    status = response.status_code
    detail = _detail(response)
    if status == 404:
        return EntityNotFoundError(f"{what} does not exist at the source (HTTP 404{detail})", status, entity, entity_id)
    if status in (401, 403):
        return SourceAuthError(
            f"{what}: the source rejected the credentials (HTTP {status}{detail}); check CONVEYOR_SOURCE_API_KEY",
            status,
            entity,
            entity_id,
        )
    return SourceRequestError(
        f"{what}: the source refused the request (HTTP {status} {response.reason_phrase}{detail})",
        status,
        entity,
        entity_id,
    )
