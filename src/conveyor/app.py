"""The composition root: ``App(settings)`` wires the running system once, for whoever runs it.

A process that runs the system builds one App: the CLI's queue, bus and sync commands (``cli.common.opened``), the
API server (``create_api``), each consumer process, the tests that need the wiring. The App owns the
engine, the topology, the ``MessageQueue``, the plug-ins, the command registry and bus, the API's operation
registry, and the built-in consumers' handlers. Each of them is built on first use, so a command that only reads
the queue's counts never imports the REST API's resources.

Packages never import this module (it sits above them all). A package that needs something of the running system
says so with a ``typing.Protocol`` of its own (``conveyor.bulk.BulkHost``, ``conveyor.pipelines.PipelineHost`` …)
and receives the App, which satisfies them all. Topology handler references resolve through ``App.assign``: a
reference to a ``@handler_factory`` is built from this App (see ``conveyor.mq.handlers``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from sqlalchemy.engine import Engine

from conveyor.bus import CommandBus, Registry, default_registry, with_commands
from conveyor.db import get_engine
from conveyor.mq import Assignment, MessageQueue, Topology, assign, load_topology
from conveyor.plugins import Plugins, default_plugins
from conveyor.settings import Settings, get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from conveyor.api import Registry as OperationRegistry
    from conveyor.sync import Source, SyncOptions


class App:
    """The running system of one process, built from one ``Settings``."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        topology_files: Sequence[str | Path] | None = None,
        publishes_operations: bool = False,
        plugins: Plugins | None = None,
    ) -> None:
        """``topology_files`` default to the settings'; ``publishes_operations`` adds a publisher per async topic
        of the API (the API server and ``bulk retry`` publish them; consumers need not import the API for it);
        ``plugins`` default to the installed entry points (tests register extra ones on their own)."""
        self.settings = settings if settings is not None else get_settings()
        self.topology_files = [
            Path(p) for p in (topology_files if topology_files is not None else self.settings.topology_files)
        ]
        self.publishes_operations = publishes_operations
        self.plugins: Plugins = plugins if plugins is not None else default_plugins()

    # -- storage and messaging ----------------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The store's engine (one per URL and process)."""
        return get_engine(self.settings.database_url)

    @cached_property
    def commands(self) -> Registry:
        """Every installed package's commands: the bus's declaration registry, which ``@handles`` fills at import
        like a router's routes, with the ``conveyor.commands`` plug-ins loaded (once per process)."""
        return default_registry()

    @cached_property
    def operations(self) -> OperationRegistry:
        """The REST API's operations, which the async/bulk consumer runs (imports every API resource)."""
        from conveyor.api import default_registry as operation_registry

        return operation_registry()

    @cached_property
    def topology(self) -> Topology:
        """The configured files over the packages' built-in topologies, with the command queues' publishers."""
        topology = load_topology(self.topology_files, builtins=True, settings=self.settings, plugins=self.plugins)
        topology = with_commands(topology, self.commands, self.settings.bus_connection)
        if self.publishes_operations:
            from conveyor.bulk import with_publishers

            topology = with_publishers(topology, self.operations.topics(), self.settings.bulk_connection)
        return topology

    @cached_property
    def mq(self) -> MessageQueue:
        return MessageQueue(self.topology, self.settings)

    @cached_property
    def bus(self) -> CommandBus:
        """The command bus; its handlers reach this App as ``context.host``."""
        return CommandBus(self.mq, self.commands, inline_attempts=self.settings.bus_inline_attempts, host=self)

    # -- sync -----------------------------------------------------------------------------------------------------

    @cached_property
    def sync_source(self) -> Source:
        """The source the settings describe (``CONVEYOR_SOURCE``…), rate-limited; opened on first use."""
        from conveyor.sync import load_source

        return load_source(self.settings)

    @cached_property
    def sync_options(self) -> SyncOptions:
        """How source entities land in the store (website, attribute map, price outlet)."""
        from conveyor.sync import SyncOptions

        return SyncOptions.from_settings(self.settings)

    def assign(self, names: Sequence[str], handler_override: str | None = None) -> list[Assignment]:
        """Consumers (or queues) with their handlers, handler factories built from this App."""
        return assign(self.topology, names, handler_override, host=self)

    # -- serving --------------------------------------------------------------------------------------------------

    def api(self) -> FastAPI:
        """The REST API over this App's store, queue and operations, with the admin UI mounted at ``/admin``.

        This is the one place the two meet: the admin UI sits above the API (it signs in through the API's admin
        authentication), so the API cannot mount it itself."""
        from conveyor.admin import create_admin_app
        from conveyor.api import create_app

        app = create_app(self.settings, registry=self.operations, mq=self.mq, bus=self.bus)
        app.mount("/admin", create_admin_app(self.settings, self.mq, self.bus))
        return app

    # -- lifetime -------------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the source and the transports this App opened (the engine stays, shared per URL in the process)."""
        built = self.__dict__
        if "sync_source" in built:
            built.pop("sync_source").close()
        if "mq" in built:
            built.pop("mq").close()
            built.pop("bus", None)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def create_api() -> FastAPI:
    """``uvicorn conveyor.app:create_api --factory``: one App of the process settings, serving the REST API."""
    return App(publishes_operations=True).api()
