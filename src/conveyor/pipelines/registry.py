"""Executors, conditions and data fetchers by name: the pipeline views of the process's plug-in groups.

An entry point names a class (or factory) with a no-argument constructor; its name is the name definitions use
(``executor: cli``, ``conditions: [not_running]``). ``register`` adds or overrides a name in this process
(tests, embedding applications) without packaging. Finding and loading is ``conveyor.plugins``'s; this module
adds what pipelines need on top: a new instance per lookup, since plug-ins may hold state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from conveyor.pipelines.ports import Condition, Executor
from conveyor.plugins import (
    CONDITIONS,
    EXECUTORS,
    FETCHERS,
    Factory,
    PluginError,
    PluginGroup,
    Plugins,
    default_plugins,
)

T = TypeVar("T")

EXECUTORS_GROUP = EXECUTORS
CONDITIONS_GROUP = CONDITIONS
FETCHERS_GROUP = FETCHERS

# The one plug-in error, under the name this package has always raised.
UnknownPluginError = PluginError


class Registry(Generic[T]):
    """Names to factories of one plug-in group, typed as what pipelines expect them to make."""

    def __init__(self, select: Callable[[Plugins], PluginGroup[Factory]], plugins: Plugins | None = None) -> None:
        self._select, self._plugins = select, plugins

    @property
    def group(self) -> PluginGroup[Factory]:
        """The plug-in group: of the ``Plugins`` given, else of the process's (looked up on use, not import)."""
        return self._select(self._plugins or default_plugins())

    @property
    def kind(self) -> str:
        return self.group.kind

    def register(self, name: str, factory: Callable[[], T]) -> None:
        """Provide ``name`` in this process; it wins over an entry point of the same name."""
        self.group.register(name, factory)

    def unregister(self, name: str) -> None:
        self.group.unregister(name)

    def names(self) -> list[str]:
        return self.group.names()

    def __contains__(self, name: object) -> bool:
        return name in self.group

    def factory(self, name: str) -> Callable[[], T]:
        """The class or factory of ``name``; PluginError names the group, the name and what is known."""
        return cast(Callable[[], T], self.group.load(name))

    def create(self, name: str) -> T:
        """A new instance of ``name``."""
        return self.factory(name)()


executors: Registry[Executor] = Registry(lambda plugins: plugins.executors)
conditions: Registry[Condition] = Registry(lambda plugins: plugins.conditions)
fetchers: Registry[Any] = Registry(lambda plugins: plugins.fetchers)


def register_executor(name: str, factory: Callable[[], Executor]) -> None:
    """Make executor ``name`` available in this process (tests, embedding applications)."""
    executors.register(name, factory)


def register_condition(name: str, factory: Callable[[], Condition]) -> None:
    """Make condition ``name`` available in this process."""
    conditions.register(name, factory)


def register_fetcher(name: str, factory: Callable[[], Any]) -> None:
    """Make data fetcher ``name`` available in this process (see ``conveyor.pipelines.initializer``)."""
    fetchers.register(name, factory)
