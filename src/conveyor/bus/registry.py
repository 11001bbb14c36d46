"""Registration in one place: which handler runs a command, and whether (and on which queue) it is queued.

Every command type has exactly one handler. Register with the decorator of the default registry::

    from conveyor.bus import Command, Context, handles

    @handles(SyncCustomer, queue="customers")          # queued by default, on the "customers" queue
    def sync_customer(command: SyncCustomer, context: Context) -> None:
        ...context.conn...                             # the command's transaction

``queue=`` alone makes the command queued by default; ``queued=False`` keeps it inline by default while allowing
``mode="queue"`` (the CLI's ``--queue``). A package registers its commands where Conveyor finds them without
importing it by hand: an entry point in the ``conveyor.commands`` group naming a module (imported: its
decorators run) or a function ``register(registry)``.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from conveyor.bus.command import Command
from conveyor.plugins import COMMANDS, Plugins, default_plugins

if TYPE_CHECKING:
    from conveyor.bus.context import Context

C = TypeVar("C", bound=Command)
R = TypeVar("R")

ENTRY_POINTS = COMMANDS
# the queues of the issue, in dependency order (what `bus consume --priority` drains first: price groups and
# attributes before the customers and products that use them, fulfilments of orders last); any other name works
# too (its queue joins the built-in topology, after these)
DEFAULT_QUEUES = ("price-groups", "attributes", "customers", "payments", "products", "fulfillments")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*")
_QUEUE = re.compile(r"[a-z0-9][a-z0-9_-]*")


class RegistrationError(ValueError):
    """A second handler for a command, a name taken twice, or a malformed name."""


class UnknownCommandError(LookupError):
    """No handler is registered for this command (type or name)."""


@dataclass(frozen=True)
class CommandSpec:
    """A registered command type: its name, its handler and its queue."""

    name: str
    command_type: type[Command]
    handler: Callable[[Any, Context], object]
    queue: str | None = None
    queued: bool = False  # the default mode when the caller does not force one

    @property
    def topic(self) -> str | None:
        """The topic a queued command is published on: ``command.<queue>.<name>``."""
        return f"command.{self.queue}.{self.name}" if self.queue else None

    @property
    def handler_name(self) -> str:
        module = getattr(self.handler, "__module__", None) or "?"
        return f"{module}:{getattr(self.handler, '__qualname__', repr(self.handler))}"

    @property
    def type_name(self) -> str:
        return f"{self.command_type.__module__}:{self.command_type.__qualname__}"


def default_name(command_type: type[Command]) -> str:
    """``SyncPriceGroup`` → ``sync-price-group``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", command_type.__name__).lower()


class Registry:
    """Command types and their handlers, by type and by name."""

    def __init__(self) -> None:
        self._by_type: dict[type[Command], CommandSpec] = {}
        self._by_name: dict[str, CommandSpec] = {}
        self._plugins_loaded = False

    def register(
        self,
        command_type: type[C],
        handler: Callable[[C, Context], object],
        *,
        name: str | None = None,
        queue: str | None = None,
        queued: bool | None = None,
    ) -> CommandSpec:
        """Register ``handler`` as the one handler of ``command_type``; returns the spec."""
        if not (isinstance(command_type, type) and issubclass(command_type, Command)):
            raise RegistrationError(f"{command_type!r} is not a subclass of conveyor.bus.Command")
        name = name or default_name(command_type)
        if not _NAME.fullmatch(name):
            raise RegistrationError(f"command name {name!r}: use lower-case words of a-z, 0-9, - and _, joined by dots")
        if queue is not None and not _QUEUE.fullmatch(queue):
            raise RegistrationError(f"queue name {queue!r}: use one lower-case word of a-z, 0-9, - and _")
        if queued and queue is None:
            raise RegistrationError(f"command {name!r} is queued but names no queue")
        existing = self._by_type.get(command_type)
        if existing is not None:
            raise RegistrationError(
                f"{command_type.__qualname__} already has a handler ({existing.handler_name});"
                " a command has exactly one"
            )
        if name in self._by_name:
            raise RegistrationError(f"command name {name!r} is taken by {self._by_name[name].type_name}")
        spec = CommandSpec(name, command_type, handler, queue, queue is not None if queued is None else queued)
        self._by_type[command_type] = spec
        self._by_name[name] = spec
        return spec

    def handler(
        self,
        command_type: type[C],
        *,
        name: str | None = None,
        queue: str | None = None,
        queued: bool | None = None,
    ) -> Callable[[Callable[[C, Context], R]], Callable[[C, Context], R]]:
        """Decorator form of ``register``: ``@registry.handler(SyncCustomer, queue="customers")``."""

        def decorate(function: Callable[[C, Context], R]) -> Callable[[C, Context], R]:
            self.register(command_type, function, name=name, queue=queue, queued=queued)
            return function

        return decorate

    def unregister(self, command_type: type[Command]) -> None:
        """Forget a command type (tests, plugins reloading)."""
        spec = self._by_type.pop(command_type, None)
        if spec is not None:
            del self._by_name[spec.name]

    def spec(self, command: Command | type[Command]) -> CommandSpec:
        command_type = command if isinstance(command, type) else type(command)
        spec = self._by_type.get(command_type)
        if spec is None:
            raise UnknownCommandError(f"no handler is registered for {command_type.__qualname__}")
        return spec

    def named(self, name: str) -> CommandSpec:
        spec = self._by_name.get(name)
        if spec is None:
            raise UnknownCommandError(f"no command named {name!r} is registered")
        return spec

    def queues(self) -> list[str]:
        """The queue names registered commands use, sorted."""
        return sorted({s.queue for s in self._by_type.values() if s.queue})

    def __iter__(self) -> Iterator[CommandSpec]:
        return iter(sorted(self._by_name.values(), key=lambda s: s.name))

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, command_type: object) -> bool:
        return command_type in self._by_type

    def load_plugins(self, plugins: Plugins | None = None) -> Registry:
        """Load the ``conveyor.commands`` plug-ins once (modules register on import; functions get us)."""
        if self._plugins_loaded:
            return self
        self._plugins_loaded = True
        for loaded in (plugins or default_plugins()).commands.load_all().values():
            if not isinstance(loaded, types.ModuleType):
                loaded(self)
        return self


registry = Registry()
handles = registry.handler


def default_registry() -> Registry:
    """The process-wide registry with every installed package's commands."""
    return registry.load_plugins()
