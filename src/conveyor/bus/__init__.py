"""The command bus: commands, handlers, middleware, queued commands, the sync log.

Other packages use this surface only::

    from conveyor.bus import Command, Context, handles, create_bus

    class SyncCustomer(Command):
        entity_type: ClassVar[str] = "customer"
        entity_key: ClassVar[str] = "customer_id"
        customer_id: str

    @handles(SyncCustomer, queue="customers")      # one handler per command; queued on "customers"
    def sync_customer(command: SyncCustomer, context: Context) -> None:
        context.conn.execute(...)                 # one transaction per command

    bus = create_bus()
    bus.handle(SyncCustomer(customer_id="42"))                 # queued (as registered)
    bus.handle(SyncCustomer(customer_id="42"), mode="inline")  # forced inline: Result, or the handler's error

* ``Command`` (a frozen pydantic model), ``Skipped`` (nothing to do), ``TransientError`` / ``is_transient_error``
  (retry classification);
* ``Registry``, ``registry``, ``handles``, ``default_registry``, ``CommandSpec``, ``DEFAULT_QUEUES``; entry points
  ``conveyor.commands``;
* ``CommandBus`` (``handle``, ``enqueue``, ``consume``), ``create_bus``, ``Context``, ``Result``;
* ``bus_topology``, ``with_commands``, ``builtin_topology``, ``queue_name``;
* ``sync_log`` (``entries``, ``prune``), ``Outcome``.

Names are imported on first use, so that ``conveyor.schema`` (which imports ``conveyor.bus.schema``) stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conveyor.bus import sync_log
    from conveyor.bus.bus import CommandBus, NotQueuedError, create_bus
    from conveyor.bus.command import Command, Skipped, TransientError, is_transient_error, new_correlation_id
    from conveyor.bus.context import Call, Context, Mode, Result
    from conveyor.bus.middleware import CorrelationFilter, Metrics, Middleware, current_correlation_id
    from conveyor.bus.registry import (
        DEFAULT_QUEUES,
        CommandSpec,
        RegistrationError,
        Registry,
        UnknownCommandError,
        default_registry,
        handles,
        registry,
    )
    from conveyor.bus.schema import Outcome
    from conveyor.bus.topology import builtin_topology, bus_topology, queue_name, with_commands

_EXPORTS = {
    "sync_log": "conveyor.bus.sync_log",
    "CommandBus": "conveyor.bus.bus",
    "NotQueuedError": "conveyor.bus.bus",
    "create_bus": "conveyor.bus.bus",
    "Command": "conveyor.bus.command",
    "Skipped": "conveyor.bus.command",
    "TransientError": "conveyor.bus.command",
    "is_transient_error": "conveyor.bus.command",
    "new_correlation_id": "conveyor.bus.command",
    "Call": "conveyor.bus.context",
    "Context": "conveyor.bus.context",
    "Mode": "conveyor.bus.context",
    "Result": "conveyor.bus.context",
    "CorrelationFilter": "conveyor.bus.middleware",
    "Metrics": "conveyor.bus.middleware",
    "Middleware": "conveyor.bus.middleware",
    "current_correlation_id": "conveyor.bus.middleware",
    "DEFAULT_QUEUES": "conveyor.bus.registry",
    "CommandSpec": "conveyor.bus.registry",
    "RegistrationError": "conveyor.bus.registry",
    "Registry": "conveyor.bus.registry",
    "UnknownCommandError": "conveyor.bus.registry",
    "default_registry": "conveyor.bus.registry",
    "handles": "conveyor.bus.registry",
    "registry": "conveyor.bus.registry",
    "Outcome": "conveyor.bus.schema",
    "builtin_topology": "conveyor.bus.topology",
    "bus_topology": "conveyor.bus.topology",
    "queue_name": "conveyor.bus.topology",
    "with_commands": "conveyor.bus.topology",
}

__all__ = [
    "DEFAULT_QUEUES",
    "Call",
    "Command",
    "CommandBus",
    "CommandSpec",
    "Context",
    "CorrelationFilter",
    "Metrics",
    "Middleware",
    "Mode",
    "NotQueuedError",
    "Outcome",
    "RegistrationError",
    "Registry",
    "Result",
    "Skipped",
    "TransientError",
    "UnknownCommandError",
    "builtin_topology",
    "bus_topology",
    "create_bus",
    "current_correlation_id",
    "default_registry",
    "handles",
    "is_transient_error",
    "new_correlation_id",
    "queue_name",
    "registry",
    "sync_log",
    "with_commands",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'conveyor.bus' has no attribute {name!r}")
    if name == "sync_log":
        return importlib.import_module(module)
    return getattr(importlib.import_module(module), name)
