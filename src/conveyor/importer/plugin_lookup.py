"""How a profile names a plug-in: ``{type: name, …options}``, made by the factory registered under that name.

Converters (a column's value) and observers (a whole row) are found and built the same way; this is that one way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Any, TypeVar

T = TypeVar("T")


def registered(group: str) -> dict[str, Any]:
    """The factories registered under an entry point group, by name (how profiles name plug-ins)."""
    return {entry.name: entry.load() for entry in entry_points(group=group)}


def from_spec(kind: str, spec: Mapping[str, Any], factories: Mapping[str, Callable[[Mapping[str, Any]], T]]) -> T:
    """The plug-in a profile spec (``{type: name, …options}``) names, made by its factory; ValueError if unknown."""
    name = str(spec.get("type", ""))
    factory = factories.get(name)
    if factory is None:
        raise ValueError(f"unknown {kind} {name!r} (known: {', '.join(sorted(factories)) or 'none registered'})")
    return factory(spec)


__all__ = ["from_spec", "registered"]
