"""The entity importers by name: the built-in ones and those registered under the ``conveyor.importers`` entry
point (``name = "package.module:ImporterClass"``), so a user adds an entity without forking."""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import entry_points

from conveyor.importer.base import EntityImporter

BUILTIN_IMPORTERS = {
    "products": "conveyor.importer.products:ProductImporter",
    "attributes": "conveyor.importer.attributes:AttributeImporter",
    "attribute-sets": "conveyor.importer.attribute_sets:AttributeSetImporter",
    "categories": "conveyor.importer.categories:CategoryImporter",
    "stock": "conveyor.importer.stock:StockImporter",
    "tier-prices": "conveyor.importer.tier_prices:TierPriceImporter",
    "customers": "conveyor.importer.customers:CustomerImporter",
    "customer-addresses": "conveyor.importer.customers:CustomerAddressImporter",
}


class UnknownEntityError(LookupError):
    """No importer is registered under the name."""


def _load(target: str) -> type[EntityImporter]:
    module, _, name = target.partition(":")
    importer = getattr(import_module(module), name)
    if not (isinstance(importer, type) and issubclass(importer, EntityImporter)):
        raise TypeError(f"{target} is not an EntityImporter")
    return importer


def importer_names() -> list[str]:
    """Every entity that can be imported."""
    names = set(BUILTIN_IMPORTERS)
    names.update(entry.name for entry in entry_points(group="conveyor.importers"))
    return sorted(names)


def importer_class(entity: str) -> type[EntityImporter]:
    """The importer for ``entity`` (an entry point wins over the built-in of the same name)."""
    for entry in entry_points(group="conveyor.importers"):
        if entry.name == entity:
            return _load(entry.value)
    target = BUILTIN_IMPORTERS.get(entity)
    if target is None:
        raise UnknownEntityError(f"no importer for {entity!r} (known: {', '.join(importer_names())})")
    return _load(target)


__all__ = ["BUILTIN_IMPORTERS", "UnknownEntityError", "importer_class", "importer_names"]
