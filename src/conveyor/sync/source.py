"""The ``Source`` port: what Conveyor asks of a system of record, whatever its protocol.

Implementations register under the ``conveyor.sources`` entry-point group as a class (or any object) with
``from_settings(settings) -> Source``; ``load_source`` picks one by the ``CONVEYOR_SOURCE`` name, so a user
adds a source without forking. Every call may raise the errors of ``conveyor.sync.errors``.

Every call a source makes goes through the one rate limiter shared by all workers on all machines: a factory gets
the hooks from ``source_throttle(settings)`` (``HttpSource.from_settings`` does), which waits for a slot before each
request and, after a 429, holds every worker for the Retry-After.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import Protocol, cast, runtime_checkable

from conveyor.plugins import SOURCES, default_plugins
from conveyor.settings import Settings, settings_or_default
from conveyor.sync.limiter import SourceThrottle, shared_limiter
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

ENTRY_POINT_GROUP = SOURCES


@runtime_checkable
class Source(Protocol):
    """Fetch entities by id, list ids page by page (all, or changed since a time), acknowledge change sets."""

    def fetch_customer(self, customer_no: str) -> Customer: ...

    def fetch_attribute(self, code: str) -> Attribute: ...

    def fetch_price_group(self, code: str) -> PriceGroup: ...

    def fetch_product(self, product_no: str) -> Product: ...

    def fetch_fulfillments(self, order_no: str) -> list[Fulfillment]:
        """Every fulfilment of the order so far (an empty list when nothing has shipped)."""
        ...

    def list_outlets(self) -> list[Outlet]:
        """Every outlet stock and outlet prices refer to (few: one call)."""
        ...

    def list_ids(
        self,
        entity: EntityType,
        *,
        since: datetime | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> IdPage:
        """One page of ids of ``entity`` (changed at or after ``since``); pass ``next_cursor`` for the next.

        For fulfilments the ids are order numbers whose fulfilments changed.
        """
        ...

    def acknowledge(self, change_set_id: str) -> None:
        """Tell the source that every entity of the change set is synced."""
        ...

    def close(self) -> None: ...


class SourceFactory(Protocol):
    """What an entry point of ``conveyor.sources`` loads to."""

    def from_settings(self, settings: Settings) -> Source: ...


def source_throttle(settings: Settings) -> SourceThrottle | None:
    """The shared limiter's hooks for the source of ``settings`` (None when ``CONVEYOR_RATE_LIMIT_ENABLED`` is off).

    Nothing is opened yet: the process's limiter is opened by the first request (one per process, reused by every
    source built from the same settings).
    """
    if not settings.rate_limit_enabled:
        return None
    return SourceThrottle(settings.rate_limit_name, partial(shared_limiter, settings))


def available_sources() -> list[str]:
    """Names registered in the ``conveyor.sources`` group."""
    return default_plugins().sources.names()


def load_source(settings: Settings | None = None, name: str | None = None) -> Source:
    """The source named ``name`` (default: ``settings.source``), built from ``settings``."""
    settings = settings_or_default(settings)
    wanted = name or settings.source
    factory = cast(SourceFactory, default_plugins().sources.load(wanted))  # the group checked from_settings
    return factory.from_settings(settings)


def iter_pages(
    source: Source,
    entity: EntityType,
    *,
    since: datetime | None = None,
    limit: int = 100,
    call: Callable[[Callable[[], IdPage]], IdPage] | None = None,
) -> Iterator[IdPage]:
    """Every page of ids, following the cursors; ``call`` runs each listing (``Patience`` asks again after a 429)."""
    cursor: str | None = None
    while True:
        listing = partial(source.list_ids, entity, since=since, cursor=cursor, limit=limit)
        page = listing() if call is None else call(listing)
        yield page
        if page.next_cursor is None or not page.ids:
            return
        cursor = page.next_cursor
