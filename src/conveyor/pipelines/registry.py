"""Executors, conditions and data fetchers by name: entry points, plus what a program registers itself.

One mechanism for the three plug-in kinds. An entry point names a class (or factory) with a no-argument
constructor; its name is the name definitions use (``executor: cli``, ``conditions: [not_running]``).
``register`` adds or overrides a name in this process (tests, embedding applications) without packaging.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar, cast

from conveyor.pipelines.ports import Condition, Executor

T = TypeVar("T")

EXECUTORS_GROUP = "conveyor.pipeline_executors"
CONDITIONS_GROUP = "conveyor.pipeline_conditions"
FETCHERS_GROUP = "conveyor.pipeline_fetchers"


class UnknownPluginError(LookupError):
    """A name no entry point and no registration provides."""


class Registry(Generic[T]):
    """Names to factories of one entry-point group; instances are created per lookup (plug-ins may hold state)."""

    def __init__(self, group: str, kind: str) -> None:
        self.group, self.kind = group, kind
        self._registered: dict[str, Callable[[], T]] = {}
        self._entry_points: dict[str, Any] | None = None

    def _discovered(self) -> dict[str, Any]:
        if self._entry_points is None:
            self._entry_points = {e.name: e for e in entry_points(group=self.group)}
        return self._entry_points

    def register(self, name: str, factory: Callable[[], T]) -> None:
        """Provide ``name`` in this process; it wins over an entry point of the same name."""
        self._registered[name] = factory

    def unregister(self, name: str) -> None:
        self._registered.pop(name, None)

    def names(self) -> list[str]:
        return sorted(set(self._discovered()) | set(self._registered))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._registered or name in self._discovered())

    def factory(self, name: str) -> Callable[[], T]:
        """The class or factory of ``name``; UnknownPluginError names the group and what is known."""
        registered = self._registered.get(name)
        if registered is not None:
            return registered
        entry = self._discovered().get(name)
        if entry is None:
            known = ", ".join(self.names()) or "none"
            raise UnknownPluginError(f"unknown {self.kind} {name!r} (known: {known})")
        return cast(Callable[[], T], entry.load())

    def create(self, name: str) -> T:
        """A new instance of ``name``."""
        return self.factory(name)()


executors: Registry[Executor] = Registry(EXECUTORS_GROUP, "executor")
conditions: Registry[Condition] = Registry(CONDITIONS_GROUP, "condition")
fetchers: Registry[Any] = Registry(FETCHERS_GROUP, "data fetcher")


def register_executor(name: str, factory: Callable[[], Executor]) -> None:
    """Make executor ``name`` available in this process (tests, embedding applications)."""
    executors.register(name, factory)


def register_condition(name: str, factory: Callable[[], Condition]) -> None:
    """Make condition ``name`` available in this process."""
    conditions.register(name, factory)


def register_fetcher(name: str, factory: Callable[[], Any]) -> None:
    """Make data fetcher ``name`` available in this process (see ``conveyor.pipelines.initializer``)."""
    fetchers.register(name, factory)
