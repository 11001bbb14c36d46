"""Row observers: hooks a profile names that see each row whole, as TechDivision's observers do, for what a
column converter cannot do alone: a value made from several cells, a row refused on a rule of the source.

An observer is ``factory(options) -> (values -> None)``, registered under the ``conveyor.import_observers``
entry point and named in a profile: ``observers: [{type: brand_prefix, column: manufacturer}]``. It runs after
the column mapping, defaults and converters, before the entity importer checks the row, in the process that
reads the rows (a worker process of a parallel import, too). It may change ``values`` (Magento column → text;
an empty text removes the cell) and raises ``ParseError`` to reject the row (``column`` names the cell).

Two things an observer must not do: change the key column (sku …), which the scan has already read to find
duplicates and unchanged rows; depend on anything but the row and its options, since an unchanged row is
skipped before it is read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from conveyor.plugins import OBSERVERS, default_plugins

Observer = Callable[[dict[str, str]], None]
ObserverFactory = Callable[[Mapping[str, Any]], Observer]
GROUP = OBSERVERS


def observer_factories() -> dict[str, ObserverFactory]:
    """The observers registered under the ``conveyor.import_observers`` entry point."""
    return default_plugins().observers.load_all()


def build_observer(spec: Mapping[str, Any]) -> Observer:
    """An observer from its profile spec (``{type: name, …options}``); PluginError (a ValueError) if unknown."""
    return default_plugins().observers.load(str(spec.get("type", "")))(spec)


__all__ = ["GROUP", "Observer", "ObserverFactory", "build_observer", "observer_factories"]
