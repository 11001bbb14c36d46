"""Sync commands on the command bus: one command per source entity, queued by default on its entity's queue.

``SyncCustomer(customer_no="C1")`` and its siblings fetch their entity from the source and apply it in the
command's transaction (fetched first: the transaction, and on SQLite the write lock, begins with the first
write). A command from an EDS change set carries its id and settles its item in the same transaction; the one
that completes the set queues ``AcknowledgeChangeSet``, which tells the source.

The source and the mapping options come from the application the bus runs in (``SyncHost``: ``conveyor.app.App``
opens the source its settings describe once, and closes it). Registered through the ``conveyor.commands`` entry
point.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import ClassVar, Protocol, runtime_checkable

from conveyor.bus import Command, CommandBus, Context, is_transient_error
from conveyor.bus.registry import registry
from conveyor.sync import change_sets
from conveyor.sync.handlers import SYNCS
from conveyor.sync.mapping import SyncOptions
from conveyor.sync.models import EntityType, IdPage
from conveyor.sync.schema import PROCESSED
from conveyor.sync.source import Source, iter_pages

ACK_QUEUE = "change-sets"


class SyncCommand(Command):
    """Fetch one entity of ``entity_type`` (id in the field ``entity_key``) and write it into the store."""

    entity_type: ClassVar[str]
    entity_key: ClassVar[str]
    change_set_id: str | None = None  # the EDS change set that asked for it

    @property
    def entity_id(self) -> str:
        return str(getattr(self, type(self).entity_key))


class SyncCustomer(SyncCommand):
    entity_type: ClassVar[str] = EntityType.CUSTOMER.value
    entity_key: ClassVar[str] = "customer_no"
    customer_no: str


class SyncAttribute(SyncCommand):
    entity_type: ClassVar[str] = EntityType.ATTRIBUTE.value
    entity_key: ClassVar[str] = "code"
    code: str


class SyncPriceGroup(SyncCommand):
    entity_type: ClassVar[str] = EntityType.PRICE_GROUP.value
    entity_key: ClassVar[str] = "code"
    code: str


class SyncProduct(SyncCommand):
    entity_type: ClassVar[str] = EntityType.PRODUCT.value
    entity_key: ClassVar[str] = "product_no"
    product_no: str


class SyncFulfillments(SyncCommand):
    entity_type: ClassVar[str] = EntityType.FULFILLMENT.value
    entity_key: ClassVar[str] = "order_no"
    order_no: str


class AcknowledgeChangeSet(Command):
    """Tell the source that a change set is processed (retried by the queue until the source takes it)."""

    entity_type: ClassVar[str] = "change-set"
    entity_key: ClassVar[str] = "change_set_id"
    change_set_id: str


COMMANDS: Mapping[EntityType, type[SyncCommand]] = {
    EntityType.CUSTOMER: SyncCustomer,
    EntityType.ATTRIBUTE: SyncAttribute,
    EntityType.PRICE_GROUP: SyncPriceGroup,
    EntityType.PRODUCT: SyncProduct,
    EntityType.FULFILLMENT: SyncFulfillments,
}
QUEUES: Mapping[EntityType, str] = {
    EntityType.CUSTOMER: "customers",
    EntityType.ATTRIBUTE: "attributes",
    EntityType.PRICE_GROUP: "price-groups",
    EntityType.PRODUCT: "products",
    EntityType.FULFILLMENT: "fulfillments",
}


def command_for(entity: EntityType | str, entity_id: str, change_set_id: str | None = None) -> SyncCommand:
    """The sync command of one entity."""
    command_type = COMMANDS[EntityType(entity)]
    return command_type.model_validate({command_type.entity_key: entity_id, "change_set_id": change_set_id})


def enqueue_all(
    bus: CommandBus,
    source: Source,
    entity: EntityType | str,
    *,
    since: datetime | None = None,
    page_size: int = 100,
    call: Callable[[Callable[[], IdPage]], IdPage] | None = None,
) -> int:
    """Queue one sync command per id the source lists (changed since ``since``), one publish per page; how many."""
    kind = EntityType(entity)
    queued = 0
    for page in iter_pages(source, kind, since=since, limit=page_size, call=call):
        bus.enqueue([command_for(kind, entity_id) for entity_id in page.ids])
        queued += len(page.ids)
    return queued


# -- what the handlers need of the application -------------------------------------------------------------


@runtime_checkable
class SyncHost(Protocol):
    """The running application's source and mapping options (``conveyor.app.App``)."""

    @property
    def sync_source(self) -> Source: ...

    @property
    def sync_options(self) -> SyncOptions: ...


def sync_host(context: Context) -> SyncHost:
    """The application of the bus running this command; a bus built without one cannot sync."""
    host = context.host
    if not isinstance(host, SyncHost):
        raise RuntimeError("sync commands run on an application's bus (conveyor.app.App(...).bus)")
    return host


# -- handlers -------------------------------------------------------------------------------------------------


def handle_sync(command: SyncCommand, context: Context) -> object:
    """Fetch the entity (no transaction yet), apply it, settle its change-set item; the store id(s) it became."""
    entity = EntityType(command.entity_type)
    sync = SYNCS[entity]
    host = sync_host(context)
    source = host.sync_source
    if command.change_set_id is not None:
        context.on_failure(partial(_failed, context, command.change_set_id, command.entity_id))
    fetched = sync.fetch(source, command.entity_id)
    result = sync.apply(context.conn, source, [fetched], host.sync_options, context.transaction)
    settled = None
    if command.change_set_id is not None:
        settled = change_sets.item_done(context.conn, command.change_set_id, command.entity_id)
    if settled == PROCESSED:
        assert command.change_set_id is not None
        context.enqueue(AcknowledgeChangeSet(change_set_id=command.change_set_id))
    return result.get(command.entity_id)


def _failed(context: Context, change_set_id: str, entity_id: str, error: BaseException) -> None:
    final = not is_transient_error(error) or not context.delivered
    change_sets.item_failed(context.bus.mq.engine, change_set_id, entity_id, error, final=final)


def handle_acknowledge(command: AcknowledgeChangeSet, context: Context) -> None:
    """Call the source (no transaction yet), then record the acknowledgement."""
    context.on_failure(partial(_ack_failed, context, command.change_set_id))
    sync_host(context).sync_source.acknowledge(command.change_set_id)
    change_sets.acknowledged(context.conn, command.change_set_id)


def _ack_failed(context: Context, change_set_id: str, error: BaseException) -> None:
    change_sets.acknowledge_failed(context.bus.mq.engine, change_set_id, error)


def register() -> None:
    """Register every sync command with the default registry (idempotent: the entry point may run twice)."""
    for entity, command_type in COMMANDS.items():
        if command_type not in registry:
            registry.register(command_type, handle_sync, name=f"sync.{entity.value}", queue=QUEUES[entity])
    if AcknowledgeChangeSet not in registry:
        registry.register(AcknowledgeChangeSet, handle_acknowledge, name="sync.acknowledge-change-set", queue=ACK_QUEUE)


register()
