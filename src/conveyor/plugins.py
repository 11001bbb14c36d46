"""Every plug-in Conveyor loads, in one typed registry over the entry-point groups.

A plug-in is an entry point of an installed distribution (built-ins are declared once, in ``pyproject.toml``)
or an object registered in code (tests, an embedding application). This is the only module that reads entry
points, so a missing or broken plug-in fails the same way everywhere: a ``PluginError`` naming the group, the
plug-in and the cause.

It sits at the bottom layer, beside ``conveyor.settings``: it imports no feature package, so the kinds below are
structural (a callable, a class, a module); each feature narrows what it loads to its own interface.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any, Generic, Protocol, TypeVar, cast

T = TypeVar("T")

TRANSPORTS = "conveyor.transports"
TOPOLOGIES = "conveyor.topologies"
IMPORTERS = "conveyor.importers"
CONVERTERS = "conveyor.import_converters"
OBSERVERS = "conveyor.import_observers"
EXECUTORS = "conveyor.pipeline_executors"
CONDITIONS = "conveyor.pipeline_conditions"
FETCHERS = "conveyor.pipeline_fetchers"
PIPELINES = "conveyor.pipelines"
COMMANDS = "conveyor.commands"
SOURCES = "conveyor.sources"
SYNC_APPLIERS = "conveyor.sync_appliers"
ORDER_FORMATS = "conveyor.order_formats"
CHANNELS = "conveyor.order_channels"

# The kinds, as far as they can be said without importing the features that define them.
TransportFactory = Callable[..., object]  # (url, *, connection, settings) -> a conveyor.mq Transport
TopologyFactory = Callable[..., object]  # (settings | None) -> a conveyor.mq Topology
ConverterFactory = Callable[[Mapping[str, Any]], Callable[[str], str]]  # profile options -> value converter
ObserverFactory = Callable[[Mapping[str, Any]], Callable[[dict[str, str]], None]]  # options -> row observer
Factory = Callable[[], object]  # executors, conditions, data fetchers: a no-argument class or factory
DefinitionsFactory = Callable[[], Iterable[object]]  # () -> pipeline definitions (objects or YAML-shaped mappings)
CommandsPlugin = ModuleType | Callable[..., object]  # a module registering on import, or register(registry)
SyncApplier = Callable[..., object]  # (connection, fetched entities, *, events) -> store ids: a package above sync


class EntryPointLike(Protocol):
    """What a group reads: ``importlib.metadata.EntryPoint``, or anything with a name and a ``load``."""

    @property
    def name(self) -> str: ...

    def load(self) -> object: ...


Discover = Callable[[str], Iterable[EntryPointLike]]


class PluginError(LookupError, ValueError):
    """A plug-in that is missing, cannot be loaded, or is not of its group's kind.

    A ``LookupError`` (a name nothing provides) and a ``ValueError`` (a configuration naming it is wrong), so
    callers that reported either keep reporting this one.
    """

    def __init__(self, group: str, name: str, cause: str, kind: str = "plug-in", message: str | None = None) -> None:
        self.group, self.name, self.cause, self.kind = group, name, cause, kind
        super().__init__(message or f"{kind} {name!r} (plug-in group {group}): {cause}")

    @classmethod
    def missing(cls, group: str, name: str, known: Iterable[str], kind: str = "plug-in") -> PluginError:
        """No plug-in of that name: ``unknown converter 'x': no plug-in named 'x' in group …; known: a, b``."""
        error = cls(
            group, name, f"no plug-in named {name!r} in group {group}; known: {', '.join(known) or 'none'}", kind
        )
        error.args = (f"unknown {kind} {name!r}: {error.cause}",)
        return error


def _installed(group: str) -> Iterable[EntryPointLike]:
    return entry_points(group=group)


class _Value:
    """A code-registered object, looking like an entry point that loads it."""

    def __init__(self, name: str, value: object) -> None:
        self.name, self.value = name, value

    def load(self) -> object:
        return self.value


def callable_kind(value: object) -> str | None:
    return None if callable(value) else f"is a {type(value).__name__}, not callable"


def class_kind(value: object) -> str | None:
    return None if isinstance(value, type) else f"is a {type(value).__name__}, not a class"


def module_or_callable_kind(value: object) -> str | None:
    return None if isinstance(value, ModuleType) or callable(value) else callable_kind(value)


def any_kind(value: object) -> str | None:
    return None


def has_from_settings(value: object) -> str | None:
    return None if callable(getattr(value, "from_settings", None)) else f"{value!r} has no from_settings()"


class GroupView(Protocol):
    """Any group, whatever its kind: what listing every group needs."""

    group: str
    kind: str

    def names(self) -> list[str]: ...

    def load_all(self) -> Mapping[str, object]: ...


class PluginGroup(Generic[T]):
    """The plug-ins of one entry-point group: names, and objects loaded once and cached.

    ``register`` provides a name in code; it wins over an installed entry point of the same name.
    """

    def __init__(
        self, group: str, kind: str, check: Callable[[object], str | None], discover: Discover = _installed
    ) -> None:
        self.group, self.kind = group, kind
        self._check, self._discover = check, discover
        self._installed: dict[str, EntryPointLike] | None = None
        self._registered: dict[str, EntryPointLike] = {}
        self._loaded: dict[str, T] = {}

    def _entries(self) -> dict[str, EntryPointLike]:
        if self._installed is None:
            installed: dict[str, EntryPointLike] = {}
            for entry in self._discover(self.group):
                installed.setdefault(entry.name, entry)  # the first distribution providing a name wins
            self._installed = installed
        return {**self._installed, **self._registered}

    def names(self) -> list[str]:
        return sorted(self._entries())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._entries()

    def register(self, name: str, value: T) -> None:
        """Provide ``name`` in this process (tests, an embedding application) without packaging it."""
        self.register_entry_point(_Value(name, value))

    def register_entry_point(self, entry: EntryPointLike) -> None:
        """Provide ``entry.name``, loaded (and checked) on first use, as an installed entry point would be."""
        self._registered[entry.name] = entry
        self._loaded.pop(entry.name, None)

    def unregister(self, name: str) -> None:
        """Forget a registration made in code (an installed entry point of that name shows again)."""
        self._registered.pop(name, None)
        self._loaded.pop(name, None)

    def load(self, name: str) -> T:
        """The object ``name`` provides; PluginError if none does, it cannot be loaded or is not of the kind."""
        if name in self._loaded:
            return self._loaded[name]
        entry = self._entries().get(name)
        if entry is None:
            raise PluginError.missing(self.group, name, self.names(), self.kind)
        try:
            value: object = entry.load()
        except Exception as error:
            target = getattr(entry, "value", None)
            where = f" {target!r}" if isinstance(target, str) else ""
            raise PluginError(
                self.group, name, f"cannot load{where}: {type(error).__name__}: {error}", self.kind
            ) from error
        problem = self._check(value)
        if problem is not None:
            raise PluginError(self.group, name, problem, self.kind)
        loaded = cast(T, value)  # checked above, as far as this layer can tell
        self._loaded[name] = loaded
        return loaded

    def load_all(self) -> dict[str, T]:
        """Every plug-in of the group by name, in name order; the first broken one raises PluginError."""
        return {name: self.load(name) for name in self.names()}


class Plugins:
    """One ``PluginGroup`` per entry-point group, as typed attributes; built by whoever wires the system."""

    def __init__(self, discover: Discover = _installed) -> None:
        d = discover
        self.transports = PluginGroup[TransportFactory](TRANSPORTS, "transport", callable_kind, d)
        self.topologies = PluginGroup[TopologyFactory](TOPOLOGIES, "topology", callable_kind, d)
        self.importers = PluginGroup[type](IMPORTERS, "importer", class_kind, d)
        self.converters = PluginGroup[ConverterFactory](CONVERTERS, "converter", callable_kind, d)
        self.observers = PluginGroup[ObserverFactory](OBSERVERS, "observer", callable_kind, d)
        self.executors = PluginGroup[Factory](EXECUTORS, "executor", callable_kind, d)
        self.conditions = PluginGroup[Factory](CONDITIONS, "condition", callable_kind, d)
        self.fetchers = PluginGroup[Factory](FETCHERS, "data fetcher", callable_kind, d)
        self.pipelines = PluginGroup[DefinitionsFactory](PIPELINES, "pipeline definitions", callable_kind, d)
        self.commands = PluginGroup[CommandsPlugin](COMMANDS, "commands", module_or_callable_kind, d)
        self.sources = PluginGroup[object](SOURCES, "source", has_from_settings, d)
        self.sync_appliers = PluginGroup[SyncApplier](SYNC_APPLIERS, "sync applier", callable_kind, d)
        self.order_formats = PluginGroup[object](ORDER_FORMATS, "order format", any_kind, d)
        self.channels = PluginGroup[object](CHANNELS, "channel", any_kind, d)

    def groups(self) -> list[GroupView]:
        """Every group, e.g. to list what is installed."""
        return [value for value in vars(self).values() if isinstance(value, PluginGroup)]


@lru_cache(maxsize=1)
def default_plugins() -> Plugins:
    """The process's plug-ins (installed entry points, plus what code registers), built once.

    For call sites that have no ``Plugins`` handed to them yet; a composition root builds its own ``Plugins()``.
    """
    return Plugins()


__all__ = [
    "CHANNELS",
    "COMMANDS",
    "CONDITIONS",
    "CONVERTERS",
    "EXECUTORS",
    "FETCHERS",
    "IMPORTERS",
    "OBSERVERS",
    "ORDER_FORMATS",
    "PIPELINES",
    "SOURCES",
    "SYNC_APPLIERS",
    "TOPOLOGIES",
    "TRANSPORTS",
    "EntryPointLike",
    "GroupView",
    "PluginError",
    "PluginGroup",
    "Plugins",
    "default_plugins",
]
