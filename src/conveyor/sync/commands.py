"""Sync commands on the command bus: one command per source entity, queued by default on its entity's queue.

``SyncCustomer(customer_no="C1")`` and its siblings fetch their entity from the source and apply it in the
command's transaction (fetched first: the transaction, and on SQLite the write lock, begins with the first
write). A command from an EDS change set carries its id and settles its item in the same transaction; the one
that completes the set queues ``AcknowledgeChangeSet``, which tells the source.

The source is the one the sync settings describe, opened once per process (``command_source``); a test or a
benchmark may hand in another with ``use_source``. Registered through the ``conveyor.commands`` entry point.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import ClassVar

from conveyor.bus import Command, CommandBus, Context, is_transient_error
from conveyor.bus.registry import registry
from conveyor.sync import change_sets
from conveyor.sync.handlers import SYNCS
from conveyor.sync.mapping import SyncOptions
from conveyor.sync.models import EntityType, IdPage
from conveyor.sync.schema import PROCESSED
from conveyor.sync.settings import get_sync_settings
from conveyor.sync.source import Source, iter_pages, load_source

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


# -- the process's source -------------------------------------------------------------------------------------

_lock = threading.Lock()
_source: Source | None = None
_options: SyncOptions | None = None


def command_source() -> Source:
    """The source sync commands fetch from: the sync settings' one, opened on first use."""
    global _source
    with _lock:
        if _source is None:
            _source = load_source(get_sync_settings())
        return _source


def use_source(source: Source | None, options: SyncOptions | None = None) -> None:
    """Make sync commands in this process use ``source`` (None: the settings' one again, opened on next use)."""
    global _source, _options
    with _lock:
        _source, _options = source, options


def close_source() -> None:
    """Close the process's source (it is opened again on next use)."""
    global _source
    with _lock:
        if _source is not None:
            _source.close()
        _source = None


def _sync_options() -> SyncOptions:
    global _options
    if _options is None:
        _options = SyncOptions.from_settings(get_sync_settings())
    return _options


# -- handlers -------------------------------------------------------------------------------------------------


def handle_sync(command: SyncCommand, context: Context) -> object:
    """Fetch the entity (no transaction yet), apply it, settle its change-set item; the store id(s) it became."""
    entity = EntityType(command.entity_type)
    sync = SYNCS[entity]
    source = command_source()
    if command.change_set_id is not None:
        context.on_failure(partial(_failed, context, command.change_set_id, command.entity_id))
    fetched = sync.fetch(source, command.entity_id)
    result = sync.apply(context.conn, source, [fetched], _sync_options())
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
    command_source().acknowledge(command.change_set_id)
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
